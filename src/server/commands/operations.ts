/**
 * Operations commands: MONITOR (every command the cluster executes, from every node, each line
 * naming its node) and TIME. A MONITOR line is Redis's, with the node added after the client's
 * address: `+1700000000.123456 [0 127.0.0.1:51234 node=2] "set" "k" "v"`.
 */
import type { ClientState } from '../clientState.js';
import { command, type CommandContext, type CommandSpec } from '../commandTypes.js';
import { okReply, type RespValue } from '../respEncoder.js';

/** Redis's sdscatrepr: printable bytes as they are, the rest escaped, inside quotes. */
export function quoteArg(arg: Buffer): string {
  let out = '"';
  for (const byte of arg.subarray(0, 4096)) {
    switch (byte) {
      case 0x5c: out += '\\\\'; break;
      case 0x22: out += '\\"'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x07: out += '\\a'; break;
      case 0x08: out += '\\b'; break;
      default:
        out += byte >= 0x20 && byte <= 0x7e ? String.fromCharCode(byte)
          : `\\x${byte.toString(16).padStart(2, '0')}`;
    }
  }
  return arg.length > 4096 ? `${out}..."` : `${out}"`;
}

/** The line MONITOR clients see for one command executed on this node. */
export function monitorLine(client: ClientState, nodeId: number, args: Buffer[]): string {
  const nowUs = BigInt(Date.now()) * 1000n;
  const seconds = nowUs / 1_000_000n;
  const micros = String(nowUs % 1_000_000n).padStart(6, '0');
  const quoted = args.slice(0, 64).map(quoteArg).join(' ');
  const more = args.length > 64 ? ` ... (${args.length - 64} more arguments)` : '';
  return `${seconds}.${micros} [${client.db} ${client.addr} node=${nodeId}] ${quoted}${more}`;
}

function monitor(ctx: CommandContext): RespValue {
  if (ctx.client.multi !== undefined) return { error: 'ERR MONITOR inside MULTI is not allowed' };
  ctx.server.pubsub.addMonitor(ctx.target);
  return okReply;
}

function time(): RespValue {
  const nowUs = BigInt(Date.now()) * 1000n + BigInt(Math.floor((performance.now() % 1) * 1000));
  return [String(nowUs / 1_000_000n), String(nowUs % 1_000_000n)];
}

export const operationsCommands: CommandSpec[] = [
  command({
    name: 'monitor', arity: 1, kind: 'exclusive', flags: ['admin', 'loading', 'stale'],
    group: 'server', summary: 'Stream every command the cluster executes, from every node',
    run: monitor,
  }),
  command({
    name: 'time', arity: 1, kind: 'local', flags: ['fast', 'loading', 'stale'],
    group: 'server', summary: 'This node\'s clock: seconds and microseconds', run: time,
  }),
];

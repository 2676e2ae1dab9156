/**
 * The command table and dispatch: name lookup (case-insensitive), arity checks and unknown
 * commands with Redis's wording, and MULTI queuing. `kindOf` tells the connection how to
 * schedule a command given the client's state.
 */
import { assert } from '../codec/assert.js';
import { authErrors } from './auth.js';
import type { CommandContext, CommandReply, CommandSpec, ExecKind } from './commandTypes.js';
import { clientCommands } from './commands/client.js';
import { configCommands } from './commands/config.js';
import { connectionCommands } from './commands/connection.js';
import { monitorLine, operationsCommands } from './commands/operations.js';
import { pubsubCommands } from './commands/pubsub.js';
import { harmonyCommands } from './commands/harmony.js';
import { infoCommands } from './commands/info.js';
import { introspectionCommands } from './commands/introspection.js';
import { keyspaceCommands } from './commands/keyspace.js';
import { sentinelCommands } from './commands/sentinel.js';
import { stringCommands } from './commands/strings.js';
import { transactionCommands } from './commands/transaction.js';
import { keyword, unknownCommand, wrongArity } from './replies.js';
import type { RespValue } from './respEncoder.js';

/** Commands that act on the transaction itself rather than being queued. */
const multiControl = new Set(['exec', 'discard', 'multi', 'watch', 'quit']);

/** What a RESP2 client may send while subscribed (Redis's "context"). */
const subscribedAllowed = new Set([
  'subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe',
  'ping', 'quit', 'reset',
]);

/** Commands MONITOR does not show (Redis: admin commands, and those carrying passwords). */
function hiddenFromMonitor(spec: CommandSpec): boolean {
  return spec.flags.includes('admin') || spec.name === 'auth' || spec.name === 'hello';
}

export class CommandTable {
  private readonly byName = new Map<string, CommandSpec>();

  constructor(specs: CommandSpec[] = allCommands()) {
    for (const spec of specs) {
      assert(spec.name === spec.name.toLowerCase(), `command ${spec.name} is lower case`);
      assert(!this.byName.has(spec.name), `command ${spec.name} is defined once`);
      assert(Number.isInteger(spec.arity) && spec.arity !== 0, `command ${spec.name} arity`);
      this.byName.set(spec.name, spec);
    }
  }

  lookup(name: string): CommandSpec | undefined {
    return this.byName.get(name);
  }

  all(): Iterable<CommandSpec> {
    return this.byName.values();
  }

  kindOf(ctx: Pick<CommandContext, 'client'>, args: Buffer[]): ExecKind {
    const name = keyword(args[0]);
    const spec = this.byName.get(name);
    if (ctx.client.multi !== undefined && !multiControl.has(name)) return 'local';
    return spec?.kind ?? 'local';
  }

  /**
   * Runs one command; the reply, or a promise of it for backend commands. Checks in Redis's
   * order: unknown command, arity, authentication, the subscribed context of a RESP2 client.
   */
  execute(ctx: CommandContext, args: Buffer[]): CommandReply | Promise<CommandReply> {
    assert(args.length > 0, 'a command has a name');
    const name = keyword(args[0]);
    const spec = this.byName.get(name);
    const client = ctx.client;
    client.lastCommand = spec?.name ?? 'NULL';
    const multi = client.multi;
    const refuse = (reply: RespValue): RespValue => {
      if (multi !== undefined) multi.failed = true;
      return reply;
    };
    if (spec === undefined) return refuse(unknownCommand(args));
    if (!arityMatches(spec.arity, args.length)) return refuse(wrongArity(spec.name));
    if (!client.authenticated && !spec.flags.includes('no_auth')) {
      return refuse({ error: authErrors.noAuth });
    }
    if (client.protocol === 2 && client.subscribed && !subscribedAllowed.has(name)) {
      return { error: `ERR Can't execute '${spec.name}': only (P|S)SUBSCRIBE / `
        + '(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context' };
    }
    ctx.server.stats.totalCommandsProcessed++;
    const pubsub = ctx.server.pubsub;
    if (pubsub.monitoring() && !hiddenFromMonitor(spec)) {
      pubsub.feedMonitors(monitorLine(client, pubsub.nodeId, args));
    }
    if (multi === undefined || multiControl.has(name)) return spec.run(ctx, args);
    if (spec.queue === undefined) {
      return refuse({ error: 'ERR Command not allowed inside a transaction' });
    }
    multi.queued.push(spec.queue(args));
    return { simple: 'QUEUED' };
  }
}

function arityMatches(arity: number, argCount: number): boolean {
  return arity > 0 ? argCount === arity : argCount >= -arity;
}

export function allCommands(): CommandSpec[] {
  return [
    ...connectionCommands, ...introspectionCommands, ...stringCommands, ...keyspaceCommands,
    ...transactionCommands, ...sentinelCommands, ...harmonyCommands,
    ...clientCommands, ...configCommands, ...infoCommands, ...pubsubCommands, ...operationsCommands,
  ];
}

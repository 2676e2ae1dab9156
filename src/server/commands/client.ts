/**
 * CLIENT ID / GETNAME / SETNAME / INFO / LIST / KILL / NO-EVICT / REPLY / SETINFO / HELP, with
 * Redis 7's replies. Everything here is about this node's connections (as on a Redis Cluster
 * node): CLIENT LIST shows who is connected here, CLIENT KILL closes connections here.
 */
import type { ClientState } from '../clientState.js';
import { command, ReplySequence, type CommandContext, type CommandReply, type CommandSpec }
  from '../commandTypes.js';
import {
  keyword, notIntegerError, parseIntegerArg, syntaxError, text, unknownSubcommand, wrongArity,
} from '../replies.js';
import { okReply, type RespValue } from '../respEncoder.js';
import { setClientName } from './connection.js';

type ClientType = 'normal' | 'pubsub' | 'master' | 'replica';

function typeOf(client: ClientState): ClientType {
  return client.subscribed ? 'pubsub' : 'normal';
}

function parseType(arg: Buffer): ClientType | undefined {
  const word = keyword(arg);
  if (word === 'slave') return 'replica';
  return ['normal', 'pubsub', 'master', 'replica'].includes(word) ? word as ClientType : undefined;
}

/** CLIENT LIST [TYPE type] [ID id ...]: one line per matching connection (verbatim text). */
function list(ctx: CommandContext, args: Buffer[]): RespValue {
  let type: ClientType | undefined;
  let ids: Set<number> | undefined;
  if (args.length >= 4 && keyword(args[2]) === 'type' && args.length === 4) {
    type = parseType(args[3]!);
    if (type === undefined) return { error: `ERR Unknown client type '${text(args[3]!)}'` };
  } else if (args.length >= 4 && keyword(args[2]) === 'id') {
    ids = new Set();
    for (const arg of args.slice(3)) {
      const id = parseIntegerArg(arg);
      if (id === undefined || id <= 0n) return { error: 'ERR Invalid client ID' };
      ids.add(Number(id));
    }
  } else if (args.length !== 2) {
    return syntaxError;
  }
  const now = Date.now();
  let out = '';
  for (const other of ctx.server.clients()) {
    if (type !== undefined && typeOf(other) !== type) continue;
    if (ids !== undefined && !ids.has(other.id)) continue;
    out += `${other.infoLine(now)}\n`;
  }
  return { verbatim: out, format: 'txt' };
}

interface KillFilter {
  id?: number;
  type?: ClientType;
  addr?: string;
  laddr?: string;
  user?: string;
  maxAgeSeconds?: number;
  skipMe: boolean;
}

/** The filters of CLIENT KILL's new form, or the error reply. */
function parseKillFilter(args: Buffer[]): { filter: KillFilter } | { reply: RespValue } {
  const filter: KillFilter = { skipMe: true };
  const refuse = (reply: RespValue) => ({ reply });
  if (args.length % 2 !== 0) return refuse(syntaxError);
  for (let i = 2; i < args.length; i += 2) {
    const value = args[i + 1]!;
    switch (keyword(args[i])) {
      case 'id': {
        const id = parseIntegerArg(value);
        if (id === undefined || id <= 0n) {
          return refuse({ error: 'ERR client-id should be greater than 0' });
        }
        filter.id = Number(id);
        break;
      }
      case 'type': {
        const type = parseType(value);
        if (type === undefined) {
          return refuse({ error: `ERR Unknown client type '${text(value)}'` });
        }
        filter.type = type;
        break;
      }
      case 'addr': filter.addr = value.toString('latin1'); break;
      case 'laddr': filter.laddr = value.toString('latin1'); break;
      case 'user': filter.user = value.toString('latin1'); break;
      case 'maxage': {
        const age = parseIntegerArg(value);
        if (age === undefined) return refuse(notIntegerError);
        filter.maxAgeSeconds = Number(age);
        break;
      }
      case 'skipme': {
        const yes = keyword(value);
        if (yes !== 'yes' && yes !== 'no') return refuse(syntaxError);
        filter.skipMe = yes === 'yes';
        break;
      }
      default: return refuse(syntaxError);
    }
  }
  return { filter };
}

function matches(
  filter: KillFilter, client: ClientState, self: ClientState, nowMs: number,
): boolean {
  if (filter.skipMe && client === self) return false;
  if (filter.id !== undefined && client.id !== filter.id) return false;
  if (filter.type !== undefined && typeOf(client) !== filter.type) return false;
  if (filter.addr !== undefined && client.addr !== filter.addr) return false;
  if (filter.laddr !== undefined && client.localAddr !== filter.laddr) return false;
  if (filter.user !== undefined && client.user !== filter.user) return false;
  if (filter.maxAgeSeconds !== undefined
    && (nowMs - client.createdAtMs) / 1000 < filter.maxAgeSeconds) return false;
  return true;
}

/** Closes a connection; our own closes once this reply is written (as Redis does). */
function killClient(ctx: CommandContext, client: ClientState): void {
  if (client === ctx.client) ctx.client.closeRequested = true;
  else client.kill();
}

/** CLIENT KILL addr (old form: OK or an error) or CLIENT KILL <filter value> ... (a count). */
function kill(ctx: CommandContext, args: Buffer[]): RespValue {
  if (args.length === 3) {
    const addr = args[2]!.toString('latin1');
    for (const other of ctx.server.clients()) {
      if (other.addr !== addr) continue;
      killClient(ctx, other);
      return okReply;
    }
    return { error: 'ERR No such client' };
  }
  const parsed = parseKillFilter(args);
  if ('reply' in parsed) return parsed.reply;
  const f = parsed.filter;
  const now = Date.now();
  let killed = 0;
  for (const other of [...ctx.server.clients()]) {
    if (!matches(f, other, ctx.client, now)) continue;
    killClient(ctx, other);
    killed++;
  }
  return killed;
}

function reply(ctx: CommandContext, args: Buffer[]): CommandReply {
  switch (keyword(args[2])) {
    case 'on':
      ctx.client.replyOff = false;
      ctx.client.replySkipNext = false;
      return okReply;
    case 'off':
      ctx.client.replyOff = true;
      return new ReplySequence([]);
    case 'skip':
      if (!ctx.client.replyOff) ctx.client.replySkipNext = true;
      return new ReplySequence([]);
    default: return syntaxError;
  }
}

function onOff(arg: Buffer | undefined): boolean | undefined {
  const word = keyword(arg);
  return word === 'on' ? true : word === 'off' ? false : undefined;
}

const help: RespValue = [
  'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ID', '    Return the ID of the current connection.',
  'GETNAME', '    Return the name of the current connection.',
  'SETNAME <name>', '    Assign the name <name> to the current connection.',
  'INFO', '    Return information about the current client connection.',
  'LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <id> [<id> ...]]',
  '    Return information about client connections on this node.',
  'KILL <ip:port>', '    Kill connection made from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Kill connections. Options: ID, TYPE, USER, ADDR, LADDR, SKIPME (YES|NO), MAXAGE.',
  'NO-EVICT (ON|OFF)', '    Protect the connection from client eviction (none happens here).',
  'REPLY (ON|OFF|SKIP)', '    Control the replies sent to the current connection.',
  'SETINFO <LIB-NAME|LIB-VER> <value>', '    Set client library name or version.',
  'HELP', '    Print this help.',
];

function client(ctx: CommandContext, args: Buffer[]): CommandReply {
  const sub = keyword(args[1]);
  const arity = (n: number): RespValue | undefined =>
    args.length === n ? undefined : wrongArity(`client|${sub}`);
  switch (sub) {
    case 'id': return arity(2) ?? ctx.client.id;
    case 'getname': return arity(2) ?? (ctx.client.name === '' ? null : ctx.client.name);
    case 'setname': return arity(3) ?? setClientName(ctx, args[2]!) ?? okReply;
    case 'info': return arity(2) ?? {
      verbatim: `${ctx.client.infoLine(Date.now())}\n`, format: 'txt',
    };
    case 'list': return list(ctx, args);
    case 'kill': return args.length >= 3 ? kill(ctx, args) : wrongArity('client|kill');
    case 'reply': return arity(3) ?? reply(ctx, args);
    case 'no-evict': {
      const on = onOff(args[2]);
      if (args.length !== 3 || on === undefined) return syntaxError;
      ctx.client.noEvict = on;
      return okReply;
    }
    case 'setinfo': {
      const bad = arity(4);
      if (bad !== undefined) return bad;
      const attr = keyword(args[2]);
      if (attr === 'lib-name') ctx.client.libName = args[3]!.toString('latin1');
      else if (attr === 'lib-ver') ctx.client.libVersion = args[3]!.toString('latin1');
      else return { error: `ERR Unrecognized option '${text(args[2]!)}'` };
      return okReply;
    }
    case 'help': return help;
    default: return unknownSubcommand(args[1]!, 'CLIENT');
  }
}

export const clientCommands: CommandSpec[] = [
  command({
    name: 'client', arity: -2, kind: 'local', flags: ['loading', 'stale'], group: 'connection',
    summary: 'This node\'s connections: ID, NAME, INFO, LIST, KILL, REPLY, NO-EVICT', run: client,
  }),
];

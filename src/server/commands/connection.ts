/** Connection commands: PING ECHO QUIT RESET SELECT HELLO AUTH READONLY READWRITE. */
import { authErrors } from '../auth.js';
import { command, type CommandContext, type CommandSpec } from '../commandTypes.js';
import {
  keyword, notIntegerError, parseIntegerArg, syntaxError, text, wrongArity,
} from '../replies.js';
import { okReply, type RespValue } from '../respEncoder.js';

/** The Redis version we answer to clients that look at it (ioredis, node-redis, redis-cli). */
export const redisCompatVersion = '7.0.0';

/** HELLO's reply (Redis 7): a map under RESP3, a flat array under RESP2. */
function helloReply(ctx: CommandContext): RespValue {
  const role = ctx.role().role === 'leader' ? 'master' : 'replica';
  return {
    map: [
      ['server', 'redis'], ['version', redisCompatVersion], ['proto', ctx.client.protocol],
      ['id', ctx.client.id], ['mode', 'standalone'], ['role', role], ['modules', []],
    ],
  };
}

/** HELLO [protover [AUTH user pass] [SETNAME name]]: checks in Redis 7's order. */
function hello(ctx: CommandContext, args: Buffer[]): RespValue {
  let version: 2 | 3 | undefined;
  if (args.length >= 2) {
    const parsed = parseIntegerArg(args[1]!);
    if (parsed === undefined) {
      return { error: 'ERR Protocol version is not an integer or out of range' };
    }
    if (parsed !== 2n && parsed !== 3n) return { error: 'NOPROTO unsupported protocol version' };
    version = parsed === 2n ? 2 : 3;
  }
  let credentials: [Buffer, Buffer] | undefined;
  let name: Buffer | undefined;
  for (let i = 2; i < args.length; i++) {
    const option = keyword(args[i]);
    if (option === 'auth' && i + 2 < args.length) {
      credentials = [args[i + 1]!, args[i + 2]!];
      i += 2;
    } else if (option === 'setname' && i + 1 < args.length) {
      name = args[++i]!;
    } else {
      return { error: `ERR Syntax error in HELLO option '${text(args[i]!)}'` };
    }
  }
  if (credentials !== undefined) {
    if (!ctx.server.auth.check(credentials[0], credentials[1])) {
      return { error: authErrors.wrongPass };
    }
    ctx.client.authenticated = true;
  }
  if (!ctx.client.authenticated) return { error: authErrors.helloNoAuth };
  if (name !== undefined) {
    const error = setClientName(ctx, name);
    if (error !== undefined) return error;
  }
  if (version !== undefined) ctx.client.protocol = version;
  return helloReply(ctx);
}

/** AUTH [user] password. */
function auth(ctx: CommandContext, args: Buffer[]): RespValue {
  if (args.length > 3) return syntaxError;
  if (args.length === 2 && !ctx.server.auth.required) return { error: authErrors.noPasswordSet };
  const user = args.length === 3 ? args[1]! : Buffer.from('default');
  if (!ctx.server.auth.check(user, args[args.length - 1]!)) {
    return { error: authErrors.wrongPass };
  }
  ctx.client.authenticated = true;
  return okReply;
}

/** Redis's rule for connection names: printable ASCII without spaces. */
export function setClientName(ctx: CommandContext, name: Buffer): RespValue | undefined {
  for (const byte of name) {
    if (byte < 0x21 || byte > 0x7e) {
      return { error: 'ERR Client names cannot contain spaces, newlines or special characters.' };
    }
  }
  ctx.client.name = name.toString('latin1');
  return undefined;
}

/** PING: in a RESP2 subscribed context Redis answers ["pong", arg] instead. */
function ping(ctx: CommandContext, args: Buffer[]): RespValue {
  if (args.length > 2) return wrongArity('ping');
  if (ctx.client.protocol === 2 && ctx.client.subscribed) {
    return ['pong', args.length === 2 ? args[1]! : ''];
  }
  return args.length === 2 ? args[1]! : { simple: 'PONG' };
}

/** RESET: back to a fresh connection's state (Redis 6.2), answered +RESET. */
function reset(ctx: CommandContext): RespValue {
  const client = ctx.client;
  client.multi = undefined;
  ctx.server.pubsub.drop(ctx.target);
  client.protocol = 2;
  client.db = 0;
  client.readonly = false;
  client.name = '';
  client.replyOff = false;
  client.replySkipNext = false;
  client.noEvict = false;
  client.authenticated = !ctx.server.auth.required;
  return { simple: 'RESET' };
}

export const connectionCommands: CommandSpec[] = [
  command({
    name: 'ping', arity: -1, kind: 'local', flags: ['fast', 'loading', 'stale'],
    group: 'connection',
    summary: 'Ping the server',
    run: ping,
    queue: (args) => ({
      reply: args.length > 2 ? wrongArity('ping')
        : args.length === 2 ? args[1]! : { simple: 'PONG' },
    }),
  }),
  command({
    name: 'echo', arity: 2, kind: 'local', flags: ['fast', 'loading', 'stale'],
    group: 'connection',
    summary: 'Echo the given string', run: (_ctx, args) => args[1]!,
    queue: (args) => ({ reply: args[1]! }),
  }),
  command({
    name: 'quit', arity: -1, kind: 'local', flags: ['fast', 'loading', 'stale', 'no_auth'],
    group: 'connection',
    summary: 'Close the connection',
    run: (ctx) => {
      ctx.client.closeRequested = true;
      return okReply;
    },
  }),
  command({
    name: 'select', arity: 2, kind: 'local', flags: ['fast', 'loading', 'stale'],
    group: 'connection',
    summary: 'Change the selected database (HarmonyDB has only database 0)',
    run: (_ctx, args) => {
      const index = parseIntegerArg(args[1]!);
      if (index === undefined) return notIntegerError;
      return index === 0n ? okReply : { error: 'ERR DB index is out of range' };
    },
  }),
  command({
    name: 'hello', arity: -1, kind: 'local', flags: ['fast', 'loading', 'stale', 'no_auth'],
    group: 'connection',
    summary: 'Handshake: RESP2 or RESP3, authenticate, name the connection', run: hello,
  }),
  command({
    name: 'auth', arity: -2, kind: 'local', flags: ['fast', 'loading', 'stale', 'no_auth'],
    group: 'connection',
    summary: 'Authenticate the connection (the default user, --requirepass-file)', run: auth,
  }),
  command({
    name: 'reset', arity: 1, kind: 'exclusive', flags: ['fast', 'loading', 'stale', 'no_auth'],
    group: 'connection',
    summary: 'Reset the connection to its state right after connecting', run: reset,
  }),
  command({
    name: 'readonly', arity: 1, kind: 'local', flags: ['fast', 'loading', 'stale'],
    group: 'cluster',
    summary: 'Serve reads from this node\'s local (possibly stale) state',
    run: (ctx) => {
      ctx.client.readonly = true;
      return okReply;
    },
  }),
  command({
    name: 'readwrite', arity: 1, kind: 'local', flags: ['fast', 'loading', 'stale'],
    group: 'cluster',
    summary: 'Serve reads linearizably again (the default)',
    run: (ctx) => {
      ctx.client.readonly = false;
      return okReply;
    },
  }),
];

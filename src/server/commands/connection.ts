/** Connection commands: PING ECHO QUIT SELECT HELLO AUTH CLIENT READONLY READWRITE. */
import { command, type CommandContext, type CommandSpec } from '../commandTypes.js';
import {
  keyword, notIntegerError, parseIntegerArg, text, unknownSubcommand, wrongArity,
} from '../replies.js';
import { okReply, type RespValue } from '../respEncoder.js';

/** The Redis version we answer to clients that look at it (ioredis, node-redis, redis-cli). */
export const redisCompatVersion = '7.0.0';

function hello(ctx: CommandContext, args: Buffer[]): RespValue {
  if (args.length >= 2) {
    const version = parseIntegerArg(args[1]!);
    if (version === undefined) {
      return { error: 'ERR Protocol version is not an integer or out of range' };
    }
    if (version !== 2n) return { error: 'NOPROTO unsupported protocol version' };
  }
  for (let i = 2; i < args.length; i++) {
    const option = keyword(args[i]);
    if (option === 'auth' && i + 2 < args.length) {
      i += 2; // No users or passwords in HarmonyDB: any credentials are accepted.
    } else if (option === 'setname' && i + 1 < args.length) {
      const error = setName(ctx, args[++i]!);
      if (error !== undefined) return error;
    } else {
      return { error: `ERR Syntax error in HELLO option '${text(args[i]!)}'` };
    }
  }
  const role = ctx.role().role === 'leader' ? 'master' : 'replica';
  return [
    'server', 'redis', 'version', redisCompatVersion, 'proto', 2, 'id', ctx.client.id,
    'mode', 'standalone', 'role', role, 'modules', [],
  ];
}

function setName(ctx: CommandContext, name: Buffer): RespValue | undefined {
  for (const byte of name) {
    if (byte < 0x21 || byte > 0x7e) {
      return { error: 'ERR Client names cannot contain spaces, newlines or special characters.' };
    }
  }
  ctx.client.name = name.toString('latin1');
  return undefined;
}

function client(ctx: CommandContext, args: Buffer[]): RespValue {
  const sub = keyword(args[1]);
  const arity = (n: number): RespValue | undefined =>
    args.length === n ? undefined : wrongArity(`client|${sub}`);
  const now = Date.now();
  switch (sub) {
    case 'id': return arity(2) ?? ctx.client.id;
    case 'getname': return arity(2) ?? (ctx.client.name === '' ? null : ctx.client.name);
    case 'setname': return arity(3) ?? setName(ctx, args[2]!) ?? okReply;
    case 'info': return arity(2) ?? `${ctx.client.infoLine(now)}\n`;
    case 'list': {
      let out = '';
      for (const other of ctx.server.clients()) out += `${other.infoLine(now)}\n`;
      return out;
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
    case 'help': return [
      'CLIENT <subcommand> [<arg> ...]. Subcommands are:',
      'ID', 'GETNAME', 'SETNAME <name>', 'INFO', 'LIST', 'SETINFO <LIB-NAME|LIB-VER> <value>',
    ];
    default: return unknownSubcommand(args[1]!, 'CLIENT');
  }
}

export const connectionCommands: CommandSpec[] = [
  command({
    name: 'ping', arity: -1, kind: 'local', flags: ['fast', 'loading', 'stale'],
    group: 'connection',
    summary: 'Ping the server',
    run: (_ctx, args) => {
      if (args.length > 2) return wrongArity('ping');
      return args.length === 2 ? args[1]! : { simple: 'PONG' };
    },
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
    name: 'quit', arity: -1, kind: 'local', flags: ['fast', 'loading', 'stale'],
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
    name: 'hello', arity: -1, kind: 'local', flags: ['fast', 'loading', 'stale'],
    group: 'connection',
    summary: 'Handshake (RESP2 only)', run: hello,
  }),
  command({
    name: 'auth', arity: -2, kind: 'local', flags: ['fast', 'loading', 'stale'],
    group: 'connection',
    summary: 'Authenticate (HarmonyDB has no passwords)',
    run: () => ({
      error: 'ERR AUTH <password> called without any password configured for the default user. '
        + 'Are you sure your configuration is correct?',
    }),
  }),
  command({
    name: 'client', arity: -2, kind: 'local', flags: ['loading', 'stale'], group: 'connection',
    summary: 'Connection information and names', run: client,
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

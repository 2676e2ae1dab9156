/**
 * CONFIG GET / SET / RESETSTAT / REWRITE / HELP over this node's ServerConfig (serverConfig.ts
 * says which parameters exist and which can be set).
 */
import { command, type CommandContext, type CommandSpec } from '../commandTypes.js';
import { keyword, unknownSubcommand, wrongArity } from '../replies.js';
import { okReply, type RespValue } from '../respEncoder.js';

function configGet(ctx: CommandContext, args: Buffer[]): RespValue {
  if (args.length < 3) return wrongArity('config|get');
  return { map: ctx.server.config.get(args.slice(2)) };
}

function configSet(ctx: CommandContext, args: Buffer[]): RespValue {
  if (args.length < 4 || args.length % 2 !== 0) return wrongArity('config|set');
  const pairs: [string, string][] = [];
  for (let i = 2; i < args.length; i += 2) {
    pairs.push([args[i]!.toString('latin1'), args[i + 1]!.toString('latin1')]);
  }
  const error = ctx.server.config.set(pairs);
  return error === undefined ? okReply : { error };
}

const help: RespValue = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>', '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>', '    Set the configuration <directive> to <value> (on this node).',
  'RESETSTAT', '    Reset statistics reported by the INFO command.',
  'REWRITE', '    HarmonyDB has no configuration file to rewrite.',
  'HELP', '    Print this help.',
];

function config(ctx: CommandContext, args: Buffer[]): RespValue {
  const sub = keyword(args[1]);
  switch (sub) {
    case 'get': return configGet(ctx, args);
    case 'set': return configSet(ctx, args);
    case 'resetstat': {
      if (args.length !== 2) return wrongArity('config|resetstat');
      ctx.server.stats.reset();
      ctx.server.auth.failedAttempts = 0;
      return okReply;
    }
    case 'rewrite': return args.length === 2
      ? { error: 'ERR The server is running without a config file' }
      : wrongArity('config|rewrite');
    case 'help': return help;
    default: return unknownSubcommand(args[1]!, 'CONFIG');
  }
}

export const configCommands: CommandSpec[] = [
  command({
    name: 'config', arity: -2, kind: 'local', flags: ['admin', 'loading', 'stale'],
    group: 'server',
    summary: 'CONFIG GET / SET (notify-keyspace-events, client-output-buffer-limit) / RESETSTAT',
    run: config,
  }),
];

/** Introspection: COMMAND (COUNT, INFO, DOCS, LIST), ROLE (INFO: info.ts). */
import type { RoleInfo } from '../../kv/backend.js';
import { command, type CommandContext, type CommandSpec } from '../commandTypes.js';
import { keyword, unknownSubcommand, wrongArity } from '../replies.js';
import type { RespValue } from '../respEncoder.js';

function commandInfo(spec: CommandSpec): RespValue {
  const categories = [`@${spec.group}`];
  if (spec.flags.includes('write')) categories.push('@write');
  if (spec.flags.includes('readonly')) categories.push('@read');
  return [
    spec.name, spec.arity, spec.flags.map((flag) => ({ simple: flag })),
    spec.firstKey, spec.lastKey, spec.keyStep,
    categories.map((c) => ({ simple: c })), [], [], [],
  ];
}

function commandDocs(spec: CommandSpec): RespValue {
  return ['summary', spec.summary, 'since', '1.0.0', 'group', spec.group, 'complexity', 'O(1)'];
}

function commandCmd(ctx: CommandContext, args: Buffer[]): RespValue {
  const all = [...ctx.server.commands()];
  if (args.length === 1) return all.map(commandInfo);
  const sub = keyword(args[1]);
  const named = (): (CommandSpec | undefined)[] => args.slice(2)
    .map((a) => ctx.server.lookup(keyword(a)));
  switch (sub) {
    case 'count': return args.length === 2 ? all.length : wrongArity('command|count');
    case 'list': return all.map((spec) => spec.name);
    case 'info': {
      if (args.length === 2) return all.map(commandInfo);
      return named().map((spec) => (spec === undefined ? null : commandInfo(spec)));
    }
    case 'docs': {
      const specs = args.length === 2 ? all
        : named().filter((s): s is CommandSpec => s !== undefined);
      const flat: RespValue[] = [];
      for (const spec of specs) flat.push(spec.name, commandDocs(spec));
      return flat;
    }
    case 'help': return ['COMMAND <subcommand>. Subcommands are:', 'COUNT', 'LIST', 'INFO', 'DOCS'];
    default: return unknownSubcommand(args[1]!, 'COMMAND');
  }
}

function roleReply(role: RoleInfo): RespValue {
  if (role.role === 'leader') {
    return ['master', role.appliedIndex, role.peers.filter((p) => p.connected)
      .map((p) => [p.host, String(p.port), String(p.matchIndex ?? 0)])];
  }
  const linked = role.leader !== undefined && role.leaderId !== 0;
  return ['slave', role.leader?.host ?? '', role.leader?.port ?? 0,
    linked ? 'connected' : 'connect', role.appliedIndex];
}

export const introspectionCommands: CommandSpec[] = [
  command({
    name: 'command', arity: -1, kind: 'local', flags: ['loading', 'stale'], group: 'server',
    summary: 'Details about the commands', run: commandCmd,
  }),
  command({
    name: 'role', arity: 1, kind: 'local', flags: ['fast', 'loading', 'stale'], group: 'server',
    summary: 'The node\'s role: master (Raft leader) or slave', run: (ctx) => roleReply(ctx.role()),
  }),
];

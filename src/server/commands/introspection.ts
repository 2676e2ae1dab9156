/** Introspection: COMMAND (COUNT, INFO, DOCS, LIST), INFO, ROLE, CONFIG GET. */
import os from 'node:os';
import type { RoleInfo } from '../../kv/backend.js';
import { command, type CommandContext, type CommandSpec } from '../commandTypes.js';
import { keyword, unknownSubcommand, wrongArity } from '../replies.js';
import type { RespValue } from '../respEncoder.js';
import { redisCompatVersion } from './connection.js';

export const harmonyVersion = '0.1.0';

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

type Section = [name: string, fields: [string, string | number][]];

function replicationFields(role: RoleInfo): [string, string | number][] {
  if (role.role === 'leader') {
    const fields: [string, string | number][] = [
      ['role', 'master'], ['connected_slaves', role.peers.filter((p) => p.connected).length],
    ];
    role.peers.forEach((peer, i) => {
      fields.push([`slave${i}`, `ip=${peer.host},port=${peer.port},`
        + `state=${peer.connected ? 'online' : 'offline'},offset=${peer.matchIndex ?? 0},lag=0`]);
    });
    fields.push(['master_repl_offset', role.appliedIndex]);
    return fields;
  }
  const linked = role.leader !== undefined && role.leaderId !== 0;
  return [
    ['role', 'slave'],
    ['master_host', role.leader?.host ?? ''],
    ['master_port', role.leader?.port ?? 0],
    ['master_link_status', linked ? 'up' : 'down'],
    ['master_last_io_seconds_ago', linked ? 0 : -1],
    ['master_sync_in_progress', 0],
    ['slave_repl_offset', role.appliedIndex],
    ['slave_read_only', 0],
    ['connected_slaves', 0],
    ['master_repl_offset', role.appliedIndex],
  ];
}

async function info(ctx: CommandContext, args: Buffer[]): Promise<RespValue> {
  const wanted = new Set(args.slice(1).map((a) => keyword(a)));
  const everything = wanted.size === 0
    || ['default', 'all', 'everything'].some((w) => wanted.has(w));
  const want = (name: string): boolean => everything || wanted.has(name);
  const role = ctx.role();
  const sections: Section[] = [];
  const nowMs = Date.now();
  if (want('server')) {
    const uptime = Math.floor((nowMs - ctx.server.startedAtMs) / 1000);
    sections.push(['Server', [
      ['redis_version', redisCompatVersion], ['harmonydb_version', harmonyVersion],
      ['redis_mode', 'standalone'], ['os', `${os.type()} ${os.release()} ${os.arch()}`],
      ['arch_bits', 64], ['process_id', process.pid], ['run_id', ctx.server.runId],
      ['tcp_port', ctx.server.port()], ['uptime_in_seconds', uptime],
      ['uptime_in_days', Math.floor(uptime / 86400)],
    ]]);
  }
  if (want('clients')) {
    sections.push(['Clients', [
      ['connected_clients', [...ctx.server.clients()].length],
      ['maxclients', ctx.server.limits.connectionsMax], ['blocked_clients', 0],
    ]]);
  }
  if (want('persistence')) sections.push(['Persistence', [['loading', 0]]]);
  if (want('replication')) sections.push(['Replication', replicationFields(role)]);
  if (want('raft')) {
    sections.push(['Raft', [
      ['raft_role', role.role], ['node_id', role.nodeId], ['term', role.term],
      ['leader_id', role.leaderId], ['commit_index', role.commitIndex],
      ['applied_index', role.appliedIndex],
    ]]);
  }
  if (want('keyspace')) {
    const keys = Number(await ctx.backend.read({ type: 'count' }, { consistency: 'local' }));
    sections.push(['Keyspace', keys > 0 ? [['db0', `keys=${keys},expires=0,avg_ttl=0`]] : []]);
  }
  let out = '';
  for (const [name, fields] of sections) {
    const extra = Object.entries(ctx.backend.info(name.toLowerCase()));
    if (out !== '') out += '\r\n';
    out += `# ${name}\r\n`;
    for (const [field, value] of [...fields, ...extra]) out += `${field}:${value}\r\n`;
  }
  return out;
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
    name: 'info', arity: -1, kind: 'read', flags: ['loading', 'stale'], group: 'server',
    summary: 'Information about the node: server, clients, replication, raft, keyspace', run: info,
  }),
  command({
    name: 'role', arity: 1, kind: 'local', flags: ['fast', 'loading', 'stale'], group: 'server',
    summary: 'The node\'s role: master (Raft leader) or slave', run: (ctx) => roleReply(ctx.role()),
  }),
  command({
    name: 'config', arity: -2, kind: 'local', flags: ['admin', 'loading', 'stale'], group: 'server',
    summary: 'CONFIG GET answers an empty list (nothing is configurable at run time)',
    run: (_ctx, args) => {
      const sub = keyword(args[1]);
      if (sub === 'get') return args.length >= 3 ? [] : wrongArity('config|get');
      if (sub === 'set' || sub === 'resetstat' || sub === 'rewrite') {
        return { error: `ERR CONFIG ${sub.toUpperCase()} is not supported by HarmonyDB` };
      }
      return unknownSubcommand(args[1]!, 'CONFIG');
    },
  }),
];

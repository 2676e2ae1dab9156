/**
 * INFO with Redis's sections and field names (server, clients, memory, persistence, stats,
 * replication, cpu, keyspace) plus a raft section; each field appears once. redis-cli --stat
 * reads keys (db0:keys), used_memory, connected_clients, blocked_clients,
 * total_commands_processed and total_connections_received from it; ioredis reads
 * replication's role; both find what they look for.
 *
 * A section's fields come from the server; the backend may add fields of its own
 * (backend.info(section)), which are appended unless the server already has that name.
 * `INFO` and `INFO default` give every section but cpu; `all` and `everything` add it.
 */
import os from 'node:os';
import type { RoleInfo } from '../../kv/backend.js';
import { command, type CommandContext, type CommandSpec } from '../commandTypes.js';
import { keyword } from '../replies.js';
import type { RespValue } from '../respEncoder.js';
import { redisCompatVersion } from './connection.js';

export const harmonyVersion = '0.1.0';

type Fields = [string, string | number][];

/** Redis's bytesToHuman: 1023B, 1.00K, 953.67M, 2.00G. */
export function bytesToHuman(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes}B` : `${value.toFixed(2)}${units[unit]}`;
}

function serverFields(ctx: CommandContext, nowMs: number): Fields {
  const uptime = Math.floor((nowMs - ctx.server.startedAtMs) / 1000);
  return [
    ['redis_version', redisCompatVersion], ['harmonydb_version', harmonyVersion],
    ['redis_mode', 'standalone'], ['os', `${os.type()} ${os.release()} ${os.arch()}`],
    ['arch_bits', 64], ['multiplexing_api', 'libuv'], ['process_id', process.pid],
    ['run_id', ctx.server.runId], ['tcp_port', ctx.server.port()],
    ['server_time_usec', nowMs * 1000], ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)], ['hz', 10],
    ['executable', process.argv[1] ?? ''], ['config_file', ''],
  ];
}

function clientFields(ctx: CommandContext): Fields {
  let connected = 0;
  let pubsubClients = 0;
  let maxOutput = 0;
  for (const client of ctx.server.clients()) {
    connected++;
    if (client.subscribed) pubsubClients++;
    maxOutput = Math.max(maxOutput, client.outputBytes());
  }
  return [
    ['connected_clients', connected], ['cluster_connections', 0],
    ['maxclients', ctx.server.limits.connectionsMax],
    ['client_recent_max_input_buffer', 0], ['client_recent_max_output_buffer', maxOutput],
    ['blocked_clients', 0], ['tracking_clients', 0], ['clients_in_timeout_table', 0],
    ['pubsub_clients', pubsubClients],
  ];
}

function memoryFields(): Fields {
  const mem = process.memoryUsage();
  const used = mem.heapUsed + mem.external;
  const total = os.totalmem();
  return [
    ['used_memory', used], ['used_memory_human', bytesToHuman(used)],
    ['used_memory_rss', mem.rss], ['used_memory_rss_human', bytesToHuman(mem.rss)],
    ['used_memory_peak', Math.max(used, mem.heapTotal)],
    ['used_memory_peak_human', bytesToHuman(Math.max(used, mem.heapTotal))],
    ['total_system_memory', total], ['total_system_memory_human', bytesToHuman(total)],
    ['maxmemory', 0], ['maxmemory_human', '0B'], ['maxmemory_policy', 'noeviction'],
    ['mem_allocator', 'v8'],
  ];
}

function persistenceFields(ctx: CommandContext): Fields {
  return [
    ['loading', 0], ['async_loading', 0], ['rdb_changes_since_last_save', 0],
    ['rdb_bgsave_in_progress', 0],
    ['rdb_last_save_time', Math.floor(ctx.server.startedAtMs / 1000)],
    ['rdb_last_bgsave_status', 'ok'], ['aof_enabled', 1], ['aof_rewrite_in_progress', 0],
    ['aof_last_write_status', 'ok'],
  ];
}

function statsFields(ctx: CommandContext, nowMs: number): Fields {
  const s = ctx.server.stats;
  const hub = ctx.server.pubsub;
  return [
    ['total_connections_received', s.totalConnectionsReceived],
    ['total_commands_processed', s.totalCommandsProcessed],
    ['instantaneous_ops_per_sec', s.opsPerSecond(nowMs)],
    ['total_net_input_bytes', s.netInputBytes], ['total_net_output_bytes', s.netOutputBytes],
    ['rejected_connections', s.rejectedConnections], ['expired_keys', 0], ['evicted_keys', 0],
    ['keyspace_hits', 0], ['keyspace_misses', 0],
    ['pubsub_channels', hub.channelCount()], ['pubsub_patterns', hub.patternCount()],
    ['total_forks', 0], ['acl_access_denied_auth', ctx.server.auth.failedAttempts],
    ['client_output_buffer_limit_disconnections', s.outputBufferLimitDisconnections],
    ['pubsub_messages_published', hub.stats.publishedMessages],
    ['pubsub_messages_delivered', hub.stats.deliveredMessages],
    ...hub.relayStats(),
  ];
}

function replicationFields(role: RoleInfo): Fields {
  if (role.role === 'leader') {
    const fields: Fields = [
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

function cpuFields(): Fields {
  const cpu = process.cpuUsage();
  return [
    ['used_cpu_sys', (cpu.system / 1e6).toFixed(6)], ['used_cpu_user', (cpu.user / 1e6).toFixed(6)],
  ];
}

/** What role() tells; the node adds its log's fields (backend.info('raft')). */
function raftFields(role: RoleInfo): Fields {
  return [
    ['raft_node_id', role.nodeId], ['raft_role', role.role], ['raft_term', role.term],
    ['raft_leader_id', role.leaderId], ['raft_commit_index', role.commitIndex],
    ['raft_applied_index', role.appliedIndex],
  ];
}

async function keyspaceFields(ctx: CommandContext): Promise<Fields> {
  const keys = Number(await ctx.backend.read({ type: 'count' }, { consistency: 'local' }));
  return keys > 0 ? [['db0', `keys=${keys},expires=0,avg_ttl=0`]] : [];
}

const defaultSections = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication',
  'keyspace', 'raft'];

async function info(ctx: CommandContext, args: Buffer[]): Promise<RespValue> {
  const asked = args.slice(1).map((a) => keyword(a));
  const all = asked.some((w) => w === 'all' || w === 'everything');
  const wanted = new Set(asked.length === 0 || asked.includes('default') ? defaultSections : asked);
  const want = (name: string): boolean => all || wanted.has(name);
  const role = ctx.role();
  const nowMs = Date.now();
  const sections: [string, Fields][] = [];
  if (want('server')) sections.push(['Server', serverFields(ctx, nowMs)]);
  if (want('clients')) sections.push(['Clients', clientFields(ctx)]);
  if (want('memory')) sections.push(['Memory', memoryFields()]);
  if (want('persistence')) sections.push(['Persistence', persistenceFields(ctx)]);
  if (want('stats')) sections.push(['Stats', statsFields(ctx, nowMs)]);
  if (want('replication')) sections.push(['Replication', replicationFields(role)]);
  if (want('cpu')) sections.push(['CPU', cpuFields()]);
  if (want('raft')) sections.push(['Raft', raftFields(role)]);
  if (want('keyspace')) sections.push(['Keyspace', await keyspaceFields(ctx)]);
  let out = '';
  for (const [name, fields] of sections) {
    const seen = new Set(fields.map(([field]) => field));
    const extra = Object.entries(ctx.backend.info(name.toLowerCase()))
      .filter(([f]) => !seen.has(f));
    if (out !== '') out += '\r\n';
    out += `# ${name}\r\n`;
    for (const [field, value] of [...fields, ...extra]) out += `${field}:${value}\r\n`;
  }
  return { verbatim: out, format: 'txt' };
}

export const infoCommands: CommandSpec[] = [
  command({
    name: 'info', arity: -1, kind: 'read', flags: ['loading', 'stale'], group: 'server',
    summary: 'Information about the node: Redis\'s sections plus raft', run: info,
  }),
];

/**
 * The Sentinel subset clients use to find the leader (DESIGN.md "Client interface"): every
 * node acts as a sentinel for the one master named `masterName` (default 'harmonydb'), which
 * is the current Raft leader. ioredis in Sentinel mode asks get-master-addr-by-name, then
 * `sentinels` to learn the other nodes, then checks INFO's role on the node it connects to.
 */
import type { PeerInfo, RoleInfo } from '../../kv/backend.js';
import { command, type CommandContext, type CommandSpec } from '../commandTypes.js';
import { keyword, unknownSubcommand, wrongArity } from '../replies.js';
import { nullArray, type RespValue } from '../respEncoder.js';

const noSuchMaster: RespValue = Object.freeze({ error: 'ERR No such master with that name' });

interface Member {
  id: number;
  host: string;
  port: number;
  connected: boolean;
  matchIndex: number;
}

function members(role: RoleInfo): Member[] {
  const self: Member = {
    id: role.nodeId, host: role.self.host, port: role.self.port, connected: true,
    matchIndex: role.appliedIndex,
  };
  return [self, ...role.peers.map((p: PeerInfo) => ({
    id: p.id, host: p.host, port: p.port, connected: p.connected, matchIndex: p.matchIndex ?? 0,
  }))];
}

function masterInfo(ctx: CommandContext, role: RoleInfo): RespValue {
  const quorum = Math.floor((role.peers.filter((p) => p.voter).length + 1) / 2) + 1;
  const known = role.leaderId !== 0 && role.leader !== undefined;
  return [
    'name', ctx.server.masterName, 'ip', role.leader?.host ?? '',
    'port', String(role.leader?.port ?? 0), 'runid', known ? `node-${role.leaderId}` : '',
    'flags', known ? 'master' : 'master,disconnected',
    'num-slaves', String(role.peers.length), 'num-other-sentinels', String(role.peers.length),
    'quorum', String(quorum),
  ];
}

function sentinel(ctx: CommandContext, args: Buffer[]): RespValue {
  const sub = keyword(args[1]);
  const role = ctx.role();
  const nameMatches = (): boolean => args[2]?.toString('latin1') === ctx.server.masterName;
  switch (sub) {
    case 'get-master-addr-by-name': {
      if (args.length !== 3) return wrongArity('sentinel|get-master-addr-by-name');
      if (!nameMatches() || role.leaderId === 0 || role.leader === undefined) return nullArray;
      return [role.leader.host, String(role.leader.port)];
    }
    case 'sentinels': {
      if (args.length !== 3) return wrongArity('sentinel|sentinels');
      if (!nameMatches()) return noSuchMaster;
      return role.peers.map((p) => [
        'name', `${p.host}:${p.port}`, 'ip', p.host, 'port', String(p.port),
        'runid', `node-${p.id}`,
        'flags', p.connected ? 'sentinel' : 'sentinel,disconnected',
      ]);
    }
    case 'replicas':
    case 'slaves': {
      if (args.length !== 3) return wrongArity(`sentinel|${sub}`);
      if (!nameMatches()) return noSuchMaster;
      return members(role).filter((m) => m.id !== role.leaderId).map((m) => [
        'name', `${m.host}:${m.port}`, 'ip', m.host, 'port', String(m.port),
        'runid', `node-${m.id}`,
        'flags', m.connected ? 'slave' : 'slave,disconnected',
        'master-link-status', m.connected && role.leaderId !== 0 ? 'ok' : 'err',
        'master-host', role.leader?.host ?? '', 'master-port', String(role.leader?.port ?? 0),
        'slave-repl-offset', String(m.matchIndex),
      ]);
    }
    case 'masters': return [masterInfo(ctx, role)];
    case 'master': {
      if (args.length !== 3) return wrongArity('sentinel|master');
      return nameMatches() ? masterInfo(ctx, role) : noSuchMaster;
    }
    case 'myid': return `node-${role.nodeId}`;
    default: return unknownSubcommand(args[1]!, 'SENTINEL');
  }
}

export const sentinelCommands: CommandSpec[] = [
  command({
    name: 'sentinel', arity: -2, kind: 'local', flags: ['admin', 'loading', 'stale'],
    group: 'sentinel', summary: 'Leader discovery: get-master-addr-by-name, sentinels, replicas',
    run: sentinel,
  }),
];

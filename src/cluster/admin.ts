/**
 * What each `HARMONY ...` admin command does, on the main thread. Every command calls the same
 * Cluster method the library API and the UI keys call; this file only parses arguments and
 * words the replies. Replies are Redis-shaped: +OK, a bulk string for STATUS and HELP, and
 * -ERR with what went wrong and what to type instead.
 */
import type { ReplyValue } from '../kv/backend.js';
import type { NodeStatus } from '../node/control.js';
import type { Cluster } from './cluster.js';
import { describeFaults } from './faults.js';
import { healAll } from './actions.js';

export const adminHelp = [
  'HARMONY STATUS                          every node: role, term, indexes, faults',
  'HARMONY KILL <id>                       crash a node (its worker is terminated)',
  'HARMONY RESTART <id>                    start a node again on its data directory',
  'HARMONY FAULT PARTITION <ids> | <ids>   cut the links between two groups, both ways',
  'HARMONY FAULT PARTITION-ONEWAY <ids> | <ids>  drop messages from the first group only',
  'HARMONY FAULT DROP <percent>            drop this share of all messages',
  'HARMONY FAULT DELAY <ms> [<jitter-ms>]  delay every message',
  'HARMONY FAULT SLOWDISK <id> <ms>        add ms to every fsync of a node (0 = normal)',
  'HARMONY FAULT FSYNCFAIL <id> on|off     make a node\'s fsync fail (it fail-stops)',
  'HARMONY HEAL                            clean network, normal disks, nobody paused',
  'HARMONY PAUSE <id> / HARMONY RESUME <id>  stop / resume a node\'s ticks and messages',
  'HARMONY TRANSFER <id>                   move leadership to a node',
  'HARMONY MEMBER ADD [<id>]               start a new node and add it as a learner',
  'HARMONY MEMBER PROMOTE <id>             make a learner a voter',
  'HARMONY MEMBER REMOVE <id>              remove a member (the leader too) and stop it',
  'HARMONY HELP                            this text',
];

export class AdminUsageError extends Error {
  override name = 'AdminUsageError';
}

export interface AdminOutcome {
  reply: ReplyValue;
  /** Runs after the reply is on its way: a node killing or restarting itself. */
  after?: () => Promise<void>;
}

const ok: ReplyValue = { simple: 'OK' };

function nodeId(cluster: Cluster, text: string | undefined, what: string): number {
  if (text === undefined) throw new AdminUsageError(`${what} needs a node id`);
  const id = Number(text);
  if (!/^\d+$/.test(text) || !cluster.ids.includes(id)) {
    throw new AdminUsageError(`no node '${text}'; the cluster has nodes ${cluster.ids.join(', ')}`);
  }
  return id;
}

function number(text: string | undefined, what: string, min: number, max: number): number {
  const value = Number(text);
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text) || value < min || value > max) {
    throw new AdminUsageError(
      `${what} must be a number from ${min} to ${max}, got '${text ?? ''}'`);
  }
  return value;
}

/** `1 | 2 3`, `1|2,3` or `1 2 | 3` (redis-cli passes `|` as its own argument). */
export function parseGroups(cluster: Cluster, args: string[]): [number[], number[]] {
  const sides = args.join(' ').split('|');
  if (sides.length !== 2) throw new AdminUsageError('PARTITION needs two groups: <ids> | <ids>');
  const [a, b] = sides.map((side) => side.split(/[\s,]+/).filter((t) => t !== '')
    .map((t) => nodeId(cluster, t, 'PARTITION')));
  if (a!.length === 0 || b!.length === 0) {
    throw new AdminUsageError('PARTITION needs a node on each side of |');
  }
  if (a!.some((id) => b!.includes(id))) {
    throw new AdminUsageError('PARTITION groups must not share a node');
  }
  return [a!, b!];
}

export function formatAdminStatus(
  statuses: (NodeStatus & { alive: boolean })[], network: string,
): string {
  const lines = statuses.map((s) => {
    if (!s.alive) return `node ${s.id} port ${s.port} DOWN`;
    const faults = [
      s.paused ? 'paused' : '',
      s.diskDelayMs > 0 ? `slowdisk ${s.diskDelayMs}ms` : '',
      s.fsyncFailing ? 'fsyncfail' : '',
    ].filter((f) => f !== '');
    return `node ${s.id} port ${s.port} ${s.role} term ${s.term} leader ${s.leader} ` +
      `commit ${s.commitIndex} applied ${s.appliedIndex} last ${s.lastIndex} ` +
      `wal ${s.walBytes} ops ${s.opsCompleted} p99 ${s.latencyMsP99.toFixed(1)}ms` +
      (faults.length > 0 ? ` [${faults.join(', ')}]` : '');
  });
  lines.push(...formatMembers(statuses));
  lines.push(`network ${network}`);
  return lines.join('\n') + '\n';
}

/** `member <id> <voter|learner> <host:port> match <n>`, as the leader (else any node) sees it. */
function formatMembers(statuses: (NodeStatus & { alive: boolean })[]): string[] {
  const live = statuses.filter((s) => s.alive && s.members !== undefined);
  const seer = live.find((s) => s.role === 'leader') ?? live[0];
  if (seer === undefined) return [];
  return seer.members!.map((m) => `member ${m.id} ${m.role} ${m.address || '?'}` +
    (m.match >= 0 ? ` match ${m.match}` : ''));
}

/** Like nodeId, but members in other processes count too. */
function memberId(cluster: Cluster, text: string | undefined, what: string): number {
  if (text === undefined) throw new AdminUsageError(`${what} needs a node id`);
  const id = Number(text);
  if (!/^\d+$/.test(text) || !cluster.memberIds.includes(id)) {
    throw new AdminUsageError(
      `no member '${text}'; the members are ${cluster.memberIds.join(', ')}`);
  }
  return id;
}

async function member(cluster: Cluster, from: number, args: string[]): Promise<AdminOutcome> {
  const what = (args[0] ?? '').toUpperCase();
  switch (what) {
    case 'ADD': {
      const text = args[1];
      if (text !== undefined && !/^\d+$/.test(text)) {
        throw new AdminUsageError(`MEMBER ADD takes an optional numeric node id, got '${text}'`);
      }
      const id = await cluster.addLearner(text === undefined ? {} : { id: Number(text) });
      return { reply: id };
    }
    case 'PROMOTE':
      await cluster.promote(memberId(cluster, args[1], 'MEMBER PROMOTE'));
      return { reply: ok };
    case 'REMOVE': {
      const id = memberId(cluster, args[1], 'MEMBER REMOVE');
      // Removing the node this client talks to: answer first, then act.
      if (id === from) return { reply: ok, after: () => cluster.removeMember(id) };
      await cluster.removeMember(id);
      return { reply: ok };
    }
    default:
      throw new AdminUsageError(`unknown MEMBER '${args[0] ?? ''}'; one of ADD, PROMOTE, REMOVE`);
  }
}

async function fault(cluster: Cluster, args: string[]): Promise<ReplyValue> {
  const what = (args[0] ?? '').toUpperCase();
  const rest = args.slice(1);
  switch (what) {
    case 'PARTITION':
    case 'PARTITION-ONEWAY': {
      const [a, b] = parseGroups(cluster, rest);
      await cluster.partition(a, b, { oneWay: what === 'PARTITION-ONEWAY' });
      return ok;
    }
    case 'DROP':
      await cluster.setNetwork({ dropRate: number(rest[0], 'DROP percent', 0, 100) / 100 });
      return ok;
    case 'DELAY':
      await cluster.setNetwork({
        delayMs: number(rest[0], 'DELAY ms', 0, 10_000),
        delayJitterMs: rest[1] === undefined ? 0 : number(rest[1], 'DELAY jitter-ms', 0, 10_000),
      });
      return ok;
    case 'SLOWDISK':
      await cluster.setDiskDelay(nodeId(cluster, rest[0], 'SLOWDISK'),
        number(rest[1], 'SLOWDISK ms', 0, 10_000));
      return ok;
    case 'FSYNCFAIL': {
      const id = nodeId(cluster, rest[0], 'FSYNCFAIL');
      const mode = (rest[1] ?? '').toLowerCase();
      if (mode !== 'on' && mode !== 'off') throw new AdminUsageError('FSYNCFAIL needs on or off');
      await cluster.setFsyncFailure(id, mode === 'on');
      return ok;
    }
    default:
      throw new AdminUsageError(`unknown FAULT '${args[0] ?? ''}'; one of PARTITION, ` +
        'PARTITION-ONEWAY, DROP, DELAY, SLOWDISK, FSYNCFAIL');
  }
}

/** Acting on the requesting node itself: reply first, act a moment later. */
function selfAction(from: number, id: number, action: () => Promise<void>): AdminOutcome {
  if (from !== id) return { reply: ok, after: undefined };
  return { reply: ok, after: async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    await action();
  } };
}

async function dispatch(cluster: Cluster, from: number, args: string[]): Promise<AdminOutcome> {
  const name = (args[0] ?? '').toUpperCase();
  const rest = args.slice(1);
  switch (name) {
    case 'STATUS':
      return {
        reply: formatAdminStatus(await cluster.status(), describeFaults(cluster.networkFaults())),
      };
    case 'HELP':
      return { reply: adminHelp.join('\n') + '\n' };
    case 'KILL': {
      const id = nodeId(cluster, rest[0], 'KILL');
      if (!cluster.isAlive(id)) throw new AdminUsageError(`node ${id} is not running`);
      const outcome = selfAction(from, id, () => cluster.kill(id));
      if (outcome.after === undefined) await cluster.kill(id);
      return outcome;
    }
    case 'RESTART': {
      const id = nodeId(cluster, rest[0], 'RESTART');
      const outcome = selfAction(from, id, () => cluster.restart(id));
      if (outcome.after === undefined) await cluster.restart(id);
      return outcome;
    }
    case 'FAULT':
      return { reply: await fault(cluster, rest) };
    case 'MEMBER':
      return member(cluster, from, rest);
    case 'HEAL':
      await healAll(cluster);
      return { reply: ok };
    case 'PAUSE':
    case 'RESUME':
      await cluster.setPaused(nodeId(cluster, rest[0], name), name === 'PAUSE');
      return { reply: ok };
    case 'TRANSFER':
      await cluster.transferLeader(nodeId(cluster, rest[0], 'TRANSFER'));
      return { reply: ok };
    default:
      throw new AdminUsageError(`unknown HARMONY subcommand '${args[0] ?? ''}'; try HARMONY HELP`);
  }
}

/** Runs one admin command; every failure becomes an -ERR reply, never a thrown error. */
export async function runAdminCommand(
  cluster: Cluster, from: number, args: string[],
): Promise<AdminOutcome> {
  try {
    return await dispatch(cluster, from, args);
  } catch (error) {
    return { reply: { error: `ERR ${(error as Error).message}` } };
  }
}

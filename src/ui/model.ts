/**
 * Pure derivations for the UI: per-node rows (rates from two snapshots, lag behind the
 * leader), links between nodes with their fault state and message rates, the fault summary
 * and the sparkline. No Ink here, so every figure on screen is unit-testable.
 */
import type { UiNetwork, UiNodeStatus, UiSnapshot } from './control.js';

export interface NodeRow {
  id: number;
  port: number;
  alive: boolean;
  role: string;
  term: number;
  leader: number;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  /** Entries the leader has that this node has not matched; null when unknown. */
  lag: number | null;
  walBytes: number;
  opsPerSecond: number;
  latencyMsP99: number;
}

export interface LinkRow {
  a: number;
  b: number;
  /** 'ok', 'cut' (both ways), 'a->b cut' / 'b->a cut' (one way), or 'down' (a node is dead). */
  state: string;
  /** Messages per second a->b and b->a as the sender counted them. */
  rateAtoB: number;
  rateBtoA: number;
}

function perSecond(now: number, before: number | undefined, ms: number): number {
  if (before === undefined || ms <= 0 || now < before) return 0;
  return Math.round((now - before) * 1000 / ms);
}

/** The live node that leads the highest term, or undefined. */
export function leaderOf(statuses: UiNodeStatus[]): UiNodeStatus | undefined {
  let best: UiNodeStatus | undefined;
  for (const s of statuses) {
    if (s.alive && s.role === 'leader' && (best === undefined || s.term > best.term)) best = s;
  }
  return best;
}

function shortRole(s: UiNodeStatus): string {
  if (!s.alive) return 'DOWN';
  if (s.paused) return 'paused';
  return s.role === 'pre-candidate' ? 'precand' : s.role;
}

export function nodeRows(current: UiSnapshot, previous: UiSnapshot | null): NodeRow[] {
  const leader = leaderOf(current.statuses);
  const ms = previous === null ? 0 : current.atMs - previous.atMs;
  return current.statuses.map((s) => {
    const before = previous?.statuses.find((p) => p.id === s.id);
    let lag: number | null = null;
    if (s.alive && leader !== undefined) {
      const match = leader.id === s.id ? leader.lastIndex
        : leader.progress.find((p) => p.id === s.id)?.match ?? s.lastIndex;
      lag = Math.max(0, leader.lastIndex - match);
    }
    return {
      id: s.id, port: s.port, alive: s.alive, role: shortRole(s), term: s.term, leader: s.leader,
      commitIndex: s.commitIndex, appliedIndex: s.appliedIndex, lastIndex: s.lastIndex, lag,
      walBytes: s.walBytes,
      opsPerSecond: s.alive && before?.alive
        ? perSecond(s.opsCompleted, before.opsCompleted, ms) : 0,
      latencyMsP99: s.latencyMsP99,
    };
  });
}

function sent(s: UiNodeStatus | undefined, peer: number): number | undefined {
  return s?.alive ? s.links.find((l) => l.peer === peer)?.sentMessages : undefined;
}

export function linkRows(current: UiSnapshot, previous: UiSnapshot | null): LinkRow[] {
  const ids = current.statuses.map((s) => s.id).sort((x, y) => x - y);
  const ms = previous === null ? 0 : current.atMs - previous.atMs;
  const blocked = new Set(current.network.blocked);
  const rows: LinkRow[] = [];
  for (const a of ids) {
    for (const b of ids) {
      if (b <= a) continue;
      const sa = current.statuses.find((s) => s.id === a);
      const sb = current.statuses.find((s) => s.id === b);
      const ab = blocked.has(`${a}->${b}`);
      const ba = blocked.has(`${b}->${a}`);
      const state = !sa?.alive || !sb?.alive ? 'down' : ab && ba ? 'cut'
        : ab ? `${a}->${b} cut` : ba ? `${b}->${a} cut` : 'ok';
      const pa = previous?.statuses.find((s) => s.id === a);
      const pb = previous?.statuses.find((s) => s.id === b);
      const now = [sent(sa, b), sent(sb, a)];
      const then = [sent(pa, b), sent(pb, a)];
      rows.push({
        a, b, state,
        rateAtoB: now[0] === undefined ? 0 : perSecond(now[0], then[0], ms),
        rateBtoA: now[1] === undefined ? 0 : perSecond(now[1], then[1], ms),
      });
    }
  }
  return rows;
}

/** One line: the network faults and each node's disk, pause and fsync faults. */
export function faultSummary(network: UiNetwork, statuses: UiNodeStatus[]): string {
  const parts: string[] = [];
  if (network.blocked.length > 0) parts.push(`${network.blocked.length} links cut`);
  if (network.dropRate > 0) parts.push(`drop ${Math.round(network.dropRate * 100)}%`);
  if (network.delayMs > 0) parts.push(`delay ${network.delayMs}±${network.delayJitterMs} ms`);
  for (const s of statuses) {
    if (!s.alive) continue;
    if (s.diskDelayMs > 0) parts.push(`node ${s.id} slow disk +${s.diskDelayMs} ms`);
    if (s.paused) parts.push(`node ${s.id} paused`);
    if (s.fsyncFailing) parts.push(`node ${s.id} fsync failing`);
  }
  return parts.length === 0 ? 'none' : parts.join(', ');
}

const bars = '▁▂▃▄▅▆▇█';

/** The last `width` samples as block characters scaled to the largest of them. */
export function sparkline(samples: number[], width: number): string {
  const shown = samples.slice(-width);
  const max = Math.max(1, ...shown);
  const top = bars.length - 1;
  return shown.map((v) => bars[Math.min(top, Math.floor((v / max) * top))]).join('');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes}B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)}K`;
  return `${(bytes / 1048576).toFixed(1)}M`;
}

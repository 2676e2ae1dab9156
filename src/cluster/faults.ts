/**
 * The cluster-wide network fault state, kept by the main thread and pushed to each node as
 * LinkFaults. A partition is a set of blocked directed links; HEAL clears everything.
 */
import type { LinkFaults } from '../node/control.js';

export interface NetworkFaults {
  /** Directed links `from->to` whose messages are not delivered. */
  blocked: Set<string>;
  dropRate: number;
  delayMs: number;
  delayJitterMs: number;
  duplicateRate: number;
}

export function cleanNetwork(): NetworkFaults {
  return { blocked: new Set(), dropRate: 0, delayMs: 0, delayJitterMs: 0, duplicateRate: 0 };
}

const link = (from: number, to: number): string => `${from}->${to}`;

/** Blocks every link between the groups, in both directions (or one way: a to b only). */
export function blockBetween(f: NetworkFaults, a: number[], b: number[], oneWay: boolean): void {
  for (const x of a) {
    for (const y of b) {
      if (x === y) continue;
      f.blocked.add(link(x, y));
      if (!oneWay) f.blocked.add(link(y, x));
    }
  }
}

export function linkFaultsFor(f: NetworkFaults, id: number, allIds: number[]): LinkFaults {
  return {
    blockedTo: allIds.filter((peer) => f.blocked.has(link(id, peer))),
    blockedFrom: allIds.filter((peer) => f.blocked.has(link(peer, id))),
    dropRate: f.dropRate,
    delayMs: f.delayMs,
    delayJitterMs: f.delayJitterMs,
    duplicateRate: f.duplicateRate,
  };
}

export function describeFaults(f: NetworkFaults): string {
  const parts: string[] = [];
  if (f.blocked.size > 0) parts.push(`blocked ${[...f.blocked].sort().join(' ')}`);
  if (f.dropRate > 0) parts.push(`drop ${Math.round(f.dropRate * 100)}%`);
  if (f.delayMs > 0) parts.push(`delay ${f.delayMs}±${f.delayJitterMs} ms`);
  if (f.duplicateRate > 0) parts.push(`duplicate ${Math.round(f.duplicateRate * 100)}%`);
  return parts.length === 0 ? 'clean' : parts.join(', ');
}

/**
 * The deterministic simulation, 3-node clusters: 1,200 seeds (1..1200), each a full run of
 * faults (crashes, torn writes, fsync errors, bit flips, partitions, loss, duplication,
 * reordering) against the real Raft core, WAL and DiskStorage, checked for linearizability,
 * the Raft safety properties and liveness after healing (docs/sim.md). sim5.test.ts runs the
 * 5-node seeds. A failure lists each failing seed and the command that replays it.
 */
import { describe, expect, test } from 'vitest';
import { describeFailures, runCampaign } from './campaign.js';

const CHUNK_SEEDS = 100;
const CHUNKS = 12;

describe('simulation, 3 nodes, real WAL', () => {
  for (let chunk = 0; chunk < CHUNKS; chunk++) {
    const from = 1 + chunk * CHUNK_SEEDS;
    test(`seeds ${from}..${from + CHUNK_SEEDS - 1}`, () => {
      const r = runCampaign(from, CHUNK_SEEDS, { nodeCount: 3 });
      expect(describeFailures(r.failures)).toBe('');
    });
  }
});

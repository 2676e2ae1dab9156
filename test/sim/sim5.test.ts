/**
 * The deterministic simulation, 5-node clusters: 800 seeds (100001..100800), the same world
 * and checks as sim.test.ts (a separate file so the two halves run on both cores).
 */
import { describe, expect, test } from 'vitest';
import { describeFailures, runCampaign } from './campaign.js';

const CHUNK_SEEDS = 50;
const CHUNKS = 16;
const FIRST_SEED = 100_001;

describe('simulation, 5 nodes, real WAL', () => {
  for (let chunk = 0; chunk < CHUNKS; chunk++) {
    const from = FIRST_SEED + chunk * CHUNK_SEEDS;
    test(`seeds ${from}..${from + CHUNK_SEEDS - 1}`, () => {
      const r = runCampaign(from, CHUNK_SEEDS, { nodeCount: 5 });
      expect(describeFailures(r.failures)).toBe('');
    });
  }
});

/**
 * Proves the simulation replays: one seed run twice gives the same trace hash and the same
 * statistics (with and without the readable trace), different seeds give different runs, and
 * `npm run sim -- --seed N` (the compiled CLI that failure reports point at) reproduces the
 * in-process run exactly. Also checks that the failure report carries the replay command.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { runSeed } from './world.js';
import { resolveSimOptions } from './options.js';

describe('determinism', () => {
  test.each([
    [7, 3],
    [100_002, 5],
  ] as const)('seed %i with %i nodes replays to the same trace hash', (seed, nodeCount) => {
    const a = runSeed({ seed, nodeCount });
    const b = runSeed({ seed, nodeCount });
    const traced = runSeed({ seed, nodeCount, trace: true });
    expect(a.stats.events).toBeGreaterThan(1000);
    expect(b.traceHash).toBe(a.traceHash);
    expect(b.stats).toEqual(a.stats);
    expect(traced.traceHash).toBe(a.traceHash);
    expect(traced.traceLines.length).toBeGreaterThan(100);
  });

  test('different seeds give different runs', () => {
    const hashes = new Set([1, 2, 3, 4, 5].map((seed) => runSeed({ seed }).traceHash));
    expect(hashes.size).toBe(5);
  });

  test('the replay command names the seed and any non-default option', () => {
    expect(runSeed({ seed: 11 }).replay).toBe('npm run sim -- --seed 11');
    expect(runSeed({ seed: 12, nodeCount: 5 }).replay).toBe('npm run sim -- --seed 12 --nodes 5');
  });

  test('the compiled CLI reproduces the same run (dist/ is built by npm test)', () => {
    const seed = 21;
    const inProcess = runSeed({ seed });
    const out = execFileSync('node', ['dist/test/sim/cli.js', '--seed', String(seed)], {
      encoding: 'utf8',
    });
    expect(out).toContain(`seed ${seed} (3 nodes): ok trace ${inProcess.traceHash}`);
  });

  test('options are validated', () => {
    expect(() => resolveSimOptions({ seed: -1 })).toThrow(/seed must be an integer/);
    expect(() => resolveSimOptions({ seed: 1, nodeCount: 4 as 3 })).toThrow(/nodeCount/);
  });
});

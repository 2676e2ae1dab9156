// Proves the checker finishes realistic large histories within vitest's timeout (no timing
// assertions: figures belong in benchmarks): 10,000 operations over 50 keys from 5 concurrent
// clients with some unknown outcomes, the same on ONE key at concurrency 10, and a 10,000-op
// history with a single planted stale read, which must still be found and pinned to its key.
import { describe, expect, it } from 'vitest';
import { checkLinearizability, describeResult, type Operation } from '../../src/check/index.js';
import { concurrentHistory } from './fixtures.js';

describe('checker on 10k-operation histories', () => {
  it('accepts 10k operations over 50 keys at concurrency 5', () => {
    const ops = concurrentHistory({
      seed: 7, opCount: 10_000, keyCount: 50, clientCount: 5, unknownFraction: 0.02,
    });
    const r = checkLinearizability(ops);
    expect(describeResult(r)).toMatch(/^linearizable \(\d+ operations on 50 keys/);
  });

  it('accepts 10k operations on one key at concurrency 10', () => {
    const ops = concurrentHistory({
      seed: 8, opCount: 10_000, keyCount: 1, clientCount: 10, unknownFraction: 0.02,
    });
    expect(checkLinearizability(ops).result).toBe('ok');
  });

  it('finds one planted bad read among 10k operations', () => {
    const ops = concurrentHistory({
      seed: 9, opCount: 10_000, keyCount: 50, clientCount: 5, unknownFraction: 0.02,
    });
    const victimIndex = ops.findIndex((o, i) =>
      i > 5_000 && o.op.kind === 'get' && o.outcome.kind === 'ok');
    const victim = ops[victimIndex]!;
    const mutated = ops.map((o): Operation => o !== victim ? o : {
      ...o, outcome: { kind: 'ok', result: { kind: 'get', value: 'never-written' } },
    });
    const r = checkLinearizability(mutated);
    expect(r.result).toBe('violation');
    expect(r.violation!.key).toBe(victim.op.key);
    expect(r.violation!.blocking.id).toBe(victim.id);
    for (const k of r.perKey.values()) {
      expect(k.result).toBe(k.key === victim.op.key ? 'violation' : 'ok');
    }
  });
});

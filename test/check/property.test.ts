// Proves, on generated histories, that the checker is sound and complete where we can know the
// answer: (1) histories produced by running operations one after another against a Map, then
// stretched into overlapping real-time intervals that keep that order valid (with failed and
// unknown-outcome operations mixed in), always check 'ok' and the linearization returned is
// valid; (2) changing one read's result to a value never written always yields 'violation';
// (3) on tiny single-key histories with arbitrary results, the verdict equals a brute-force
// enumeration of every order and every subset of unknown writes.
// A failure prints fast-check's seed and path; pass them to fc.assert to replay it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyModelOp,
  checkLinearizability,
  describeResult,
  type ModelOp,
  type ModelResult,
  type Operation,
} from '../../src/check/index.js';
import {
  assertValidLinearization,
  history,
  runSequentially,
  type GeneratedOp,
  type Outcome,
  type Row,
} from './fixtures.js';

const keyArb = fc.constantFrom('a', 'b', 'c');
const valueArb = fc.constantFrom('v0', 'v1', 'v2', 'v3');
const opArb: fc.Arbitrary<ModelOp> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('get' as const), key: keyArb }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('put' as const), key: keyArb, value: valueArb }),
    weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('del' as const), key: keyArb }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('cas' as const), key: keyArb,
    expected: fc.option(valueArb, { nil: null }), value: valueArb }), weight: 2 },
);
const fateArb = fc.constantFrom<GeneratedOp['fate']>(
  'ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'unknownApplied', 'unknownNotApplied', 'failed',
);
const planArb = fc.array(
  fc.record({
    op: opArb,
    fate: fateArb,
    jitterBefore: fc.integer({ min: 0, max: 40 }),
    jitterAfter: fc.integer({ min: 0, max: 40 }),
  }),
  { minLength: 1, maxLength: 60 },
);

describe('checker on generated histories', () => {
  it('accepts every history that was run sequentially, and its linearization is valid', () => {
    fc.assert(
      fc.property(planArb, (plan) => {
        const ops = runSequentially(plan);
        const r = checkLinearizability(ops);
        if (r.result !== 'ok') throw new Error(describeResult(r));
        for (const [key, k] of r.perKey) assertValidLinearization(ops, key, k.linearization!);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects the history once one answered read returns a value never written', () => {
    const withRead = planArb.filter((plan) =>
      plan.some((p) => p.op.kind === 'get' && p.fate === 'ok'));
    fc.assert(
      fc.property(withRead, fc.nat(), (plan, pick) => {
        const ops = runSequentially(plan);
        const reads = ops.filter((o) => o.op.kind === 'get' && o.outcome.kind === 'ok');
        const victim = reads[pick % reads.length]!;
        const mutated = ops.map((o): Operation => o !== victim ? o : {
          ...o, outcome: { kind: 'ok', result: { kind: 'get', value: 'never-written' } },
        });
        const r = checkLinearizability(mutated);
        expect(r.result).toBe('violation');
        expect(r.violation!.key).toBe(victim.op.key);
        expect(describeResult(r)).toContain(`#${victim.id} `);
      }),
      { numRuns: 300 },
    );
  });
});

/** Every ModelResult the tiny histories may claim, per op kind. */
function resultArb(op: ModelOp): fc.Arbitrary<ModelResult> {
  switch (op.kind) {
    case 'get':
      return fc.record({ kind: fc.constant('get' as const),
        value: fc.option(fc.constantFrom('v0', 'v1'), { nil: null }) });
    case 'put':
      return fc.constant({ kind: 'put' as const });
    case 'del':
      return fc.record({ kind: fc.constant('del' as const), existed: fc.boolean() });
    case 'cas':
      return fc.record({ kind: fc.constant('cas' as const), swapped: fc.boolean() });
  }
}

const tinyOpArb: fc.Arbitrary<ModelOp> = fc.oneof(
  fc.constant<ModelOp>({ kind: 'get', key: 'k' }),
  fc.constantFrom<ModelOp>(
    { kind: 'put', key: 'k', value: 'v0' },
    { kind: 'put', key: 'k', value: 'v1' },
  ),
  fc.constant<ModelOp>({ kind: 'del', key: 'k' }),
  fc.constantFrom<ModelOp>(
    { kind: 'cas', key: 'k', expected: null, value: 'v0' },
    { kind: 'cas', key: 'k', expected: 'v0', value: 'v1' },
  ),
);
const tinyRowArb: fc.Arbitrary<Row> = tinyOpArb.chain((op) =>
  fc.tuple(
    fc.constant(0),
    fc.constant(op),
    fc.integer({ min: 0, max: 10 }),
    fc.integer({ min: 0, max: 6 }),
    fc.oneof(
      { arbitrary: resultArb(op) as fc.Arbitrary<Outcome>, weight: 5 },
      { arbitrary: fc.constantFrom<Outcome>('failed', 'unknown'), weight: 1 },
    ),
  ).map(([c, o, start, length, out]): Row => [c, o, start, start + length, out]));

/** True iff some order of all answered ops plus some subset of unknown writes fits. */
function bruteForce(ops: Operation[]): boolean {
  const must = ops.filter((o) => o.outcome.kind === 'ok');
  const optional = ops.filter((o) => o.outcome.kind === 'unknown' && o.op.kind !== 'get');
  for (let mask = 0; mask < 1 << optional.length; mask++) {
    const chosen = [...must, ...optional.filter((_, i) => (mask >> i) & 1)];
    if (somePermutationFits(chosen)) return true;
  }
  return false;
}

function somePermutationFits(chosen: Operation[]): boolean {
  const used = new Array<boolean>(chosen.length).fill(false);
  const order: Operation[] = [];
  const fits = (): boolean => {
    if (order.length === chosen.length) return replays(order);
    for (let i = 0; i < chosen.length; i++) {
      if (used[i]) continue;
      used[i] = true;
      order.push(chosen[i]!);
      const ok = fits();
      order.pop();
      used[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return fits();
}

function replays(order: Operation[]): boolean {
  let state: string | null = null;
  for (let i = 0; i < order.length; i++) {
    const o = order[i]!;
    for (let j = i + 1; j < order.length; j++) {
      const later = order[j]!;
      // `later` may not precede-complete `o`'s invocation (ties are concurrent).
      if (later.outcome.kind === 'ok' && later.completeTime! < o.invokeTime) return false;
    }
    const { result, next } = applyModelOp(state, o.op);
    if (o.outcome.kind === 'ok' && JSON.stringify(result) !== JSON.stringify(o.outcome.result)) {
      return false;
    }
    state = next;
  }
  return true;
}

describe('checker against brute force on tiny histories', () => {
  it('agrees with exhaustive enumeration', () => {
    let violations = 0;
    fc.assert(
      fc.property(fc.array(tinyRowArb, { minLength: 1, maxLength: 6 }), (rows) => {
        const ops = history(rows);
        const expected = bruteForce(ops) ? 'ok' : 'violation';
        const r = checkLinearizability(ops);
        expect(r.result).toBe(expected);
        if (expected === 'violation') violations++;
        else assertValidLinearization(ops, 'k', r.perKey.get('k')!.linearization!);
      }),
      { numRuns: 1500 },
    );
    // Both verdicts must be exercised, or this test proves little.
    expect(violations).toBeGreaterThan(100);
    expect(violations).toBeLessThan(1400);
  });
});

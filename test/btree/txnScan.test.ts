// Proves ordered reads inside a write transaction: scan and keys (start inclusive, end
// exclusive, reverse, limit), first/last, firstAtOrAfter/lastBefore and the range probe
// firstKeyIn agree with a sorted-Map model at every point of a transaction that interleaves
// them with puts, replaces and deletes (short keys and long keys sharing prefixes), so they see
// the transaction's own uncommitted writes; after commit a read view agrees too. Also proves the
// iterator rule: an iterator used after a put, delete or clear in its transaction, or after the
// transaction ended, fails an assertion; a refused put does not count as a write.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/codec/assert.js';
import { BTree, KeyTooLargeError, type WriteTxn } from '../../src/btree/index.js';
import {
  expectedRange,
  expectRange,
  expectViewMatches,
  hex,
  longKeyArb,
  longValueArb,
  type Model,
  sortedModel,
  unhex,
} from './modelKit.js';

const keyArb = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 4, max: 5 }) },
  { weight: 2, arbitrary: longKeyArb },
);
const rangeArb = fc.record({
  start: fc.option(keyArb, { nil: undefined }),
  end: fc.option(keyArb, { nil: undefined }),
  limit: fc.option(fc.nat(12), { nil: undefined }),
  reverse: fc.boolean(),
});
const stepArb = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({ kind: fc.constant('put' as const), key: keyArb, value: longValueArb }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: keyArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('deleteNth' as const), n: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('scan' as const), range: rangeArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('seek' as const), key: keyArb }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('probe' as const), a: keyArb, b: keyArb }),
  },
);
const batchArb = fc.array(stepArb, { maxLength: 80, size: 'large' });
type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never;

function firstFrom(model: Model, key: Uint8Array): [string, string] | undefined {
  return sortedModel(model).find(([k]) => Buffer.compare(unhex(k), key) >= 0);
}

function lastBelow(model: Model, key: Uint8Array): [string, string] | undefined {
  return sortedModel(model)
    .reverse()
    .find(([k]) => Buffer.compare(unhex(k), key) < 0);
}

function apply(txn: WriteTxn, local: Model, step: Step): void {
  switch (step.kind) {
    case 'put':
      txn.put(step.key, step.value);
      local.set(hex(step.key), hex(step.value));
      return;
    case 'delete':
      expect(txn.delete(step.key)).toBe(local.delete(hex(step.key)));
      return;
    case 'deleteNth': {
      if (local.size === 0) return;
      const keys = [...local.keys()];
      const key = keys[step.n % keys.length]!;
      expect(txn.delete(unhex(key))).toBe(true);
      local.delete(key);
      return;
    }
    case 'scan':
      expectRange(txn, local, step.range);
      return;
    case 'seek':
      expect(txn.firstAtOrAfter(step.key)?.map(hex)).toEqual(firstFrom(local, step.key));
      expect(txn.lastBefore(step.key)?.map(hex)).toEqual(lastBelow(local, step.key));
      return;
    case 'probe': {
      const expected = expectedRange(local, { start: step.a, end: step.b, limit: 1 })[0];
      expect(txn.firstKeyIn(step.a, step.b)).toEqual(
        expected === undefined ? undefined : unhex(expected[0]),
      );
      return;
    }
  }
}

describe('ordered reads inside a write transaction', () => {
  it('see the transaction’s own writes and agree with the model at every step', () => {
    fc.assert(
      fc.property(
        fc.array(batchArb, { minLength: 1, maxLength: 5 }),
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        (batches, aborts) => {
          const tree = BTree.create({ maxPages: 2 ** 18 });
          const model: Model = new Map();
          batches.forEach((steps, b) => {
            const txn = tree.write();
            const local = new Map(model);
            for (const step of steps) apply(txn, local, step);
            expectViewMatches(txn, local);
            if (aborts[b]) txn.abort();
            else {
              txn.commit();
              model.clear();
              for (const [k, v] of local) model.set(k, v);
            }
            tree.checkInvariants();
            const view = tree.read();
            try {
              expectViewMatches(view, model);
            } finally {
              view.close();
            }
          });
        },
      ),
      { numRuns: 30, endOnFailure: true },
    );
  }, 300_000);
});

describe('iterators and writes', () => {
  function filled(): BTree {
    const tree = BTree.create();
    const txn = tree.write();
    for (let i = 0; i < 300; i++) {
      txn.put(new Uint8Array([1, i >> 8, i & 255]), new Uint8Array([i]));
    }
    txn.commit();
    return tree;
  }

  it.each(['put', 'delete', 'clear'] as const)('an iterator used after a %s fails', (write) => {
    const txn = filled().write();
    const scan = txn.scan();
    const keys = txn.keys({ reverse: true });
    expect(scan.next().value![0]).toEqual(new Uint8Array([1, 0, 0]));
    expect(keys.next().value).toEqual(new Uint8Array([1, 1, 43]));
    if (write === 'put') txn.put(new Uint8Array([0]), new Uint8Array([0]));
    else if (write === 'delete') txn.delete(new Uint8Array([2])); // even a no-op delete
    else txn.clear();
    expect(() => scan.next()).toThrow(AssertionError);
    expect(() => scan.next()).toThrow(/after a put, delete or clear/);
    expect(() => keys.next()).toThrow(AssertionError);
    // A new iterator sees the write.
    const first = txn.first();
    if (write === 'put') expect(first![0]).toEqual(new Uint8Array([0]));
    else if (write === 'delete') expect(first![0]).toEqual(new Uint8Array([1, 0, 0]));
    else expect(first).toBeUndefined();
    txn.abort();
  });

  it('an iterator used after its transaction ended fails', () => {
    const tree = filled();
    const txn = tree.write();
    const scan = txn.scan({ start: new Uint8Array([1, 0, 5]) });
    scan.next();
    txn.commit();
    expect(() => scan.next()).toThrow(/after its transaction ended/);
    expect(() => txn.scan()).toThrow(AssertionError);
  });

  it('a refused put is not a write: iterators stay usable', () => {
    const tree = BTree.create({ keyBytesMax: 10 });
    const txn = tree.write();
    txn.put(new Uint8Array([1]), new Uint8Array([1]));
    txn.put(new Uint8Array([2]), new Uint8Array([2]));
    const scan = txn.scan();
    expect(scan.next().value![0]).toEqual(new Uint8Array([1]));
    expect(() => txn.put(new Uint8Array(11), new Uint8Array(0))).toThrow(KeyTooLargeError);
    expect(scan.next().value![0]).toEqual(new Uint8Array([2]));
    expect(scan.next().done).toBe(true);
    txn.commit();
  });

  it('collect-then-delete removes a range (the kv layer deleting a hash’s fields)', () => {
    const tree = filled();
    const txn = tree.write();
    const from = new Uint8Array([1, 0, 100]);
    const to = new Uint8Array([1, 0, 200]);
    expect(txn.firstKeyIn(from, to)).toEqual(from);
    const doomed = [...txn.keys({ start: from, end: to })];
    expect(doomed.length).toBe(100);
    for (const key of doomed) expect(txn.delete(key)).toBe(true);
    expect(txn.firstKeyIn(from, to)).toBeUndefined();
    expect(txn.lastBefore(to)![0]).toEqual(new Uint8Array([1, 0, 99]));
    expect(txn.firstAtOrAfter(from)![0]).toEqual(to);
    txn.commit();
    tree.checkInvariants();
    expect(tree.stats().keyCount).toBe(200);
  });
});

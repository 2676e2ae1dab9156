// Proves the B+ tree behaves like a sorted Map: random batches of puts, deletes and clears are
// applied to both, every commit is followed by checkInvariants (key order, fill, parent/child
// ranges, no page reachable twice, free list disjoint, overflow chains), and gets, counts,
// first/last and range scans (forward, reverse, bounded, limited) agree with the model. Edge
// cases: empty tree, one key, max-size keys, overflow values, deleting everything, aborts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BTree,
  KeyTooLargeError,
  TreeFullError,
  ValueTooLargeError,
  type ReadView,
} from '../../src/btree/index.js';
import { seededRandom as prng } from '../../src/raft/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const compare = (x: string, y: string): number => Buffer.compare(unhex(x), unhex(y));

type Model = Map<string, string>;

function sortedModel(model: Model): Array<[string, string]> {
  return [...model.entries()].sort((x, y) => compare(x[0], y[0]));
}

function expectViewMatches(view: ReadView, model: Model): void {
  const expected = sortedModel(model);
  const got = [...view.scan()].map(([k, v]) => [hex(k), hex(v)]);
  expect(got).toEqual(expected);
  expect(view.count()).toBe(model.size);
  const reversed = [...view.scan({ reverse: true })].map(([k]) => hex(k));
  expect(reversed).toEqual(expected.map(([k]) => k).reverse());
  expect(view.first()?.map(hex)).toEqual(expected[0]);
  expect(view.last()?.map(hex)).toEqual(expected[expected.length - 1]);
}

function expectRange(
  view: ReadView,
  model: Model,
  range: { start?: Uint8Array; end?: Uint8Array; limit?: number; reverse?: boolean },
): void {
  let expected = sortedModel(model).filter(
    ([k]) =>
      (range.start === undefined || compare(k, hex(range.start)) >= 0) &&
      (range.end === undefined || compare(k, hex(range.end)) < 0),
  );
  if (range.reverse) expected = expected.reverse();
  if (range.limit !== undefined) expected = expected.slice(0, range.limit);
  const got = [...view.scan(range)].map(([k, v]) => [hex(k), hex(v)]);
  expect(got).toEqual(expected);
}

// Small alphabets make collisions (updates, deletes of present keys) frequent.
const keyArb = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 6, max: 7 }) },
  { weight: 3, arbitrary: fc.uint8Array({ minLength: 100, maxLength: 512, max: 1 }) },
);
const valueArb = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 120 }) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 900, maxLength: 9000 }) },
);
const opArb = fc.oneof(
  {
    weight: 200,
    arbitrary: fc.record({ kind: fc.constant('put' as const), key: keyArb, value: valueArb }),
  },
  { weight: 120, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: keyArb }) },
  { weight: 40, arbitrary: fc.record({ kind: fc.constant('get' as const), key: keyArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
);
const batchArb = fc.record({
  ops: fc.array(opArb, { maxLength: 400, size: 'large' }),
  abort: fc.nat(9).map((n) => n === 0), // one batch in ten is aborted
  range: fc.record({
    start: fc.option(keyArb, { nil: undefined }),
    end: fc.option(keyArb, { nil: undefined }),
    limit: fc.option(fc.nat(40), { nil: undefined }),
    reverse: fc.boolean(),
  }),
});

describe('B+ tree against a sorted Map model', () => {
  it('agrees on random batches, with invariants after every commit', () => {
    let heightMax = 0;
    fc.assert(
      fc.property(
        fc.array(batchArb, { minLength: 1, maxLength: 12, size: 'medium' }), (batches) => {
        const tree = BTree.create({ maxPages: 65536 });
        const model: Model = new Map();
        let applied = 0;
        for (const batch of batches) {
          const txn = tree.write();
          const local = new Map(model);
          for (const op of batch.ops) {
            if (op.kind === 'put') {
              txn.put(op.key, op.value);
              local.set(hex(op.key), hex(op.value));
            } else if (op.kind === 'delete') {
              expect(txn.delete(op.key)).toBe(local.delete(hex(op.key)));
            } else if (op.kind === 'get') {
              const got = txn.get(op.key);
              expect(got === undefined ? undefined : hex(got)).toBe(local.get(hex(op.key)));
            } else {
              txn.clear();
              local.clear();
            }
            expect(txn.count()).toBe(local.size);
          }
          if (batch.abort) {
            txn.abort();
          } else {
            txn.setAppliedIndex(++applied);
            txn.commit();
            model.clear();
            for (const [k, v] of local) model.set(k, v);
          }
          tree.checkInvariants();
          heightMax = Math.max(heightMax, tree.stats().height);
          const view = tree.read();
          try {
            view.checkInvariants();
            expect(view.appliedIndex).toBe(applied);
            expectViewMatches(view, model);
            expectRange(view, model, batch.range);
          } finally {
            view.close();
          }
        }
      }),
      { numRuns: 40 },
    );
    // The runs must reach trees with a branch level (deeper trees: the 'deep trees' test).
    expect(heightMax).toBeGreaterThanOrEqual(2);
  });
});


describe('deep trees', () => {
  it.each([1, 2])('grows to height >= 4 and shrinks back to empty (seed %i)', (seed) => {
    const random = prng(seed);
    const tree = BTree.create({ maxPages: 65536 });
    const model: Model = new Map();
    const keys: Uint8Array[] = [];
    for (let i = 0; i < 12_000; i++) {
      const key = new Uint8Array(150 + Math.floor(random() * 250));
      for (let j = 0; j < key.length; j++) key[j] = Math.floor(random() * 4);
      keys.push(key);
    }
    let heightMax = 0;
    for (let batch = 0; batch < 24; batch++) {
      const txn = tree.write();
      for (let i = batch * 500; i < (batch + 1) * 500; i++) {
        const value = new Uint8Array(Math.floor(random() * 200)).fill(i & 255);
        txn.put(keys[i]!, value);
        model.set(hex(keys[i]!), hex(value));
      }
      txn.commit();
      if (batch % 6 === 5) tree.checkInvariants();
      heightMax = Math.max(heightMax, tree.stats().height);
    }
    expect(heightMax).toBeGreaterThanOrEqual(4);
    const order = keys.map((_, i) => i).sort(() => random() - 0.5);
    for (let batch = 0; batch < 24; batch++) {
      const txn = tree.write();
      for (const i of order.slice(batch * 500, (batch + 1) * 500)) {
        txn.delete(keys[i]!);
        model.delete(hex(keys[i]!));
      }
      txn.commit();
      if (batch % 6 === 5 || batch > 20) {
        tree.checkInvariants();
        const view = tree.read();
        expectViewMatches(view, model);
        view.close();
      }
    }
    expect(tree.stats().keyCount).toBe(0);
    expect(tree.stats().height).toBe(0);
  });
});

describe('edge cases', () => {
  it('an empty tree reads as empty', () => {
    const tree = BTree.create();
    const view = tree.read();
    expect(view.count()).toBe(0);
    expect(view.get(new Uint8Array([1]))).toBeUndefined();
    expect(view.first()).toBeUndefined();
    expect(view.last()).toBeUndefined();
    expect([...view.scan()]).toEqual([]);
    expect([...view.scan({ reverse: true })]).toEqual([]);
    view.close();
    tree.checkInvariants();
  });

  it('holds one key, including the empty key', () => {
    const tree = BTree.create();
    const txn = tree.write();
    txn.put(new Uint8Array(0), new Uint8Array([9]));
    txn.commit();
    const view = tree.read();
    expect(view.get(new Uint8Array(0))).toEqual(new Uint8Array([9]));
    expect([...view.scan()]).toEqual([[new Uint8Array(0), new Uint8Array([9])]]);
    view.close();
    tree.checkInvariants();
  });

  it('accepts keys of exactly keyBytesMax and rejects longer ones with the limit', () => {
    const tree = BTree.create({ keyBytesMax: 512 });
    const txn = tree.write();
    for (let i = 0; i < 200; i++) txn.put(new Uint8Array(512).fill(i), new Uint8Array([i]));
    expect(() => txn.put(new Uint8Array(513), new Uint8Array(1))).toThrow(KeyTooLargeError);
    expect(() => txn.put(new Uint8Array(513), new Uint8Array(1))).toThrow(
      'key of 513 bytes exceeds the limit of 512 bytes; use a shorter key',
    );
    txn.abort();
    const again = tree.write();
    for (let i = 0; i < 200; i++) again.put(new Uint8Array(512).fill(i), new Uint8Array([i]));
    again.commit();
    tree.checkInvariants();
    expect(tree.stats().keyCount).toBe(200);
  });

  it('stores values needing overflow pages and frees them on delete', () => {
    const tree = BTree.create();
    const big = new Uint8Array(100_000).map((_, i) => i * 7);
    let txn = tree.write();
    txn.put(new Uint8Array([1]), big);
    txn.put(new Uint8Array([2]), big.subarray(0, 4081));
    txn.commit();
    tree.checkInvariants();
    const view = tree.read();
    expect(view.get(new Uint8Array([1]))).toEqual(big);
    expect(view.get(new Uint8Array([2]))).toEqual(big.subarray(0, 4081));
    view.close();
    const inUse = tree.stats().pagesInUse;
    txn = tree.write();
    txn.delete(new Uint8Array([1]));
    txn.put(new Uint8Array([2]), new Uint8Array([5]));
    txn.commit();
    tree.write().commit(); // a later transaction reclaims the pending pages
    tree.checkInvariants();
    expect(tree.stats().pagesInUse).toBeLessThan(inUse - 25);
  });

  it('deleting everything returns the tree to empty and its pages to the free list', () => {
    const tree = BTree.create();
    const key = (i: number): Uint8Array => new TextEncoder().encode(`key:${i * 7919 % 5000}`);
    let txn = tree.write();
    for (let i = 0; i < 5000; i++) txn.put(key(i), new Uint8Array(50).fill(i));
    txn.commit();
    tree.checkInvariants();
    txn = tree.write();
    for (let i = 0; i < 5000; i++) expect(txn.delete(key(i))).toBe(true);
    expect(txn.count()).toBe(0);
    txn.commit();
    tree.checkInvariants();
    tree.write().commit();
    const stats = tree.stats();
    expect(stats.keyCount).toBe(0);
    expect(stats.pagesInUse).toBe(2); // header + meta page
  });

  it('clear() empties the tree inside the transaction (FLUSHALL)', () => {
    const tree = BTree.create();
    let txn = tree.write();
    for (let i = 0; i < 1000; i++) txn.put(new Uint8Array([i >> 8, i & 255]), new Uint8Array(10));
    txn.commit();
    txn = tree.write();
    txn.clear();
    expect(txn.count()).toBe(0);
    expect(txn.get(new Uint8Array([0, 1]))).toBeUndefined();
    txn.put(new Uint8Array([7]), new Uint8Array([7]));
    txn.commit();
    tree.checkInvariants();
    const view = tree.read();
    expect([...view.scan()].length).toBe(1);
    view.close();
  });

  it('a read view keeps its version while the writer commits', () => {
    const tree = BTree.create();
    let txn = tree.write();
    txn.put(new Uint8Array([1]), new Uint8Array([1]));
    txn.commit();
    const old = tree.read();
    txn = tree.write();
    txn.put(new Uint8Array([1]), new Uint8Array([2]));
    txn.put(new Uint8Array([2]), new Uint8Array([2]));
    txn.commit();
    expect(old.get(new Uint8Array([1]))).toEqual(new Uint8Array([1]));
    expect(old.count()).toBe(1);
    expect(tree.stats().oldestReaderVersion).toBe(old.version);
    old.checkInvariants();
    old.close();
    expect(tree.stats().oldestReaderVersion).toBeNull();
  });

  it('rejects values above 512 MiB and stops at maxPages with TreeFullError', () => {
    const tree = BTree.create({ maxPages: 64 });
    const txn = tree.write();
    const huge = { length: 512 * 1024 * 1024 + 1 } as Uint8Array;
    expect(() => txn.put(new Uint8Array([1]), huge)).toThrow(ValueTooLargeError);
    expect(() => txn.put(new Uint8Array([1]), new Uint8Array(4096 * 70))).toThrow(TreeFullError);
    expect(() => txn.commit()).toThrow('abort it');
    txn.abort();
    tree.checkInvariants();
    const ok = tree.write();
    ok.put(new Uint8Array([1]), new Uint8Array(4096 * 10));
    ok.commit();
    tree.checkInvariants();
  });
});

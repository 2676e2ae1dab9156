// Proves the B+ tree behaves like a sorted Map: random batches of puts, deletes and clears are
// applied to both, every commit is followed by checkInvariants (key order, fill, parent/child
// ranges, no page reachable twice, free list disjoint, overflow chains), and gets, counts,
// first/last and range scans (forward, reverse, bounded, limited) agree with the model (aborted
// batches leave no trace). A second property does the same with long keys — 0 to 600 bytes,
// around the 512-byte inline threshold and up to 192 KiB, sharing long prefixes — checking
// invariants after every operation, read views held open across later writes, and a snapshot
// round trip. Structural edge cases live in edges.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BTree,
  decodeSnapshot,
  encodeSnapshot,
  type ReadView,
  type WriteTxn,
} from '../../src/btree/index.js';
import {
  expectRange,
  expectViewMatches,
  hex,
  longKeyArb,
  longValueArb,
  type Model,
  unhex,
} from './modelKit.js';

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

const longOpArb = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      key: longKeyArb,
      value: longValueArb,
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('delete' as const), key: longKeyArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('get' as const), key: longKeyArb }) },
  // Deletes and replaces of keys that exist (picked by index), so pages really merge.
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('deleteNth' as const), n: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('replaceNth' as const),
      n: fc.nat(),
      value: longValueArb,
    }),
  },
);
const longBatchArb = fc.record({
  clear: fc.nat(11).map((n) => n === 0), // FLUSHALL first, now and then
  ops: fc.array(longOpArb, { maxLength: 120, size: 'large' }),
  abort: fc.nat(7).map((n) => n === 0),
  openView: fc.boolean(),
  closeViews: fc.nat(2),
  range: fc.record({
    start: fc.option(longKeyArb, { nil: undefined }),
    end: fc.option(longKeyArb, { nil: undefined }),
    limit: fc.option(fc.nat(10), { nil: undefined }),
    reverse: fc.boolean(),
  }),
});

describe('long keys against the model', () => {
  it('agree through puts, replaces, deletes, open views and a snapshot round trip', () => {
    let heightMax = 0;
    let longKeysMax = 0;
    fc.assert(
      fc.property(fc.array(longBatchArb, { minLength: 1, maxLength: 10 }), (batches) => {
        const tree = BTree.create({ maxPages: 2 ** 18 });
        const model: Model = new Map();
        const views: Array<{ view: ReadView; model: Model }> = [];
        try {
          for (const batch of batches) {
            if (batch.openView) views.push({ view: tree.read(), model: new Map(model) });
            for (let i = 0; i < batch.closeViews && views.length > 0; i++) {
              views.shift()!.view.close();
            }
            const txn = tree.write();
            const local = new Map(model);
            const ops: Op[] = batch.clear ? [{ kind: 'clear' }, ...batch.ops] : batch.ops;
            for (const op of ops) {
              applyOp(txn, local, op);
              txn.checkInvariants();
            }
            if (batch.abort) txn.abort();
            else {
              txn.commit();
              model.clear();
              for (const [k, v] of local) model.set(k, v);
            }
            tree.checkInvariants();
            heightMax = Math.max(heightMax, tree.stats().height);
            const long = [...model.keys()].filter((k) => k.length > 2 * 512).length;
            longKeysMax = Math.max(longKeysMax, long);
            // Views opened before these writes still read their own version.
            for (const open of views) {
              open.view.checkInvariants();
              expectViewMatches(open.view, open.model);
            }
            const view = tree.read();
            try {
              expectViewMatches(view, model);
              expectRange(view, model, batch.range);
            } finally {
              view.close();
            }
          }
          expectSnapshotRoundTrip(tree, model);
        } finally {
          for (const open of views) open.view.close();
        }
      }),
      // No shrinking: it would re-run the per-op invariant checks thousands of times. Replay a
      // failure with the seed and path fast-check reports.
      { numRuns: 20, endOnFailure: true },
    );
    // Some runs hold many keys longer than the inline threshold, in trees with branch levels.
    expect(heightMax).toBeGreaterThanOrEqual(3);
    expect(longKeysMax).toBeGreaterThanOrEqual(20);
  }, 300_000); // ~15 s of CPU; generous because the machine is shared
});

type Op =
  | { kind: 'put'; key: Uint8Array; value: Uint8Array }
  | { kind: 'delete' | 'get'; key: Uint8Array }
  | { kind: 'deleteNth'; n: number }
  | { kind: 'replaceNth'; n: number; value: Uint8Array }
  | { kind: 'clear' };

/** Resolve the ops that name an existing key by index into plain puts and deletes. */
function resolve(local: Model, op: Op): Op {
  if (op.kind !== 'deleteNth' && op.kind !== 'replaceNth') return op;
  if (local.size === 0) return { kind: 'clear' };
  const keys = [...local.keys()];
  const key = unhex(keys[op.n % keys.length]!);
  return op.kind === 'deleteNth' ? { kind: 'delete', key } : { kind: 'put', key, value: op.value };
}

function applyOp(txn: WriteTxn, local: Model, original: Op): void {
  const op = resolve(local, original);
  if (op.kind === 'put') {
    txn.put(op.key, op.value);
    local.set(hex(op.key), hex(op.value));
  } else if (op.kind === 'delete') {
    expect(txn.delete(op.key)).toBe(local.delete(hex(op.key)));
  } else if (op.kind === 'get') {
    const got = txn.get(op.key);
    expect(got === undefined ? undefined : hex(got)).toBe(local.get(hex(op.key)));
  } else if (op.kind === 'clear') {
    txn.clear();
    local.clear();
  }
  expect(txn.count()).toBe(local.size);
}

function expectSnapshotRoundTrip(tree: BTree, model: Model): void {
  const view = tree.read();
  let chunks: Uint8Array[];
  try {
    chunks = [...encodeSnapshot(view)].map((chunk) => chunk.slice());
  } finally {
    view.close();
  }
  const copy = BTree.create({ maxPages: 2 ** 18 });
  decodeSnapshot(chunks, copy);
  copy.checkInvariants();
  const restored = copy.read();
  try {
    restored.checkInvariants();
    expectViewMatches(restored, model);
  } finally {
    restored.close();
  }
}

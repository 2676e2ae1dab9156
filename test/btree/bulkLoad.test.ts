// Proves the bulk loader (WriteTxn.loadSorted, used by decodeSnapshot) builds a valid tree from
// sorted entries: for random sizes (0 to 4,000 entries) and key shapes (short, long with a
// shared 600-byte prefix so keys and separators overflow, mixed lengths around the inline
// threshold, 30 KiB keys) and values (inline and overflow), the loaded tree passes
// checkInvariants (incl. page accounting), reads back exactly the model, stays valid under later
// puts and deletes, and equals what the key-by-key insert path decodes from the same snapshot.
// Also proves misuse is refused: loading into a non-empty tree, keys out of order, other use of
// the transaction mid-load, over-limit keys (before anything changes); and that an aborted load
// frees every page it took.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BTree,
  decodeSnapshot,
  encodeSnapshot,
  KeyTooLargeError,
} from '../../src/btree/index.js';
import { AssertionError } from '../../src/codec/assert.js';
import { seededRandom as prng } from '../../src/raft/index.js';
import { expectViewMatches, hex, type Model, unhex } from './modelKit.js';

type Shape = 'short' | 'shared600' | 'mixed' | 'huge';

/** Sorted, distinct entries of a shape, from a seed. */
function entries(n: number, shape: Shape, seed: number, bigValues: number): Model {
  const random = prng(seed);
  const byte = (max: number): number => Math.floor(random() * max);
  const stem = new Uint8Array(shape === 'huge' ? 30_000 : 600).map(() => byte(4));
  const model: Model = new Map();
  const count = shape === 'huge' ? Math.min(n, 60) : n;
  for (let i = 0; i < count; i++) {
    let key: Uint8Array;
    if (shape === 'short') key = new TextEncoder().encode(`k${byte(1e6)}`);
    else if (shape === 'mixed') key = new Uint8Array(byte(700)).map(() => byte(4));
    else {
      key = new Uint8Array(stem.length + 4);
      key.set(stem);
      key.set([byte(4), byte(4), byte(256), byte(256)], stem.length);
    }
    const big = byte(100) < bigValues;
    model.set(hex(key), hex(new Uint8Array(big ? 5000 + byte(9000) : byte(120)).fill(i & 255)));
  }
  return model;
}

function sortedKeys(model: Model): Uint8Array[] {
  return [...model.keys()].map(unhex).sort(Buffer.compare);
}

function load(tree: BTree, model: Model): void {
  const txn = tree.write();
  txn.clear();
  const loader = txn.loadSorted();
  for (const key of sortedKeys(model)) loader.add(key, unhex(model.get(hex(key))!));
  loader.finish();
  txn.commit();
}

function snapshotOf(tree: BTree): Uint8Array[] {
  const view = tree.read();
  try {
    return [...encodeSnapshot(view)].map((chunk) => chunk.slice());
  } finally {
    view.close();
  }
}

describe('bulk load', () => {
  it('builds a valid tree equal to the model, which later edits keep valid', () => {
    let heightMax = 0;
    fc.assert(
      fc.property(
        fc.record({
          n: fc.oneof(fc.nat(40), fc.nat(4000)),
          shape: fc.constantFrom<Shape>('short', 'shared600', 'mixed', 'huge'),
          seed: fc.integer(),
          bigValues: fc.constantFrom(0, 3, 30),
          edits: fc.array(fc.record({ n: fc.nat(), put: fc.boolean() }), { maxLength: 60 }),
        }),
        ({ n, shape, seed, bigValues, edits }) => {
          const model = entries(n, shape, seed, bigValues);
          const tree = BTree.create({ maxPages: 2 ** 18 });
          load(tree, model);
          tree.checkInvariants();
          heightMax = Math.max(heightMax, tree.stats().height);
          const view = tree.read();
          expectViewMatches(view, model);
          view.close();
          // The insert path decodes the same snapshot to the same contents.
          const byInserts = BTree.create({ maxPages: 2 ** 18 });
          decodeSnapshot(snapshotOf(tree), byInserts, { method: 'insert' });
          const again = byInserts.read();
          expectViewMatches(again, model);
          again.close();
          // Later edits: deletes and replaces of loaded keys.
          const keys = [...model.keys()];
          const txn = tree.write();
          for (const edit of edits) {
            if (keys.length === 0) break;
            const key = keys[edit.n % keys.length]!;
            if (edit.put) {
              txn.put(unhex(key), new Uint8Array([7]));
              model.set(key, '07');
            } else {
              txn.delete(unhex(key));
              model.delete(key);
            }
          }
          txn.commit();
          tree.checkInvariants();
          const after = tree.read();
          expectViewMatches(after, model);
          after.close();
        },
      ),
      { numRuns: 40, endOnFailure: true },
    );
    expect(heightMax).toBeGreaterThanOrEqual(3);
  }, 300_000);

  it('handles the boundaries: no entries, one, and a last leaf that would be nearly empty', () => {
    for (const count of [0, 1, 2, 31, 32, 33, 34, 64, 65, 1000, 1001]) {
      const model: Model = new Map();
      for (let i = 0; i < count; i++) {
        const key = new TextEncoder().encode(`key:${String(i).padStart(12, '0')}`);
        model.set(hex(key), 'aa'.repeat(100));
      }
      const tree = BTree.create();
      load(tree, model);
      tree.checkInvariants();
      const view = tree.read();
      expectViewMatches(view, model);
      view.close();
    }
  });

  it('refuses misuse', () => {
    const tree = BTree.create({ keyBytesMax: 100 });
    let txn = tree.write();
    txn.put(new Uint8Array([5]), new Uint8Array([5]));
    expect(() => txn.loadSorted()).toThrow(/empty tree: clear\(\) first/);
    txn.clear();
    const loader = txn.loadSorted();
    loader.add(new Uint8Array([2]), new Uint8Array([2]));
    expect(() => txn.put(new Uint8Array([9]), new Uint8Array(0))).toThrow(/bulk load/);
    expect(() => txn.scan()).toThrow(AssertionError);
    expect(() => loader.add(new Uint8Array(101), new Uint8Array(0))).toThrow(KeyTooLargeError);
    loader.add(new Uint8Array([3]), new Uint8Array([3])); // the refusal changed nothing
    expect(loader.follows(new Uint8Array([3]))).toBe(false);
    expect(() => loader.add(new Uint8Array([3]), new Uint8Array(0))).toThrow(/ascend strictly/);
    txn.abort();
    tree.checkInvariants();
    txn = tree.write();
    expect(txn.count()).toBe(0); // clear + load were aborted
    txn.abort();
  });

  it('an aborted load frees every page it took', () => {
    const tree = BTree.create();
    tree.write().commit();
    const before = tree.stats().pagesInUse;
    const txn = tree.write();
    const loader = txn.loadSorted();
    for (let i = 0; i < 5000; i++) {
      loader.add(new TextEncoder().encode(`k${String(i).padStart(6, '0')}`), new Uint8Array(300));
    }
    expect(tree.stats().pagesInUse).toBeGreaterThan(before + 300);
    txn.abort();
    expect(tree.stats().pagesInUse).toBe(before);
    tree.checkInvariants();
  });
});

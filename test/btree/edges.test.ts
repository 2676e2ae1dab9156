// Proves the B+ tree's structure at its edges: trees grown to height >= 4 (with long shared key
// prefixes, so separators — and, past the inline threshold, keys and separators with overflow
// chains — stay long) and shrunk back to empty with invariants on the way; an empty tree; one
// key incl. the empty key; key-size limits (refused before anything changes); overflow values
// freed on delete; deleting everything; clear; a pinned version surviving commits; value and
// page limits.
import { describe, expect, it } from 'vitest';
import {
  BTree,
  BTreeOptionsError,
  KEY_BYTES_LIMIT,
  KEY_BYTES_MAX_DEFAULT,
  KeyTooLargeError,
  TreeFullError,
  ValueTooLargeError,
  type ReadView,
} from '../../src/btree/index.js';
import { seededRandom as prng } from '../../src/raft/index.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

type Model = Map<string, string>;

function expectViewMatches(view: ReadView, model: Model): void {
  const expected = [...model.entries()].sort((x, y) =>
    Buffer.compare(Buffer.from(x[0], 'hex'), Buffer.from(y[0], 'hex')),
  );
  expect([...view.scan()].map(([k, v]) => [hex(k), hex(v)])).toEqual(expected);
  expect(view.count()).toBe(model.size);
}

describe('deep trees', () => {
  // Keys share a long prefix (like the kv layer's subkeys of one user key), so separators stay
  // long despite suffix truncation; a 600-byte prefix makes keys and separators overflow.
  it.each([
    [1, 200],
    [2, 600],
  ])('grows to height >= 4 and shrinks back to empty (seed %i, %i-byte prefix)', (seed, shared) => {
    const random = prng(seed);
    const tree = BTree.create({ maxPages: 65536 });
    const model: Model = new Map();
    const keys: Uint8Array[] = [];
    const prefixes = [0, 1, 2].map((p) => new Uint8Array(shared).fill(7).fill(p, shared - 1));
    for (let i = 0; i < 12_000; i++) {
      const key = new Uint8Array(shared + Math.floor(random() * 100));
      key.set(prefixes[i % 3]!);
      for (let j = shared; j < key.length; j++) key[j] = Math.floor(random() * 4);
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
    tree.write().commit(); // frees the last pending pages
    expect(tree.stats().pagesInUse).toBe(2); // header + meta: no key chain leaked
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

  it('refuses a key of keyBytesMax + 1 (default 192 KiB) before anything changes', () => {
    expect(KEY_BYTES_MAX_DEFAULT).toBe(192 * 1024);
    const tree = BTree.create();
    let txn = tree.write();
    txn.put(new Uint8Array([1]), new Uint8Array([1]));
    txn.commit();
    const before = tree.stats();
    txn = tree.write();
    const longest = new Uint8Array(KEY_BYTES_MAX_DEFAULT).fill(3);
    const tooLong = new Uint8Array(KEY_BYTES_MAX_DEFAULT + 1).fill(3);
    let caught: unknown;
    try {
      txn.put(tooLong, new Uint8Array(5000));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(KeyTooLargeError);
    expect((caught as KeyTooLargeError).keyBytes).toBe(KEY_BYTES_MAX_DEFAULT + 1);
    expect((caught as KeyTooLargeError).keyBytesMax).toBe(KEY_BYTES_MAX_DEFAULT);
    // Nothing changed: no page was allocated, the transaction is still usable and clean.
    expect(tree.stats().pagesTotal).toBe(before.pagesTotal);
    expect(txn.count()).toBe(1);
    expect(txn.get(tooLong)).toBeUndefined();
    txn.checkInvariants();
    txn.put(longest, new Uint8Array([7]));
    txn.commit();
    tree.checkInvariants();
    const view = tree.read();
    expect(view.get(longest)).toEqual(new Uint8Array([7]));
    expect(view.get(tooLong)).toBeUndefined();
    expect(view.last()![0]).toEqual(longest);
    view.close();
  });

  it('takes keyBytesMax up to KEY_BYTES_LIMIT (1 MiB) and no further', () => {
    expect(KEY_BYTES_LIMIT).toBe(1024 * 1024);
    expect(() => BTree.create({ keyBytesMax: KEY_BYTES_LIMIT + 1 })).toThrow(BTreeOptionsError);
    expect(() => BTree.create({ keyBytesMax: 0 })).toThrow(BTreeOptionsError);
    const tree = BTree.create({ keyBytesMax: KEY_BYTES_LIMIT });
    const txn = tree.write();
    const key = new Uint8Array(KEY_BYTES_LIMIT).map((_, i) => i % 251);
    const sibling = key.slice();
    sibling[KEY_BYTES_LIMIT - 1] = 255; // differs only in the last byte
    txn.put(key, new Uint8Array([1]));
    txn.put(sibling, new Uint8Array([2]));
    expect(() => txn.put(new Uint8Array(KEY_BYTES_LIMIT + 1), new Uint8Array(0))).toThrow(
      KeyTooLargeError,
    );
    txn.commit();
    tree.checkInvariants();
    const view = tree.read();
    expect([...view.scan()].map(([k, v]) => [k.length, v[0]])).toEqual([
      [KEY_BYTES_LIMIT, 1],
      [KEY_BYTES_LIMIT, 2],
    ]);
    expect(view.get(sibling)).toEqual(new Uint8Array([2]));
    view.close();
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

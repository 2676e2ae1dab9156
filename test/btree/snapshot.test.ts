// Proves the snapshot stream round-trips a read view (keys, values incl. overflow values, the
// applied index, the count) into another tree, can be produced from a view while the writer
// keeps committing, and that truncated or corrupted streams are rejected with
// SnapshotCorruptError naming the offset — leaving the target tree unchanged.
import { describe, expect, it } from 'vitest';
import {
  BTree,
  decodeSnapshot,
  encodeSnapshot,
  SnapshotCorruptError,
} from '../../src/btree/index.js';

function filled(count: number, applied: number): BTree {
  const tree = BTree.create();
  const txn = tree.write();
  for (let i = 0; i < count; i++) {
    const key = new TextEncoder().encode(`user:${(i * 7919) % count}`);
    const value = new Uint8Array(i % 97 === 0 ? 10_000 : 40).fill(i & 255);
    txn.put(key, value);
  }
  txn.setAppliedIndex(applied);
  txn.commit();
  return tree;
}

function contents(tree: BTree): Array<[string, string]> {
  const view = tree.read();
  try {
    const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
    return [...view.scan()].map(([k, v]) => [hex(k), hex(v)]);
  } finally {
    view.close();
  }
}

function encodeAll(tree: BTree): Uint8Array[] {
  const view = tree.read();
  try {
    return [...encodeSnapshot(view)].map((chunk) => chunk.slice());
  } finally {
    view.close();
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(chunks));
}

describe('snapshot stream', () => {
  it('encode → decode reproduces contents, applied index and count', () => {
    const source = filled(5000, 1234);
    const chunks = encodeAll(source);
    expect(chunks.length).toBeGreaterThan(3); // really chunked
    const target = BTree.create();
    const txn = target.write();
    txn.put(new Uint8Array([0xff]), new Uint8Array([1])); // replaced by the snapshot
    txn.commit();
    const info = decodeSnapshot(chunks, target);
    expect(info).toEqual({ appliedIndex: 1234, keyCount: 5000 });
    expect(target.appliedIndex).toBe(1234);
    expect(contents(target)).toEqual(contents(source));
    target.checkInvariants();
  });

  it('round-trips long keys (overflow chains) and overflow values', () => {
    const source = BTree.create();
    const txn = source.write();
    const stem = new Uint8Array(70_000).fill(0x61);
    for (let i = 0; i < 40; i++) {
      const key = new Uint8Array(stem.length + 2);
      key.set(stem);
      key[stem.length] = i; // 40 keys equal for 70,000 bytes: separators overflow too
      txn.put(key, new Uint8Array(i % 3 === 0 ? 6000 : 20).fill(i));
      txn.put(key.subarray(0, 500 + i * 3), new Uint8Array([i])); // around the 512 threshold
    }
    txn.setAppliedIndex(77);
    txn.commit();
    const target = BTree.create();
    expect(decodeSnapshot(encodeAll(source), target)).toEqual({ appliedIndex: 77, keyCount: 80 });
    expect(contents(target)).toEqual(contents(source));
    target.checkInvariants();
  });

  it('round-trips an empty tree', () => {
    const target = BTree.create();
    decodeSnapshot(encodeAll(BTree.create()), target);
    expect(target.stats().keyCount).toBe(0);
    target.checkInvariants();
  });

  it('encodes the version the view pinned while the writer keeps writing', () => {
    const source = filled(2000, 7);
    const view = source.read();
    const stream = encodeSnapshot(view)[Symbol.iterator]();
    const chunks: Uint8Array[] = [stream.next().value!.slice()];
    for (let i = 0; i < 20; i++) {
      const txn = source.write();
      txn.clear();
      txn.put(new Uint8Array([i]), new Uint8Array(3000));
      txn.commit();
    }
    for (let next = stream.next(); !next.done; next = stream.next()) chunks.push(
      next.value.slice());
    view.close();
    const target = BTree.create();
    decodeSnapshot(chunks, target);
    expect(target.stats().keyCount).toBe(2000);
    expect(target.appliedIndex).toBe(7);
  });

  const whole = concat(encodeAll(filled(300, 9)));
  const corruptions: Array<[string, () => Uint8Array, RegExp]> = [
    ['truncated inside a record', () => whole.subarray(0, whole.length >> 1), /stream ends inside/],
    [
      'truncated before the checksum',
      () => whole.subarray(0, whole.length - 2),
      /stream ends inside the checksum/,
    ],
    ['truncated to nothing', () => new Uint8Array(0), /stream ends inside the header/],
    ['bad magic', () => flip(whole, 0), /bad magic/],
    ['unsupported version', () => flip(whole, 8), /unsupported format version/],
    ['flipped value byte', () => flip(whole, 100),
      /CRC mismatch|not in strictly ascending|exceeds/],
    ['flipped checksum', () => flip(whole, whole.length - 1), /CRC mismatch/],
    ['trailing garbage', () => concat([whole, new Uint8Array([0])]), /bytes after the trailer/],
    [
      'key length beyond the limit',
      () => setU32(whole, 32, 300_000),
      /key length 300000 exceeds 196608/,
    ],
  ];

  it.each(corruptions)('rejects a %s stream with SnapshotCorruptError', (_name, make, reason) => {
    const target = filled(10, 3);
    const before = contents(target);
    const bytes = make();
    // Deliver in odd-sized chunks so boundaries fall inside fields.
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 777) chunks.push(bytes.subarray(i, i + 777));
    let caught: unknown;
    try {
      decodeSnapshot(chunks, target);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SnapshotCorruptError);
    const error = caught as SnapshotCorruptError;
    expect(error.reason).toMatch(reason);
    expect(error.offset).toBeGreaterThanOrEqual(0);
    expect(error.offset).toBeLessThanOrEqual(bytes.length);
    expect(error.message).toContain(`at byte offset ${error.offset}`);
    expect(contents(target)).toEqual(before);
    expect(target.appliedIndex).toBe(3);
    target.checkInvariants();
  });
});

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice();
  copy[at] = copy[at]! ^ 0x5a;
  return copy;
}

function setU32(bytes: Uint8Array, at: number, v: number): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(at, v, true);
  return copy;
}

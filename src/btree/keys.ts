/**
 * Keys in cells: searching a page, comparing a key with a cell's key, reading a key out, and
 * making the stored form (KeyRef) of a new key or of a branch separator. See page.ts for the
 * cell format: a key longer than KEY_INLINE_BYTES_MAX keeps that many bytes inline and the rest
 * in an overflow chain.
 *
 * Comparison rule: compare the inline prefix first; read the chain only when the prefix ties and
 * the search key is longer than the prefix (then page by page, stopping at the first
 * difference, without copying). Keys sort as unsigned bytes, a prefix before its extensions.
 */
import { assert } from '../codec/assert.js';
import { compareWithOverflow, readOverflowInto } from './overflow.js';
import {
  CELL_HEADER_BYTES,
  compareSpan,
  KEY_INLINE_BYTES_MAX,
  KEY_OVERFLOW_FLAG,
  type KeyRef,
  PAGE_HEADER_BYTES,
  u16,
  u32,
  setU16,
  setU32,
  KEY_OVERFLOW_FIELDS_BYTES,
  KEY_STORED_BYTES_MAX,
} from './page.js';

/**
 * The hard limit: no tree accepts keys longer than this (`keyBytesMax` may be lower). A key's
 * chain is read on every tie and copied on every read, so the bound keeps those costs bounded.
 */
export const KEY_BYTES_LIMIT = 1024 * 1024;

/** Compare `key` with the key of the cell at `cell`: negative when `key` sorts first. */
export function compareKeyWithCell(key: Uint8Array, a: Uint8Array, cell: number): number {
  const field = a[cell]! | (a[cell + 1]! << 8);
  const local = field & ~KEY_OVERFLOW_FLAG;
  const at = cell + CELL_HEADER_BYTES;
  const n = key.length < local ? key.length : local;
  const c = compareSpan(key, 0, a, at, n);
  if (c !== 0) return c;
  if (field < KEY_OVERFLOW_FLAG) return key.length - local;
  // The cell's key is longer than `local`: a key no longer than the prefix sorts first.
  if (key.length <= local) return -1;
  return compareWithOverflow(key, local, a, u32(a, at + local + 4), u32(a, at + local) - local);
}

/**
 * First slot whose key is >= key, shifted left one bit, with bit 0 set when that key equals
 * `key` (one return value, no allocation, on the hot lookup path).
 */
export function lowerBound(a: Uint8Array, base: number, key: Uint8Array): number {
  let lo = 0;
  let hi = u16(a, base + 2);
  let found = 0;
  const slots = base + PAGE_HEADER_BYTES;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const cell = base + (a[slots + 2 * mid]! | (a[slots + 2 * mid + 1]! << 8));
    const c = compareKeyWithCell(key, a, cell);
    if (c > 0) lo = mid + 1;
    else {
      hi = mid;
      found = c === 0 ? 1 : 0;
    }
  }
  // `found` belongs to the last `hi = mid`, and the loop ends with lo === hi === that mid.
  return (lo << 1) | found;
}

/** Branch: index of the child whose range holds `key` (last slot with key <= `key`). */
export function childIndex(a: Uint8Array, base: number, key: Uint8Array): number {
  const r = lowerBound(a, base, key);
  const i = r >>> 1;
  return (r & 1) === 1 ? i : i - 1;
}

/** Key bytes a cell stores for a key of `keyLength` bytes. */
export function keyStoredBytesFor(keyLength: number): number {
  return keyLength <= KEY_INLINE_BYTES_MAX ? keyLength : KEY_STORED_BYTES_MAX;
}

/** Full length of the cell's key. */
export function cellKeyLength(src: Uint8Array, cell: number): number {
  const field = u16(src, cell);
  if (field < KEY_OVERFLOW_FLAG) return field;
  return u32(src, cell + CELL_HEADER_BYTES + (field & ~KEY_OVERFLOW_FLAG));
}

/** The cell's key chain as [head, bytes], or undefined when the key sits whole in the cell. */
export function cellKeyChain(src: Uint8Array, cell: number): [number, number] | undefined {
  const field = u16(src, cell);
  if (field < KEY_OVERFLOW_FLAG) return undefined;
  const local = field & ~KEY_OVERFLOW_FLAG;
  const at = cell + CELL_HEADER_BYTES + local;
  return [u32(src, at + 4), u32(src, at) - local];
}

/**
 * A fresh copy of the key of the cell at `cell` in `src` (the arena, or a copied cell); the
 * chain, if any, is read from the arena `a`.
 */
export function readCellKey(src: Uint8Array, cell: number, a: Uint8Array): Uint8Array {
  const field = u16(src, cell);
  const at = cell + CELL_HEADER_BYTES;
  if (field < KEY_OVERFLOW_FLAG) return src.slice(at, at + field);
  const local = field & ~KEY_OVERFLOW_FLAG;
  const total = u32(src, at + local);
  if (!(total > local && total <= KEY_BYTES_LIMIT)) {
    assert(false, `a long key's length ${total} is within ${local + 1}..${KEY_BYTES_LIMIT}`);
  }
  const key = new Uint8Array(total);
  key.set(src.subarray(at, at + local));
  readOverflowInto(a, u32(src, at + local + 4), total - local, key, local);
  return key;
}

/**
 * The stored form of `key`. A key longer than KEY_INLINE_BYTES_MAX gets its tail written as a
 * new chain by `writeChain` (which returns the head); the returned KeyRef owns it.
 */
export function makeKeyRef(key: Uint8Array, writeChain: (bytes: Uint8Array) => number): KeyRef {
  if (key.length <= KEY_INLINE_BYTES_MAX) {
    const ref = new Uint8Array(2 + key.length);
    setU16(ref, 0, key.length);
    ref.set(key, 2);
    return ref;
  }
  const local = KEY_INLINE_BYTES_MAX;
  const head = writeChain(key.subarray(local));
  const ref = new Uint8Array(2 + local + KEY_OVERFLOW_FIELDS_BYTES);
  setU16(ref, 0, local | KEY_OVERFLOW_FLAG);
  ref.set(key.subarray(0, local), 2);
  setU32(ref, 2 + local, key.length);
  setU32(ref, 2 + local + 4, head);
  return ref;
}

/**
 * The shortest key S with left < S <= right (suffix truncation of a separator): every key of
 * the left page sorts below S, every key of the right page at or above it.
 */
export function shortestSeparator(left: Uint8Array, right: Uint8Array): Uint8Array {
  const n = left.length < right.length ? left.length : right.length;
  let i = 0;
  while (i < n && left[i] === right[i]) i++;
  assert(i < right.length && (i === left.length || left[i]! < right[i]!), 'left < right');
  return right.subarray(0, i + 1);
}

/**
 * The separator between two adjacent leaf cells (`left` < `right`, cells copied out of pages).
 * Decided from the inline prefixes when they differ; otherwise the keys are read whole.
 */
export function separatorBetween(
  left: Uint8Array,
  right: Uint8Array,
  a: Uint8Array,
): Uint8Array {
  const leftField = u16(left, 0);
  const rightField = u16(right, 0);
  const leftLocal = leftField & ~KEY_OVERFLOW_FLAG;
  const rightLocal = rightField & ~KEY_OVERFLOW_FLAG;
  const n = leftLocal < rightLocal ? leftLocal : rightLocal;
  const at = CELL_HEADER_BYTES;
  let i = 0;
  while (i < n && left[at + i] === right[at + i]) i++;
  const leftEnds = i === leftLocal && leftField < KEY_OVERFLOW_FLAG;
  if (i < rightLocal && (i < n || leftEnds)) return right.subarray(at, at + i + 1);
  return shortestSeparator(readCellKey(left, 0, a), readCellKey(right, 0, a));
}

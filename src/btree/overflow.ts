/**
 * Overflow chains: a value too large to sit inline in a leaf cell, or the part of a long key
 * beyond its inline prefix, is stored in a singly linked chain of overflow pages, each carrying
 * up to OVERFLOW_PAYLOAD_BYTES. A chain is written once and never modified: copy-on-write of a
 * page shares the chain, and the chain is freed (as a whole) only when the cell that owns it is
 * dropped. Every walk is a loop bounded by the byte length the cell names.
 */
import { assert } from '../codec/assert.js';
import type { Arena } from './arena.js';
import {
  checkPage,
  compareSpan,
  initPage,
  OVERFLOW_PAYLOAD_BYTES,
  PAGE_HEADER_BYTES,
  pageCount,
  pageNext,
  PageType,
  setOverflowHeader,
} from './page.js';

export function overflowPagesFor(valueBytes: number): number {
  return Math.max(1, Math.ceil(valueBytes / OVERFLOW_PAYLOAD_BYTES));
}

/**
 * Write `value` into freshly allocated pages, last page first so each page can name its
 * successor as it is written. Returns the head page id.
 */
export function writeOverflow(arena: Arena, value: Uint8Array, allocate: () => number): number {
  const pages = overflowPagesFor(value.length);
  let next = 0;
  for (let i = pages - 1; i >= 0; i--) {
    const id = allocate();
    const a = arena.u8; // allocate may have remapped the arena
    const base = initPage(a, id, PageType.Overflow);
    const from = i * OVERFLOW_PAYLOAD_BYTES;
    const to = Math.min(value.length, from + OVERFLOW_PAYLOAD_BYTES);
    setOverflowHeader(a, base, to - from, next);
    a.set(value.subarray(from, to), base + PAGE_HEADER_BYTES);
    next = id;
  }
  return next;
}

/** Copy a chain's bytes out; asserts its length matches the cell's value length. */
export function readOverflow(a: Uint8Array, head: number, valueBytes: number): Uint8Array {
  const out = new Uint8Array(valueBytes);
  readOverflowInto(a, head, valueBytes, out, 0);
  return out;
}

/** Copy a chain of `bytes` bytes into `out` at `at`. */
export function readOverflowInto(
  a: Uint8Array,
  head: number,
  bytes: number,
  out: Uint8Array,
  at: number,
): void {
  let done = 0;
  let id = head;
  const pagesMax = overflowPagesFor(bytes);
  for (let n = 0; id !== 0; n++) {
    if (!(n < pagesMax)) assert(false, `overflow chain at ${head} is longer than its bytes`);
    const base = checkPage(a, id, PageType.Overflow);
    const count = pageCount(a, base);
    if (!(done + count <= bytes)) assert(false, `overflow chain at ${head} overruns its bytes`);
    out.set(a.subarray(base + PAGE_HEADER_BYTES, base + PAGE_HEADER_BYTES + count), at + done);
    done += count;
    id = pageNext(a, base);
  }
  if (!(done === bytes)) assert(false, `overflow chain at ${head} holds ${done} of ${bytes} bytes`);
}

/**
 * Compare `key[from..]` with the `bytes` bytes of a chain, page by page and without copying:
 * negative when the key sorts first. Stops at the first difference.
 */
export function compareWithOverflow(
  key: Uint8Array,
  from: number,
  a: Uint8Array,
  head: number,
  bytes: number,
): number {
  let at = from;
  let id = head;
  const pagesMax = overflowPagesFor(bytes);
  for (let n = 0; id !== 0; n++) {
    if (!(n < pagesMax)) assert(false, `overflow chain at ${head} is longer than its bytes`);
    const base = checkPage(a, id, PageType.Overflow);
    const count = pageCount(a, base);
    const payload = base + PAGE_HEADER_BYTES;
    const m = count < key.length - at ? count : key.length - at;
    const c = compareSpan(key, at, a, payload, m);
    if (c !== 0) return c;
    if (m < count) return -1; // the key ends inside the chain: it is a prefix, so it is smaller
    at += count;
    id = pageNext(a, base);
  }
  if (!(at - from === bytes)) assert(false, `overflow chain at ${head} holds ${bytes} bytes`);
  return key.length - at;
}

/** Page ids of a chain, head first (bounded by the value length). */
export function overflowChain(a: Uint8Array, head: number, valueBytes: number): number[] {
  const ids: number[] = [];
  const pagesMax = overflowPagesFor(valueBytes);
  for (let id = head; id !== 0; id = pageNext(a, checkPage(a, id, PageType.Overflow))) {
    if (!(ids.length < pagesMax)) {
      assert(false, `overflow chain at ${head} is longer than its value`);
    }
    ids.push(id);
  }
  return ids;
}

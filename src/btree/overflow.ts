/**
 * Overflow chains: a value too large to sit inline in a leaf cell is stored in a singly linked
 * chain of overflow pages, each carrying up to OVERFLOW_PAYLOAD_BYTES. A chain is written once
 * and never modified: copy-on-write of a leaf shares the chain, and the chain is freed (as a
 * whole) only when the cell that names it is replaced or deleted.
 */
import { assert } from '../codec/assert.js';
import type { Arena } from './arena.js';
import {
  checkPage,
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
  let at = 0;
  let id = head;
  const pagesMax = overflowPagesFor(valueBytes);
  for (let n = 0; id !== 0; n++) {
    if (!(n < pagesMax)) assert(false, `overflow chain at ${head} is longer than its value`);
    const base = checkPage(a, id, PageType.Overflow);
    const bytes = pageCount(a, base);
    if (!(at + bytes <= valueBytes)) assert(false, `overflow chain at ${head} overruns its value`);
    out.set(a.subarray(base + PAGE_HEADER_BYTES, base + PAGE_HEADER_BYTES + bytes), at);
    at += bytes;
    id = pageNext(a, base);
  }
  if (!(at === valueBytes)) {
    assert(false, `overflow chain at ${head} holds ${at} of ${valueBytes} bytes`);
  }
  return out;
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

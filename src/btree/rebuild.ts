/**
 * Rebuilding pages from a list of cells: the one routine behind split, merge and rebalance.
 * A structural change gathers the affected cells (copies, so pages can be overwritten), then
 * writes them as one page when they fit, or two balanced pages when they do not. Two always
 * suffice: callers only ever combine one page's worth plus at most one cell, or an underfull
 * page (< a quarter) with a sibling.
 *
 * Branch cells carry their real lower-bound key here; the first cell of each branch page is
 * stored with an empty key (slot 0 convention) and its real key becomes the separator that the
 * caller puts in the parent (`lowKey`): the key, and its chain, move up a level.
 *
 * A leaf split makes a new separator: the shortest key between the two pages (suffix
 * truncation), so branch pages hold short separators even when the keys are long.
 */
import { assert } from '../codec/assert.js';
import { separatorBetween } from './keys.js';
import {
  CELL_HEADER_BYTES,
  cellKeyRef,
  EMPTY_KEY_REF,
  initPage,
  type KeyRef,
  PAGE_USABLE_BYTES,
  PageType,
  reserveCell,
  setU16,
  SLOT_BYTES,
  u16,
  u32,
  setU32,
} from './page.js';
import type { TxnPages } from './txnPages.js';

export interface BuiltPage {
  id: number;
  /**
   * The separator for the parent, owned by whoever writes it there. Empty for the first page
   * (its parent keeps the separator it had).
   */
  lowKey: KeyRef;
}

export function cellsBytes(cells: readonly Uint8Array[], from: number, to: number): number {
  let total = 0;
  for (let i = from; i < to; i++) total += cells[i]!.length + SLOT_BYTES;
  return total;
}

/**
 * Where to cut `cells` into two pages: `appendAt` (all but the last cell left, used for
 * ascending inserts at the right edge so sequential loads fill pages) when it fits, otherwise
 * the balanced cut closest to half of the bytes.
 */
export function splitPoint(cells: readonly Uint8Array[], type: PageType, append: boolean): number {
  const n = cells.length;
  const total = cellsBytes(cells, 0, n);
  if (total <= PAGE_USABLE_BYTES) return n;
  const minSide = type === PageType.Branch ? 2 : 1;
  if (append && cellsBytes(cells, 0, n - 1) <= PAGE_USABLE_BYTES && minSide === 1) return n - 1;
  let best = -1;
  let bestSkew = Infinity;
  let left = 0;
  for (let k = 1; k < n; k++) {
    left += cells[k - 1]!.length + SLOT_BYTES;
    const right = total - left;
    if (k < minSide || n - k < minSide) continue;
    if (left > PAGE_USABLE_BYTES || right > PAGE_USABLE_BYTES) continue;
    const skew = Math.abs(left - right);
    if (skew < bestSkew) {
      bestSkew = skew;
      best = k;
    }
  }
  assert(best > 0, `cells (${total} bytes in ${n}) split into two pages`);
  return best;
}

export function writeCellsToPage(
  a: Uint8Array,
  id: number,
  type: PageType,
  cells: readonly Uint8Array[],
  from: number,
  to: number,
): number {
  const base = initPage(a, id, type);
  for (let i = from; i < to; i++) {
    const cell = cells[i]!;
    if (type === PageType.Branch && i === from) {
      const at = reserveCell(a, base, i - from, CELL_HEADER_BYTES);
      setU16(a, at, 0);
      setU32(a, at + 2, u32(cell, 2));
    } else {
      a.set(cell, reserveCell(a, base, i - from, cell.length));
    }
  }
  return base;
}

/**
 * Write `cells` into `ids[0]` (and a second page from `ids[1]` or a new one when needed).
 * Returns the pages written, in key order. Branch: `cells[0]` has an empty key.
 */
export function writePages(
  pages: TxnPages,
  type: PageType,
  cells: readonly Uint8Array[],
  ids: readonly number[],
  append = false,
): BuiltPage[] {
  assert(cells.length > 0, 'rebuild has cells');
  assert(type === PageType.Leaf || u16(cells[0]!, 0) === 0, 'first branch cell has no key');
  const k = splitPoint(cells, type, append);
  const first = ids[0]!;
  if (k === cells.length) {
    writeCellsToPage(pages.a, first, type, cells, 0, k);
    return [{ id: first, lowKey: EMPTY_KEY_REF }];
  }
  const second = ids.length > 1 ? ids[1]! : pages.allocate();
  // An empty key sorts first, so only the leftmost separator may be empty.
  const lowKey =
    type === PageType.Branch
      ? cellKeyRef(cells[k]!, 0)
      : pages.keyRef(separatorBetween(cells[k - 1]!, cells[k]!, pages.a));
  assert(lowKey.length > 2, 'separator not empty');
  const a = pages.a; // after allocating: the arena may have grown
  writeCellsToPage(a, first, type, cells, 0, k);
  writeCellsToPage(a, second, type, cells, k, cells.length);
  return [
    { id: first, lowKey: EMPTY_KEY_REF },
    { id: second, lowKey },
  ];
}

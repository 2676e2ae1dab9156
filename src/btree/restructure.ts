/**
 * Structural changes after an edit of a leaf: fixing parents after a split (splitting upward as
 * far as needed), merging or rebalancing underfull pages after a delete, collapsing the root.
 * Everything walks the root-to-leaf path recorded by the descent, with loops bounded by
 * DEPTH_MAX: nothing recurses.
 *
 * Separator ownership (their long keys own chains): a separator written into a parent owns its
 * chain. Splitting a branch moves a key up a level; merging branches pulls the parent's
 * separator down into the merged page; merging leaves drops the parent's separator (its chain is
 * released) and a leaf rebalance makes a new one. So every chain keeps exactly one owner.
 */
import { assert } from '../codec/assert.js';
import { DEPTH_MAX } from './cursor.js';
import { cellKeyChain } from './keys.js';
import {
  cellAt,
  cellBytes,
  cellKeyRef,
  cellsFromPage,
  CELL_HEADER_BYTES,
  cellWord,
  EMPTY_KEY_REF,
  encodeBranchCell,
  initPage,
  type KeyRef,
  maybeMakeRoom,
  PAGE_SIZE_BYTES,
  PAGE_USABLE_BYTES,
  pageCount,
  PageType,
  removeCell,
  reserveCell,
  setCellWord,
  setU32,
  SLOT_BYTES,
  u32,
  UNDERFULL_BYTES,
  usedBytes,
  writeKeyRef,
} from './page.js';
import { type BuiltPage, writePages } from './rebuild.js';
import type { TxnPages } from './txnPages.js';

/** What structural changes need from the transaction: its root, pages and the descent path. */
export interface EditState {
  root: number;
  readonly pages: TxnPages;
  readonly pathPages: Int32Array;
  readonly pathSlots: Int32Array;
}

export function setChild(t: EditState, parent: number, slot: number, child: number): void {
  const a = t.pages.a;
  setCellWord(a, cellAt(a, parent * PAGE_SIZE_BYTES, slot), child);
}

export function childAt(t: EditState, parent: number, slot: number): number {
  const a = t.pages.a;
  return cellWord(a, cellAt(a, parent * PAGE_SIZE_BYTES, slot));
}

function insertBranchCell(a: Uint8Array, base: number, index: number, ref: KeyRef, child: number) {
  const at = reserveCell(a, base, index, CELL_HEADER_BYTES + ref.length - 2);
  writeKeyRef(a, at, ref);
  setU32(a, at + 2, child);
}

/**
 * The page at `level` was rewritten as `pages` (the first keeps the page's place). Fix the
 * parent, splitting upward as far as needed; a root split grows a new root.
 */
export function propagate(t: EditState, level: number, pages: BuiltPage[]): void {
  for (;;) {
    if (level === 0) {
      if (pages.length === 1) {
        t.root = pages[0]!.id;
        return;
      }
      const root = t.pages.allocate();
      const a = t.pages.a;
      const base = initPage(a, root, PageType.Branch);
      insertBranchCell(a, base, 0, EMPTY_KEY_REF, pages[0]!.id);
      insertBranchCell(a, base, 1, pages[1]!.lowKey, pages[1]!.id);
      t.root = root;
      return;
    }
    const parent = t.pathPages[level - 1]!;
    const next = replaceChildren(t, parent, t.pathSlots[level - 1]!, 1, pages);
    if (next === undefined) return;
    pages = next;
    level--;
  }
}

/**
 * Replace `n` cells of branch `parent` from `slot` with cells for `pages`; the first keeps the
 * old separator, the others take their page's `lowKey`. The removed separators' chains are the
 * caller's business (see the file comment). Edits in place when it fits; otherwise rebuilds
 * the parent and returns its new pages for the grandparent.
 */
function replaceChildren(
  t: EditState,
  parent: number,
  slot: number,
  n: number,
  pages: readonly BuiltPage[],
): BuiltPage[] | undefined {
  const a = t.pages.a;
  const base = parent * PAGE_SIZE_BYTES;
  assert(t.pages.dirty.has(parent), 'a parent is touched before its children change');
  if (n === 1 && pages.length === 1) {
    setChild(t, parent, slot, pages[0]!.id);
    return undefined;
  }
  let removed = 0;
  for (let i = slot + 1; i < slot + n; i++) {
    removed += cellBytes(a, cellAt(a, base, i), PageType.Branch) + SLOT_BYTES;
  }
  let added = 0;
  for (let i = 1; i < pages.length; i++) {
    added += pages[i]!.lowKey.length - 2 + CELL_HEADER_BYTES + SLOT_BYTES;
  }
  if (usedBytes(a, base) - removed + added <= PAGE_USABLE_BYTES) {
    for (let i = 1; i < n; i++) removeCell(a, base, slot + 1, PageType.Branch);
    setChild(t, parent, slot, pages[0]!.id);
    for (let i = 1; i < pages.length; i++) {
      const { lowKey, id } = pages[i]!;
      const bytes = CELL_HEADER_BYTES + lowKey.length - 2;
      assert(maybeMakeRoom(a, base, PageType.Branch, bytes, t.pages.scratch), 'room in parent');
      insertBranchCell(a, base, slot + i, lowKey, id);
    }
    return undefined;
  }
  const cells = cellsFromPage(a, base, PageType.Branch);
  const keep = cells[slot]!.slice();
  setU32(keep, 2, pages[0]!.id);
  const replacement = pages.map((page, i) =>
    i === 0 ? keep : encodeBranchCell(page.lowKey, page.id),
  );
  cells.splice(slot, n, ...replacement);
  return writePages(t.pages, PageType.Branch, cells, [parent]);
}

/**
 * Merge or rebalance underfull pages on the path, bottom up: an underfull page is combined
 * with a sibling (touched first) and the pair rewritten as one page, or two balanced pages.
 */
export function rebalance(t: EditState, depth: number): void {
  for (let level = depth; level > 0; level--) {
    const id = t.pathPages[level]!;
    if (usedBytes(t.pages.a, id * PAGE_SIZE_BYTES) >= UNDERFULL_BYTES) return;
    const parent = t.pathPages[level - 1]!;
    const slot = t.pathSlots[level - 1]!;
    const parentBase = parent * PAGE_SIZE_BYTES;
    const siblings = pageCount(t.pages.a, parentBase);
    assert(siblings >= 2, 'a non-root page has a sibling');
    const left = slot + 1 < siblings ? slot : slot - 1;
    const sibling = left === slot ? left + 1 : left;
    setChild(t, parent, sibling, t.pages.touch(childAt(t, parent, sibling)));
    const leftId = childAt(t, parent, left);
    const rightId = childAt(t, parent, left + 1);
    const a = t.pages.a;
    const type = a[id * PAGE_SIZE_BYTES] as PageType;
    const cells = cellsFromPage(a, leftId * PAGE_SIZE_BYTES, type);
    const rightCells = cellsFromPage(a, rightId * PAGE_SIZE_BYTES, type);
    const separator = cellAt(a, parentBase, left + 1);
    let dropped: [number, number] | undefined;
    if (type === PageType.Branch) {
      // The right page's slot 0 has an empty key; its real lower bound is the separator,
      // which moves down (with its chain) into the merged cells.
      rightCells[0] = encodeBranchCell(cellKeyRef(a, separator), u32(rightCells[0]!, 2));
    } else {
      dropped = cellKeyChain(a, separator); // leaves get a fresh separator if still two pages
    }
    for (const cell of rightCells) cells.push(cell);
    const pages = writePages(t.pages, type, cells, [leftId, rightId]);
    if (pages.length === 1) t.pages.release(rightId);
    const next = replaceChildren(t, parent, left, 2, pages);
    if (dropped !== undefined) t.pages.releaseChain(dropped[0], dropped[1]);
    if (next !== undefined) {
      propagate(t, level - 1, next);
      return;
    }
  }
}

/** A root branch with one child hands the root to it; an empty root leaf empties the tree. */
export function collapseRoot(t: EditState): void {
  for (let n = 0; t.root !== 0 && n < DEPTH_MAX; n++) {
    const a = t.pages.a;
    const base = t.root * PAGE_SIZE_BYTES;
    const count = pageCount(a, base);
    if (a[base] === PageType.Branch && count === 1) {
      const child = childAt(t, t.root, 0);
      t.pages.release(t.root);
      t.root = child;
    } else if (a[base] === PageType.Leaf && count === 0) {
      t.pages.release(t.root);
      t.root = 0;
    } else {
      return;
    }
  }
}

/** Release every page reachable from `root`, chains included (explicit stack; for clear). */
export function releaseSubtree(pages: TxnPages, root: number): void {
  if (root === 0) return;
  const stack = [root];
  while (stack.length > 0) {
    const id = stack.pop()!;
    const a = pages.a;
    const base = id * PAGE_SIZE_BYTES;
    const count = pageCount(a, base);
    const type = a[base] as PageType;
    if (!(type === PageType.Leaf || type === PageType.Branch)) {
      assert(false, `page ${id} in the tree is a leaf or a branch`);
    }
    for (let i = 0; i < count; i++) {
      const cell = cellAt(a, base, i);
      if (type === PageType.Branch) stack.push(cellWord(a, cell));
      pages.releaseCellChains(a, cell, type);
    }
    pages.release(id);
  }
}

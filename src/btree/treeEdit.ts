/**
 * Copy-on-write edits of single keys: descend to the leaf recording the path, copy the path's
 * pages (once per transaction), insert, replace or remove the cell, then let restructure.ts fix
 * splits and underfull pages. Descent uses the fixed path arrays (DEPTH_MAX), never recursion.
 *
 * Chains: a new key longer than KEY_INLINE_BYTES_MAX gets a key chain; replacing the value of
 * an existing key keeps the cell's key (and its chain) and drops only the old value chain;
 * deleting a key drops both.
 */
import { assert } from '../codec/assert.js';
import { DEPTH_MAX } from './cursor.js';
import { childIndex, keyStoredBytesFor, lowerBound } from './keys.js';
import {
  CELL_HEADER_BYTES,
  cellAt,
  cellBytes,
  cellKeyRef,
  cellKeyStored,
  cellsFromPage,
  cellWord,
  initPage,
  isInlineValue,
  type KeyRef,
  leafCellBytes,
  maybeMakeRoom,
  PAGE_SIZE_BYTES,
  pageCount,
  PageType,
  removeCell,
  reserveCell,
  setU32,
  u32,
  writeKeyRef,
} from './page.js';
import { writePages } from './rebuild.js';
import {
  collapseRoot,
  type EditState,
  propagate,
  rebalance,
  releaseSubtree,
  setChild,
} from './restructure.js';
import type { TxnPages } from './txnPages.js';

export class TreeEdit implements EditState {
  readonly pathPages = new Int32Array(DEPTH_MAX);
  readonly pathSlots = new Int32Array(DEPTH_MAX);

  constructor(
    readonly pages: TxnPages,
    public root: number,
    public keyCount: number,
  ) {}

  /** Record the root-to-leaf path for `key`; returns the leaf's level. */
  descend(key: Uint8Array): number {
    const a = this.pages.a;
    let id = this.root;
    for (let level = 0; level < DEPTH_MAX; level++) {
      this.pathPages[level] = id;
      const base = id * PAGE_SIZE_BYTES;
      if (!(u32(a, base + 8) === id)) assert(false, `page ${id} carries its own id`);
      if (a[base] === PageType.Leaf) return level;
      if (!(a[base] === PageType.Branch)) {
        assert(false, `page ${id} on a descent is a leaf or a branch`);
      }
      const slot = childIndex(a, base, key);
      this.pathSlots[level] = slot;
      id = cellWord(a, cellAt(a, base, slot));
    }
    assert(false, 'descent deeper than DEPTH_MAX');
  }

  /** Copy every page on the recorded path (once per transaction) and relink the copies. */
  touchPath(depth: number): void {
    for (let level = 0; level <= depth; level++) {
      const id = this.pathPages[level]!;
      const copy = this.pages.touch(id);
      if (copy === id) continue;
      this.pathPages[level] = copy;
      if (level === 0) this.root = copy;
      else setChild(this, this.pathPages[level - 1]!, this.pathSlots[level - 1]!, copy);
    }
  }

  put(key: Uint8Array, value: Uint8Array): void {
    const keyStored = keyStoredBytesFor(key.length);
    const valueHead = isInlineValue(keyStored, value.length) ? 0 : this.pages.writeChain(value);
    if (this.root === 0) {
      this.root = this.pages.allocate();
      const ref = this.pages.keyRef(key);
      initPage(this.pages.a, this.root, PageType.Leaf);
      writeLeafCell(this.pages.a, this.root * PAGE_SIZE_BYTES, 0, ref, value, valueHead);
      this.keyCount++;
      return;
    }
    const depth = this.descend(key);
    this.touchPath(depth);
    const leaf = this.pathPages[depth]!;
    const base = leaf * PAGE_SIZE_BYTES;
    const found = lowerBound(this.pages.a, base, key);
    const index = found >>> 1;
    const bytes = leafCellBytes(keyStored, value.length);
    let ref: KeyRef;
    if ((found & 1) === 1) {
      if (valueHead === 0 && this.maybeOverwriteInPlace(base, index, value, bytes)) return;
      const a = this.pages.a;
      const cell = cellAt(a, base, index);
      ref = cellKeyRef(a, cell); // the key and its chain stay; only the value is replaced
      this.pages.releaseValueChain(a, cell);
      removeCell(a, base, index, PageType.Leaf);
    } else {
      ref = this.pages.keyRef(key);
      this.keyCount++;
    }
    if (maybeMakeRoom(this.pages.a, base, PageType.Leaf, bytes, this.pages.scratch)) {
      writeLeafCell(this.pages.a, base, index, ref, value, valueHead);
      return;
    }
    const cells = cellsFromPage(this.pages.a, base, PageType.Leaf);
    const cell = new Uint8Array(bytes);
    fillLeafCell(cell, 0, ref, value, valueHead);
    cells.splice(index, 0, cell);
    const append = index === cells.length - 1 && this.isRightEdge(depth);
    propagate(this, depth, writePages(this.pages, PageType.Leaf, cells, [leaf], append));
  }

  delete(key: Uint8Array): boolean {
    if (this.root === 0) return false;
    const depth = this.descend(key);
    const leafBase = this.pathPages[depth]! * PAGE_SIZE_BYTES;
    const found = lowerBound(this.pages.a, leafBase, key);
    if ((found & 1) === 0) return false;
    this.touchPath(depth);
    const a = this.pages.a;
    const base = this.pathPages[depth]! * PAGE_SIZE_BYTES;
    const index = found >>> 1;
    this.pages.releaseCellChains(a, cellAt(a, base, index), PageType.Leaf);
    removeCell(a, base, index, PageType.Leaf);
    this.keyCount--;
    rebalance(this, depth);
    collapseRoot(this);
    return true;
  }

  clear(): void {
    releaseSubtree(this.pages, this.root);
    this.root = 0;
    this.keyCount = 0;
  }

  /**
   * Overwrite an inline value of the same cell size in place (the leaf is already a copy owned
   * by this transaction): the common SET-over-SET case, with no slot shuffling or garbage.
   */
  private maybeOverwriteInPlace(
    base: number,
    index: number,
    value: Uint8Array,
    bytes: number,
  ): boolean {
    const a = this.pages.a;
    const cell = cellAt(a, base, index);
    if (cellBytes(a, cell, PageType.Leaf) !== bytes) return false;
    const keyStored = cellKeyStored(a, cell);
    if (!isInlineValue(keyStored, u32(a, cell + 2))) return false;
    setU32(a, cell + 2, value.length);
    a.set(value, cell + CELL_HEADER_BYTES + keyStored);
    return true;
  }

  /** True when the path runs along the rightmost edge of the tree. */
  private isRightEdge(depth: number): boolean {
    const a = this.pages.a;
    for (let level = 0; level < depth; level++) {
      const base = this.pathPages[level]! * PAGE_SIZE_BYTES;
      if (this.pathSlots[level] !== pageCount(a, base) - 1) return false;
    }
    return true;
  }
}

/** Write a leaf cell at `at` of `dst` (a page or a cell-sized buffer). */
export function fillLeafCell(
  dst: Uint8Array,
  at: number,
  ref: KeyRef,
  value: Uint8Array,
  valueHead: number,
): void {
  writeKeyRef(dst, at, ref);
  setU32(dst, at + 2, value.length);
  const valueAt = at + CELL_HEADER_BYTES + ref.length - 2;
  if (valueHead === 0) dst.set(value, valueAt);
  else setU32(dst, valueAt, valueHead);
}

export function writeLeafCell(
  a: Uint8Array,
  base: number,
  index: number,
  ref: KeyRef,
  value: Uint8Array,
  valueHead: number,
): void {
  const at = reserveCell(a, base, index, leafCellBytes(ref.length - 2, value.length));
  fillLeafCell(a, at, ref, value, valueHead);
}

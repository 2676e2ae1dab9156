/**
 * The write transaction: copy-on-write edits of the page tree, published by `commit`.
 *
 * Discipline (after bbolt's tx.go): the first time a transaction touches a page of the published
 * tree it copies it to a fresh page (`touch`) and edits the copy in place from then on — each
 * page is copied at most once per transaction, tracked by `dirty`. Replaced published pages are
 * not reused until no reader can see them (they go to the free list's `pending` at commit).
 * Nothing is visible to readers until `commit` writes a new meta page and publishes it with one
 * Atomics.store (see header.ts for the ordering argument).
 *
 * Descent, split and rebalance use explicit path arrays bounded by DEPTH_MAX, never recursion.
 */
import { assert } from '../codec/assert.js';
import { KeyTooLargeError, ValueTooLargeError } from './errors.js';
import { DEPTH_MAX, lookup } from './cursor.js';
import type { Meta } from './meta.js';
import { overflowChain, writeOverflow } from './overflow.js';
import {
  CELL_HEADER_BYTES,
  cellAt,
  cellBytes,
  cellWord,
  childIndex,
  copyCell,
  copyPage,
  encodeBranchCell,
  initPage,
  isInlineValue,
  leafCellBytes,
  lowerBound,
  maybeMakeRoom,
  PAGE_SIZE_BYTES,
  PAGE_USABLE_BYTES,
  pageCount,
  PageType,
  removeCell,
  reserveCell,
  setCellWord,
  setU16,
  setU32,
  u16,
  u32,
  UNDERFULL_BYTES,
  usedBytes,
  cellsFromPage,
} from './page.js';
import { type BuiltPage, writePages } from './rebuild.js';
import type { WriterCore } from './writerCore.js';

export class WriteTxn {
  private root: number;
  private keyCountValue: number;
  private appliedIndexValue: number;
  /** Pages allocated by this transaction: invisible to readers, edited in place. */
  private readonly dirty = new Set<number>();
  /** Pages of the published tree this transaction replaced: pending at commit. */
  private readonly freedPublished: number[] = [];
  private readonly pathPages = new Int32Array(DEPTH_MAX);
  private readonly pathSlots = new Int32Array(DEPTH_MAX);
  private finished = false;
  /** Set when an operation threw half-way: only abort() is allowed then. */
  private failure: unknown = undefined;

  constructor(
    private readonly core: WriterCore,
    private readonly base: Meta,
    private readonly baseMetaPage: number,
  ) {
    this.root = base.root;
    this.keyCountValue = base.keyCount;
    this.appliedIndexValue = base.appliedIndex;
  }

  get appliedIndex(): number {
    return this.appliedIndexValue;
  }

  /** Sees this transaction's own earlier puts and deletes. */
  get(key: Uint8Array): Uint8Array | undefined {
    this.checkOpen();
    return lookup(this.core.arena.u8, this.root, key);
  }

  count(): number {
    this.checkOpen();
    return this.keyCountValue;
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.checkOpen();
    if (key.length > this.core.keyBytesMax) {
      throw new KeyTooLargeError(key.length, this.core.keyBytesMax);
    }
    if (value.length > this.core.valueBytesMax) {
      throw new ValueTooLargeError(value.length, this.core.valueBytesMax);
    }
    this.guard(() => this.putChecked(key, value));
  }

  delete(key: Uint8Array): boolean {
    this.checkOpen();
    return this.guard(() => this.deleteChecked(key));
  }

  /** FLUSHALL: every key is gone in this transaction. */
  clear(): void {
    this.checkOpen();
    this.guard(() => {
      this.releaseSubtree(this.root);
      this.root = 0;
      this.keyCountValue = 0;
    });
  }

  setAppliedIndex(index: number): void {
    this.checkOpen();
    if (!(Number.isSafeInteger(index) && index >= 0)) {
      assert(false, `applied index ${index} is a safe integer`);
    }
    this.appliedIndexValue = index;
  }

  /** Publish the new root, applied index and version as one atomic step. */
  commit(): void {
    this.checkOpen();
    assert(this.failure === undefined, 'commit of a transaction whose operation failed: abort it');
    this.finished = true;
    this.core.commitTxn(
      {
        version: this.base.version + 1,
        appliedIndex: this.appliedIndexValue,
        keyCount: this.keyCountValue,
        root: this.root,
        pagesHighWater: 0, // filled in by the core after allocating the meta page
      },
      [...this.freedPublished, this.baseMetaPage],
    );
  }

  /** Drop every change; pages this transaction allocated are free again at once. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.core.abortTxn([...this.dirty]);
  }

  private checkOpen(): void {
    assert(!this.finished, 'transaction is still open');
  }

  private guard<T>(operation: () => T): T {
    assert(this.failure === undefined, 'operation on a failed transaction: abort it');
    try {
      return operation();
    } catch (error) {
      this.failure = error;
      throw error;
    }
  }

  private allocate(): number {
    const id = this.core.allocatePage();
    this.dirty.add(id);
    return id;
  }

  private release(id: number): void {
    if (this.dirty.delete(id)) this.core.freeNow(id);
    else this.freedPublished.push(id);
  }

  /** The page to edit for `id`: itself when already copied in this transaction. */
  private touch(id: number): number {
    if (this.dirty.has(id)) return id;
    const copy = this.allocate();
    copyPage(this.core.arena.u8, id, copy);
    this.freedPublished.push(id);
    return copy;
  }

  private bytes(): Uint8Array {
    return this.core.arena.u8;
  }

  /** Record the root-to-leaf path for `key`; returns the leaf's level. */
  private descend(key: Uint8Array): number {
    const a = this.bytes();
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
  private touchPath(depth: number): void {
    for (let level = 0; level <= depth; level++) {
      const id = this.pathPages[level]!;
      const copy = this.touch(id);
      if (copy === id) continue;
      this.pathPages[level] = copy;
      if (level === 0) this.root = copy;
      else this.setChild(this.pathPages[level - 1]!, this.pathSlots[level - 1]!, copy);
    }
  }

  private setChild(parent: number, slot: number, child: number): void {
    const a = this.bytes();
    setCellWord(a, cellAt(a, parent * PAGE_SIZE_BYTES, slot), child);
  }

  private childAt(parent: number, slot: number): number {
    const a = this.bytes();
    return cellWord(a, cellAt(a, parent * PAGE_SIZE_BYTES, slot));
  }

  private putChecked(key: Uint8Array, value: Uint8Array): void {
    const overflowHead = isInlineValue(key.length, value.length)
      ? 0
      : writeOverflow(this.core.arena, value, () => this.allocate());
    if (this.root === 0) {
      this.root = this.allocate();
      initPage(this.bytes(), this.root, PageType.Leaf);
      this.writeLeafCell(this.root * PAGE_SIZE_BYTES, 0, key, value, overflowHead);
      this.keyCountValue++;
      return;
    }
    const depth = this.descend(key);
    this.touchPath(depth);
    const leaf = this.pathPages[depth]!;
    const base = leaf * PAGE_SIZE_BYTES;
    const found = lowerBound(this.bytes(), base, key);
    const index = found >>> 1;
    const bytes = leafCellBytes(key.length, value.length);
    if ((found & 1) === 1) {
      if (overflowHead === 0 && this.maybeOverwriteInPlace(base, index, value, bytes)) return;
      this.removeLeafCell(base, index);
    } else {
      this.keyCountValue++;
    }
    if (maybeMakeRoom(this.bytes(), base, PageType.Leaf, bytes, this.core.scratch)) {
      this.writeLeafCell(base, index, key, value, overflowHead);
      return;
    }
    const cells = cellsFromPage(this.bytes(), base, PageType.Leaf);
    cells.splice(index, 0, encodeLeafCell(key, value, overflowHead));
    const append = index === cells.length - 1 && this.isRightEdge(depth);
    const pages = writePages(
      () => this.bytes(),
      PageType.Leaf,
      cells,
      [leaf],
      () => this.allocate(),
      append,
    );
    this.propagate(depth, pages);
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
    const a = this.bytes();
    const cell = cellAt(a, base, index);
    if (cellBytes(a, cell, PageType.Leaf) !== bytes) return false;
    const keyBytes = u16(a, cell);
    if (!isInlineValue(keyBytes, u32(a, cell + 2))) return false;
    setU32(a, cell + 2, value.length);
    a.set(value, cell + CELL_HEADER_BYTES + keyBytes);
    return true;
  }

  /** True when the path runs along the rightmost edge of the tree. */
  private isRightEdge(depth: number): boolean {
    const a = this.bytes();
    for (let level = 0; level < depth; level++) {
      const base = this.pathPages[level]! * PAGE_SIZE_BYTES;
      if (this.pathSlots[level] !== pageCount(a, base) - 1) return false;
    }
    return true;
  }

  private writeLeafCell(
    base: number,
    index: number,
    key: Uint8Array,
    value: Uint8Array,
    overflowHead: number,
  ): void {
    const a = this.bytes();
    const at = reserveCell(a, base, index, leafCellBytes(key.length, value.length));
    setU16(a, at, key.length);
    setU32(a, at + 2, value.length);
    a.set(key, at + CELL_HEADER_BYTES);
    if (overflowHead === 0) a.set(value, at + CELL_HEADER_BYTES + key.length);
    else setU32(a, at + CELL_HEADER_BYTES + key.length, overflowHead);
  }

  /** Remove a leaf cell and free its overflow chain, if any. */
  private removeLeafCell(base: number, index: number): void {
    const a = this.bytes();
    const cell = cellAt(a, base, index);
    const keyBytes = u16(a, cell);
    const valueBytes = u32(a, cell + 2);
    if (!isInlineValue(keyBytes, valueBytes)) {
      const head = u32(a, cell + CELL_HEADER_BYTES + keyBytes);
      for (const id of overflowChain(a, head, valueBytes)) this.release(id);
    }
    removeCell(a, base, index, PageType.Leaf);
  }

  private deleteChecked(key: Uint8Array): boolean {
    if (this.root === 0) return false;
    const depth = this.descend(key);
    const leafBase = this.pathPages[depth]! * PAGE_SIZE_BYTES;
    const found = lowerBound(this.bytes(), leafBase, key);
    if ((found & 1) === 0) return false;
    this.touchPath(depth);
    this.removeLeafCell(this.pathPages[depth]! * PAGE_SIZE_BYTES, found >>> 1);
    this.keyCountValue--;
    this.rebalance(depth);
    this.collapseRoot();
    return true;
  }

  /**
   * The page at `level` was rewritten as `pages` (the first keeps the page's place). Fix the
   * parent, splitting upward as far as needed; a root split grows a new root.
   */
  private propagate(level: number, pages: BuiltPage[]): void {
    for (;;) {
      if (level === 0) {
        if (pages.length === 1) {
          this.root = pages[0]!.id;
          return;
        }
        const root = this.allocate();
        const base = initPage(this.bytes(), root, PageType.Branch);
        this.insertBranchCell(base, 0, new Uint8Array(0), pages[0]!.id);
        this.insertBranchCell(base, 1, pages[1]!.lowKey, pages[1]!.id);
        this.root = root;
        return;
      }
      const parent = this.pathPages[level - 1]!;
      const next = this.replaceChildren(parent, this.pathSlots[level - 1]!, 1, pages);
      if (next === undefined) return;
      pages = next;
      level--;
    }
  }

  private insertBranchCell(base: number, index: number, key: Uint8Array, child: number): void {
    const a = this.bytes();
    const at = reserveCell(a, base, index, CELL_HEADER_BYTES + key.length);
    setU16(a, at, key.length);
    setU32(a, at + 2, child);
    a.set(key, at + CELL_HEADER_BYTES);
  }

  /**
   * Replace `n` cells of branch `parent` from `slot` with cells for `pages`; the first keeps
   * the old separator, the others use their page's low key. Edits in place when it fits;
   * otherwise rebuilds the parent and returns its new pages for the grandparent.
   */
  private replaceChildren(
    parent: number,
    slot: number,
    n: number,
    pages: readonly BuiltPage[],
  ): BuiltPage[] | undefined {
    const a = this.bytes();
    const base = parent * PAGE_SIZE_BYTES;
    assert(this.dirty.has(parent), 'a parent is touched before its children change');
    if (n === 1 && pages.length === 1) {
      this.setChild(parent, slot, pages[0]!.id);
      return undefined;
    }
    let removed = 0;
    for (let i = slot + 1; i < slot + n; i++) {
      removed += u16(a, cellAt(a, base, i)) + CELL_HEADER_BYTES + 2;
    }
    let added = 0;
    for (let i = 1; i < pages.length; i++) added += pages[i]!.lowKey.length + CELL_HEADER_BYTES + 2;
    if (usedBytes(a, base) - removed + added <= PAGE_USABLE_BYTES) {
      for (let i = 1; i < n; i++) removeCell(a, base, slot + 1, PageType.Branch);
      this.setChild(parent, slot, pages[0]!.id);
      for (let i = 1; i < pages.length; i++) {
        const bytes = CELL_HEADER_BYTES + pages[i]!.lowKey.length;
        assert(maybeMakeRoom(a, base, PageType.Branch, bytes, this.core.scratch), 'room in parent');
        this.insertBranchCell(base, slot + i, pages[i]!.lowKey, pages[i]!.id);
      }
      return undefined;
    }
    const cells = cellsFromPage(a, base, PageType.Branch);
    const keep = cells[slot]!;
    const replacement = pages.map((page, i) =>
      i === 0 ? encodeBranchCell(keepKey(keep), page.id) : encodeBranchCell(page.lowKey, page.id),
    );
    cells.splice(slot, n, ...replacement);
    return writePages(() => this.bytes(), PageType.Branch, cells, [parent], () => this.allocate());
  }

  /**
   * Merge or rebalance underfull pages on the path, bottom up: an underfull page is combined
   * with a sibling (touched first) and the pair rewritten as one page, or two balanced pages.
   */
  private rebalance(depth: number): void {
    for (let level = depth; level > 0; level--) {
      const id = this.pathPages[level]!;
      if (usedBytes(this.bytes(), id * PAGE_SIZE_BYTES) >= UNDERFULL_BYTES) return;
      const parent = this.pathPages[level - 1]!;
      const slot = this.pathSlots[level - 1]!;
      const siblings = pageCount(this.bytes(), parent * PAGE_SIZE_BYTES);
      assert(siblings >= 2, 'a non-root page has a sibling');
      const left = slot + 1 < siblings ? slot : slot - 1;
      const sibling = left === slot ? left + 1 : left;
      this.setChild(parent, sibling, this.touch(this.childAt(parent, sibling)));
      const leftId = this.childAt(parent, left);
      const rightId = this.childAt(parent, left + 1);
      const a = this.bytes();
      const type = a[id * PAGE_SIZE_BYTES] as PageType;
      const cells = cellsFromPage(a, leftId * PAGE_SIZE_BYTES, type);
      const rightCells = cellsFromPage(a, rightId * PAGE_SIZE_BYTES, type);
      if (type === PageType.Branch) {
        // The right page's slot 0 has an empty key; its real lower bound is the separator.
        const separator = keepKey(copyCell(a, parent * PAGE_SIZE_BYTES, left + 1, type));
        rightCells[0] = encodeBranchCell(separator, u32(rightCells[0]!, 2));
      }
      for (const cell of rightCells) cells.push(cell);
      const pages = writePages(
        () => this.bytes(),
        type,
        cells,
        [leftId, rightId],
        () => this.allocate(),
      );
      if (pages.length === 1) this.release(rightId);
      const next = this.replaceChildren(parent, left, 2, pages);
      if (next !== undefined) {
        this.propagate(level - 1, next);
        return;
      }
    }
  }

  /** A root branch with one child hands the root to it; an empty root leaf empties the tree. */
  private collapseRoot(): void {
    for (let n = 0; this.root !== 0 && n < DEPTH_MAX; n++) {
      const a = this.bytes();
      const base = this.root * PAGE_SIZE_BYTES;
      const count = pageCount(a, base);
      if (a[base] === PageType.Branch && count === 1) {
        const child = this.childAt(this.root, 0);
        this.release(this.root);
        this.root = child;
      } else if (a[base] === PageType.Leaf && count === 0) {
        this.release(this.root);
        this.root = 0;
      } else {
        return;
      }
    }
  }

  /** Release every page reachable from `root` (explicit stack; used by clear). */
  private releaseSubtree(root: number): void {
    if (root === 0) return;
    const stack = [root];
    while (stack.length > 0) {
      const id = stack.pop()!;
      const a = this.bytes();
      const base = id * PAGE_SIZE_BYTES;
      const count = pageCount(a, base);
      if (a[base] === PageType.Branch) {
        for (let i = 0; i < count; i++) stack.push(cellWord(a, cellAt(a, base, i)));
      } else {
        if (!(a[base] === PageType.Leaf)) {
          assert(false, `page ${id} in the tree is a leaf or a branch`);
        }
        for (let i = 0; i < count; i++) {
          const cell = cellAt(a, base, i);
          const keyBytes = u16(a, cell);
          const valueBytes = u32(a, cell + 2);
          if (isInlineValue(keyBytes, valueBytes)) continue;
          const head = u32(a, cell + CELL_HEADER_BYTES + keyBytes);
          for (const page of overflowChain(a, head, valueBytes)) this.release(page);
        }
      }
      this.release(id);
    }
  }
}

function keepKey(cell: Uint8Array): Uint8Array {
  return cell.subarray(CELL_HEADER_BYTES, CELL_HEADER_BYTES + u16(cell, 0));
}

function encodeLeafCell(key: Uint8Array, value: Uint8Array, overflowHead: number): Uint8Array {
  const cell = new Uint8Array(leafCellBytes(key.length, value.length));
  setU16(cell, 0, key.length);
  setU32(cell, 2, value.length);
  cell.set(key, CELL_HEADER_BYTES);
  if (overflowHead === 0) cell.set(value, CELL_HEADER_BYTES + key.length);
  else setU32(cell, CELL_HEADER_BYTES + key.length, overflowHead);
  return cell;
}

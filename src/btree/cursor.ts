/**
 * Read-side navigation shared by read views and the write transaction: point lookup and an
 * ordered cursor. Copy-on-write trees have no leaf sibling links (a link would force copying
 * the neighbour on every change), so the cursor keeps an explicit stack of (page, slot) per
 * level, bounded by DEPTH_MAX; nothing here recurses.
 */
import { assert } from '../codec/assert.js';
import { childIndex, compareKeyWithCell, lowerBound, readCellKey } from './keys.js';
import { readOverflow } from './overflow.js';
import {
  CELL_HEADER_BYTES,
  cellAt,
  isInlineValue,
  KEY_OVERFLOW_FLAG,
  keyStoredBytes,
  PAGE_SIZE_BYTES,
  pageCount,
  PageType,
  u16,
  u32,
} from './page.js';

/** Tree height bound: branch pages hold >= 4 cells (>= 2 after a split), 2^20 pages at most. */
export const DEPTH_MAX = 32;

function checkedBase(a: Uint8Array, id: number): number {
  const base = id * PAGE_SIZE_BYTES;
  if (!(base + PAGE_SIZE_BYTES <= a.length)) {
    assert(false, `page ${id} lies inside the mapped arena`);
  }
  if (!(u32(a, base + 8) === id)) assert(false, `page ${id} carries its own id`);
  return base;
}

/**
 * Copy `n` bytes out of the arena. Small copies are carved from a shared 64 KiB slab: allocating
 * a fresh ArrayBuffer per value costs ~400 ns, which was most of a point lookup (measured).
 * The result is a plain Uint8Array that may share its ArrayBuffer with other results: use its
 * byteOffset. A slab stays alive while any result carved from it does.
 */
const SLAB_BYTES = 64 * 1024;
const SLAB_PIECE_BYTES_MAX = 4096;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

export function copyOut(a: Uint8Array, from: number, n: number): Uint8Array {
  let out: Uint8Array;
  if (n > SLAB_PIECE_BYTES_MAX) out = new Uint8Array(n);
  else {
    if (slabUsed + n > SLAB_BYTES) {
      slab = new ArrayBuffer(SLAB_BYTES);
      slabUsed = 0;
    }
    out = new Uint8Array(slab, slabUsed, n);
    slabUsed += (n + 7) & ~7;
  }
  out.set(a.subarray(from, from + n));
  return out;
}

/** Copy the value of the leaf cell at absolute offset `cell`. */
export function cellValue(a: Uint8Array, cell: number): Uint8Array {
  const keyStored = keyStoredBytes(u16(a, cell));
  const valueBytes = u32(a, cell + 2);
  const at = cell + CELL_HEADER_BYTES + keyStored;
  if (isInlineValue(keyStored, valueBytes)) return copyOut(a, at, valueBytes);
  return readOverflow(a, u32(a, at), valueBytes);
}

/** Copy the key of the leaf or branch cell at absolute offset `cell` (whole, chain included). */
export function cellKeyCopy(a: Uint8Array, cell: number): Uint8Array {
  const field = u16(a, cell);
  if (field < KEY_OVERFLOW_FLAG) return copyOut(a, cell + CELL_HEADER_BYTES, field);
  return readCellKey(a, cell, a);
}

/** Absolute offset of the leaf cell holding `key`, or -1. */
export function findCell(a: Uint8Array, root: number, key: Uint8Array): number {
  if (root === 0) return -1;
  let id = root;
  for (let depth = 0; depth < DEPTH_MAX; depth++) {
    const base = checkedBase(a, id);
    const type = a[base];
    if (type === PageType.Branch) {
      id = u32(a, cellAt(a, base, childIndex(a, base, key)) + 2);
      continue;
    }
    if (!(type === PageType.Leaf)) assert(false, `page ${id} on a descent is a leaf or a branch`);
    const r = lowerBound(a, base, key);
    return (r & 1) === 1 ? cellAt(a, base, r >>> 1) : -1;
  }
  assert(false, 'descent deeper than DEPTH_MAX');
}

export function lookup(a: Uint8Array, root: number, key: Uint8Array): Uint8Array | undefined {
  const cell = findCell(a, root, key);
  return cell < 0 ? undefined : cellValue(a, cell);
}

/**
 * A position in the tree: `pages[0..depth]` from root to leaf, `slots[level]` the slot taken at
 * each level (at the leaf: the current entry). `valid` is false past either end.
 */
export class Cursor {
  private readonly pages = new Int32Array(DEPTH_MAX);
  private readonly slots = new Int32Array(DEPTH_MAX);
  private depth = 0;
  valid = false;
  /** Leaves entered so far (the read view refreshes its lease per leaf). */
  leafMoves = 0;

  constructor(
    private readonly a: Uint8Array,
    private readonly root: number,
  ) {}

  /** Forward: first key >= key (or the first key). Reverse: last key < key (or the last). */
  seek(key: Uint8Array | undefined, reverse: boolean): void {
    this.valid = false;
    if (this.root === 0) return;
    const a = this.a;
    let id = this.root;
    for (let level = 0; ; level++) {
      assert(level < DEPTH_MAX, 'seek deeper than DEPTH_MAX');
      const base = checkedBase(a, id);
      this.pages[level] = id;
      const count = pageCount(a, base);
      if (a[base] === PageType.Branch) {
        let i: number;
        if (key === undefined) i = reverse ? count - 1 : 0;
        else if (!reverse) i = childIndex(a, base, key);
        else i = childIndexBefore(a, base, key);
        if (i < 0) i = 0; // everything is >= key: the cursor will fall off the start below
        this.slots[level] = i;
        id = u32(a, cellAt(a, base, i) + 2);
        continue;
      }
      if (!(a[base] === PageType.Leaf)) assert(false, `page ${id} on a seek is a leaf`);
      this.depth = level;
      this.leafMoves++;
      let i: number;
      if (key === undefined) i = reverse ? count - 1 : 0;
      else i = (lowerBound(a, base, key) >>> 1) - (reverse ? 1 : 0);
      this.slots[level] = i;
      this.valid = true;
      if (i < 0 || i >= count) this.step(reverse);
      return;
    }
  }

  /** Move one entry forward (or back), climbing and descending without recursion. */
  step(reverse: boolean): void {
    assert(this.valid, 'step on a valid cursor');
    const a = this.a;
    const leafBase = this.pages[this.depth]! * PAGE_SIZE_BYTES;
    const next = this.slots[this.depth]! + (reverse ? -1 : 1);
    if (next >= 0 && next < pageCount(a, leafBase)) {
      this.slots[this.depth] = next;
      return;
    }
    let level = this.depth - 1;
    for (; level >= 0; level--) {
      const base = this.pages[level]! * PAGE_SIZE_BYTES;
      const i = this.slots[level]! + (reverse ? -1 : 1);
      if (i >= 0 && i < pageCount(a, base)) {
        this.slots[level] = i;
        break;
      }
    }
    if (level < 0) {
      this.valid = false;
      return;
    }
    for (; level < this.depth; level++) {
      const base = this.pages[level]! * PAGE_SIZE_BYTES;
      const id = u32(a, cellAt(a, base, this.slots[level]!) + 2);
      const childBase = checkedBase(a, id);
      this.pages[level + 1] = id;
      this.slots[level + 1] = reverse ? pageCount(a, childBase) - 1 : 0;
    }
    assert(a[this.pages[this.depth]! * PAGE_SIZE_BYTES] === PageType.Leaf, 'step lands on a leaf');
    assert(pageCount(a, this.pages[this.depth]! * PAGE_SIZE_BYTES) > 0, 'non-root leaf not empty');
    this.leafMoves++;
  }

  /** Absolute offset of the current leaf cell. */
  cell(): number {
    assert(this.valid, 'cell of a valid cursor');
    return cellAt(this.a, this.pages[this.depth]! * PAGE_SIZE_BYTES, this.slots[this.depth]!);
  }

  /** Compare the current key with `key` (negative when the current key sorts first). */
  compareKey(key: Uint8Array): number {
    return -compareKeyWithCell(key, this.a, this.cell());
  }
}

/** Branch: the child that holds the last key < key. */
function childIndexBefore(a: Uint8Array, base: number, key: Uint8Array): number {
  // Child i holds [k_i, k_{i+1}); the last key < key lies in the child whose range starts
  // strictly below key.
  return (lowerBound(a, base, key) >>> 1) - 1;
}

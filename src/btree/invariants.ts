/**
 * checkInvariants for one version of the tree (a read view or the writer's current version).
 * Walks every page with an explicit stack, in key order, and checks:
 * - page integrity: own id, type, slot array below the cell area, cells inside the page and not
 *   overlapping, live cell bytes + garbage = cell area;
 * - key order: strictly ascending inside each page and across leaves;
 * - parent/child ranges: child i's keys lie in [separator_i, separator_{i+1});
 * - fill: branch slot 0 has an empty key, branches have >= 2 children, leaves are not empty,
 *   all leaves at one depth;
 * - no page reachable twice (tree pages and overflow pages together): every chain, of a value
 *   or of a long key (leaf or separator), has exactly one owner;
 * - keys in canonical form: whole in the cell up to KEY_INLINE_BYTES_MAX, else exactly that
 *   prefix plus a chain, and no longer than KEY_BYTES_LIMIT;
 * - overflow chains: overflow pages only, bytes add up to the length the cell names, no extra
 *   pages;
 * - the key count equals the meta's.
 * Returns the set of reachable pages (the writer checks it against its free list).
 */
import { assert } from '../codec/assert.js';
import { DEPTH_MAX } from './cursor.js';
import { cellKeyChain, compareKeyWithCell, KEY_BYTES_LIMIT, readCellKey } from './keys.js';
import { overflowPagesFor } from './overflow.js';
import {
  CELL_HEADER_BYTES,
  cellAt,
  cellBytes,
  cellStart,
  checkPage,
  compareBytes,
  garbageBytes,
  isInlineValue,
  KEY_INLINE_BYTES_MAX,
  KEY_OVERFLOW_FLAG,
  keyStoredBytes,
  PAGE_HEADER_BYTES,
  PAGE_SIZE_BYTES,
  pageCount,
  pageNext,
  pageType,
  PageType,
  SLOT_BYTES,
  u16,
  u32,
} from './page.js';

interface Frame {
  id: number;
  depth: number;
  low: Uint8Array | undefined;
  high: Uint8Array | undefined;
}

export interface TreeShape {
  reachable: Set<number>;
  keyCount: number;
  height: number;
}

const compare = compareBytes;

/** The whole key of a cell (a view for inline keys, a copy for keys with a chain). */
function keyAt(a: Uint8Array, cell: number): Uint8Array {
  const field = u16(a, cell);
  const at = cell + CELL_HEADER_BYTES;
  return field < KEY_OVERFLOW_FLAG ? a.subarray(at, at + field) : readCellKey(a, cell, a);
}

export function checkTree(
  a: Uint8Array,
  root: number,
  keyCount: number,
  pagesHighWater: number,
): TreeShape {
  const reachable = new Set<number>();
  const shape: TreeShape = { reachable, keyCount: 0, height: 0 };
  if (root === 0) {
    assert(keyCount === 0, 'an empty tree counts no keys');
    return shape;
  }
  let leafDepth = -1;
  let lastKey: Uint8Array | undefined;
  const stack: Frame[] = [{ id: root, depth: 0, low: undefined, high: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { id } = frame;
    assert(frame.depth < DEPTH_MAX, `page ${id} is within DEPTH_MAX`);
    assert(id > 0 && id < pagesHighWater, `page ${id} is below the high-water mark`);
    assert(!reachable.has(id), `page ${id} is reachable once`);
    reachable.add(id);
    const type = a[id * PAGE_SIZE_BYTES] as PageType;
    const base = checkPage(a, id, type === PageType.Branch ? PageType.Branch : PageType.Leaf);
    const cells = checkSlotted(a, base, id, type);
    const keys: Uint8Array[] = [];
    for (let i = 0; i < cells.length; i++) {
      checkKey(a, cells[i]!, id, pagesHighWater, reachable);
      const key = keyAt(a, cells[i]!);
      keys.push(key);
      if (i > 0) assert(compare(keys[i - 1]!, key) < 0, `page ${id} keys ascend`);
      // The search comparison (prefix first, chain on a tie) agrees with whole keys.
      assert(compareKeyWithCell(key, a, cells[i]!) === 0, `page ${id} key ${i} equals itself`);
      if (i > 0) assert(compareKeyWithCell(keys[i - 1]!, a, cells[i]!) < 0, `page ${id} search`);
      if (type === PageType.Branch && i === 0) continue; // slot 0: the range comes from above
      if (frame.low) assert(compare(key, frame.low) >= 0, `page ${id} key >= parent's bound`);
      if (frame.high) assert(compare(key, frame.high) < 0, `page ${id} key < parent's bound`);
    }
    if (type === PageType.Leaf) {
      assert(cells.length > 0, `leaf ${id} is not empty`);
      if (leafDepth < 0) leafDepth = frame.depth;
      assert(leafDepth === frame.depth, `leaf ${id} is at the same depth as every leaf`);
      for (let i = 0; i < cells.length; i++) {
        const key = keys[i]!;
        if (lastKey) assert(compare(lastKey, key) < 0, `leaf ${id} keys follow the previous leaf`);
        lastKey = key;
        checkValue(a, cells[i]!, id, pagesHighWater, reachable);
        shape.keyCount++;
      }
      continue;
    }
    assert(cells.length >= 2, `branch ${id} has at least two children`);
    assert(u16(a, cells[0]!) === 0, `branch ${id} slot 0 has an empty key`);
    // Push right to left so children pop in key order.
    for (let i = cells.length - 1; i >= 0; i--) {
      stack.push({
        id: u32(a, cells[i]! + 2),
        depth: frame.depth + 1,
        low: i === 0 ? frame.low : keys[i]!.slice(),
        high: i === cells.length - 1 ? frame.high : keys[i + 1]!.slice(),
      });
    }
  }
  assert(shape.keyCount === keyCount, `tree holds ${shape.keyCount} keys, meta says ${keyCount}`);
  shape.height = leafDepth + 1;
  return shape;
}

/** Slot array and cell area consistency; returns the cells' absolute offsets. */
function checkSlotted(a: Uint8Array, base: number, id: number, type: PageType): number[] {
  const count = pageCount(a, base);
  const start = cellStart(a, base);
  assert(PAGE_HEADER_BYTES + SLOT_BYTES * count <= start, `page ${id} slots end before cells`);
  assert(start <= PAGE_SIZE_BYTES, `page ${id} cell area inside the page`);
  const cells: number[] = [];
  const spans: Array<[number, number]> = [];
  let live = 0;
  for (let i = 0; i < count; i++) {
    const cell = cellAt(a, base, i);
    const bytes = cellBytes(a, cell, type);
    assert(cell - base >= start && cell - base + bytes <= PAGE_SIZE_BYTES, `page ${id} cell ${i}`);
    cells.push(cell);
    spans.push([cell, cell + bytes]);
    live += bytes;
  }
  spans.sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < spans.length; i++) {
    assert(spans[i - 1]![1] <= spans[i]![0], `page ${id} cells do not overlap`);
  }
  assert(live + garbageBytes(a, base) === PAGE_SIZE_BYTES - start, `page ${id} byte accounting`);
  return cells;
}

/** A cell's key is in canonical form, and its chain (if any) is sane and owned once. */
function checkKey(
  a: Uint8Array,
  cell: number,
  page: number,
  pagesHighWater: number,
  reachable: Set<number>,
): void {
  const field = u16(a, cell);
  if (field < KEY_OVERFLOW_FLAG) {
    assert(field <= KEY_INLINE_BYTES_MAX, `page ${page}: an inline key fits the inline limit`);
    return;
  }
  assert(
    (field & ~KEY_OVERFLOW_FLAG) === KEY_INLINE_BYTES_MAX,
    `page ${page}: a long key keeps exactly KEY_INLINE_BYTES_MAX bytes inline`,
  );
  const [head, bytes] = cellKeyChain(a, cell)!;
  const total = bytes + KEY_INLINE_BYTES_MAX;
  assert(bytes > 0 && total <= KEY_BYTES_LIMIT, `page ${page}: a long key's length is sane`);
  checkChain(a, head, bytes, `key chain of page ${page}`, pagesHighWater, reachable);
}

function checkValue(
  a: Uint8Array,
  cell: number,
  leaf: number,
  pagesHighWater: number,
  reachable: Set<number>,
): void {
  const keyStored = keyStoredBytes(u16(a, cell));
  const valueBytes = u32(a, cell + 2);
  if (isInlineValue(keyStored, valueBytes)) return;
  const head = u32(a, cell + CELL_HEADER_BYTES + keyStored);
  checkChain(a, head, valueBytes, `value chain of leaf ${leaf}`, pagesHighWater, reachable);
}

function checkChain(
  a: Uint8Array,
  head: number,
  bytes: number,
  what: string,
  pagesHighWater: number,
  reachable: Set<number>,
): void {
  let id = head;
  let total = 0;
  let pages = 0;
  assert(id !== 0, `${what} has a head page`);
  while (id !== 0) {
    assert(id > 0 && id < pagesHighWater, `${what}: page ${id} exists`);
    assert(!reachable.has(id), `${what}: page ${id} is reachable once`);
    reachable.add(id);
    const base = checkPage(a, id, PageType.Overflow);
    assert(pageType(a, base) === PageType.Overflow, `${what}: page ${id} is an overflow page`);
    total += pageCount(a, base);
    pages++;
    assert(pages <= overflowPagesFor(bytes), `${what} is not too long`);
    id = pageNext(a, base);
  }
  assert(total === bytes, `${what} holds ${total} of ${bytes} bytes`);
}

/**
 * checkInvariants for one version of the tree (a read view or the writer's current version).
 * Walks every page with an explicit stack, in key order, and checks:
 * - page integrity: own id, type, slot array below the cell area, cells inside the page and not
 *   overlapping, live cell bytes + garbage = cell area;
 * - key order: strictly ascending inside each page and across leaves;
 * - parent/child ranges: child i's keys lie in [separator_i, separator_{i+1});
 * - fill: branch slot 0 has an empty key, branches have >= 2 children, leaves are not empty,
 *   all leaves at one depth;
 * - no page reachable twice (tree pages and overflow pages together);
 * - overflow chains: overflow pages only, bytes add up to the value length, no extra pages;
 * - the key count equals the meta's.
 * Returns the set of reachable pages (the writer checks it against its free list).
 */
import { assert } from '../codec/assert.js';
import { DEPTH_MAX } from './cursor.js';
import { overflowPagesFor } from './overflow.js';
import {
  CELL_HEADER_BYTES,
  cellAt,
  cellBytes,
  cellStart,
  checkPage,
  garbageBytes,
  isInlineValue,
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

function compare(x: Uint8Array, y: Uint8Array): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function keyAt(a: Uint8Array, cell: number): Uint8Array {
  return a.subarray(cell + CELL_HEADER_BYTES, cell + CELL_HEADER_BYTES + u16(a, cell));
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
    for (let i = 0; i < cells.length; i++) {
      const key = keyAt(a, cells[i]!);
      if (i > 0) assert(compare(keyAt(a, cells[i - 1]!), key) < 0, `page ${id} keys ascend`);
      if (type === PageType.Branch && i === 0) continue; // slot 0: the range comes from above
      if (frame.low) assert(compare(key, frame.low) >= 0, `page ${id} key >= parent's bound`);
      if (frame.high) assert(compare(key, frame.high) < 0, `page ${id} key < parent's bound`);
    }
    if (type === PageType.Leaf) {
      assert(cells.length > 0, `leaf ${id} is not empty`);
      if (leafDepth < 0) leafDepth = frame.depth;
      assert(leafDepth === frame.depth, `leaf ${id} is at the same depth as every leaf`);
      for (const cell of cells) {
        const key = keyAt(a, cell);
        if (lastKey) assert(compare(lastKey, key) < 0, `leaf ${id} keys follow the previous leaf`);
        lastKey = key;
        checkValue(a, cell, id, pagesHighWater, reachable);
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
        low: i === 0 ? frame.low : keyAt(a, cells[i]!).slice(),
        high: i === cells.length - 1 ? frame.high : keyAt(a, cells[i + 1]!).slice(),
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

function checkValue(
  a: Uint8Array,
  cell: number,
  leaf: number,
  pagesHighWater: number,
  reachable: Set<number>,
): void {
  const keyBytes = u16(a, cell);
  const valueBytes = u32(a, cell + 2);
  if (isInlineValue(keyBytes, valueBytes)) return;
  let id = u32(a, cell + CELL_HEADER_BYTES + keyBytes);
  let total = 0;
  let pages = 0;
  while (id !== 0) {
    assert(id > 0 && id < pagesHighWater, `overflow page ${id} (leaf ${leaf}) exists`);
    assert(!reachable.has(id), `overflow page ${id} is reachable once`);
    reachable.add(id);
    const base = checkPage(a, id, PageType.Overflow);
    assert(pageType(a, base) === PageType.Overflow, `page ${id} is an overflow page`);
    total += pageCount(a, base);
    pages++;
    assert(pages <= overflowPagesFor(valueBytes), `overflow chain of leaf ${leaf} not too long`);
    id = pageNext(a, base);
  }
  assert(total === valueBytes, `overflow chain of leaf ${leaf} holds the value's bytes`);
}

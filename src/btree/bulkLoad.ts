/**
 * Bulk load: building a tree from entries that arrive in strictly ascending key order (a
 * snapshot being decoded at restart) without inserting key by key. Leaves are packed left to
 * right, each full before the next begins; every page closed at one level becomes a child cell
 * of the page being filled one level up (built bottom-up as the leaves arrive, so memory holds
 * one open page per level, not the entries). Separators between leaves are the shortest keys
 * between them (suffix truncation), as in a split.
 *
 * finish() closes the open page of each level, bottom-up. The last page of a level may be
 * nearly empty; when it is underfull (or a branch with one child) it is rebalanced with the
 * page before it into two balanced pages (rebuild.ts), so the tree meets the same invariants
 * as one built by inserts. The level whose only page is open becomes the root.
 *
 * Ownership of chains is as everywhere (restructure.ts): a separator placed in a parent owns
 * its chain; a leaf separator replaced by a rebalance has its chain released.
 */
import { assert } from '../codec/assert.js';
import { KeyTooLargeError, ValueTooLargeError } from './errors.js';
import {
  cellKeyChain,
  compareKeyWithCell,
  keyStoredBytesFor,
  readCellKey,
  shortestSeparator,
} from './keys.js';
import {
  CELL_HEADER_BYTES,
  cellAt,
  cellsFromPage,
  EMPTY_KEY_REF,
  encodeBranchCell,
  freeContiguousBytes,
  initPage,
  isInlineValue,
  KEY_INLINE_BYTES_MAX,
  type KeyRef,
  leafCellBytes,
  PAGE_SIZE_BYTES,
  pageCount,
  PageType,
  reserveCell,
  setU16,
  setU32,
  SLOT_BYTES,
  u32,
  UNDERFULL_BYTES,
  usedBytes,
  writeKeyRef,
} from './page.js';
import { writePages } from './rebuild.js';
import { writeLeafCell } from './treeEdit.js';
import type { TxnPages } from './txnPages.js';

interface Level {
  type: PageType;
  /** The page being filled (0 before the first). */
  page: number;
  /** Its separator for the level above (empty for the leftmost page of the level). */
  lowKey: KeyRef;
  /** The page closed just before `page` (0 = none): finish() may rebalance with it. */
  previous: number;
}

/** What the loader needs from its transaction. */
export interface LoaderHost {
  keyBytesMax: number;
  valueBytesMax: number;
  /** Asserts the transaction may be used (open, no failed operation). */
  checkUsable(): void;
  /** An operation failed half-way: the transaction must now be aborted. */
  failed(error: unknown): void;
  /** Hands over the built tree. */
  done(root: number, keyCount: number): void;
}

export class SortedLoader {
  private readonly levels: Level[] = [];
  private keyCount = 0;
  private finished = false;
  /** The key `follows` last approved: `add` of that same key skips the second compare. */
  private approved: Uint8Array | undefined;

  constructor(
    private readonly pages: TxnPages,
    private readonly host: LoaderHost,
  ) {}

  /** Append one entry; its key must sort after every key added before (asserted). */
  add(key: Uint8Array, value: Uint8Array): void {
    assert(!this.finished, 'add before finish');
    if (key.length > this.host.keyBytesMax) {
      throw new KeyTooLargeError(key.length, this.host.keyBytesMax);
    }
    if (value.length > this.host.valueBytesMax) {
      throw new ValueTooLargeError(value.length, this.host.valueBytesMax);
    }
    this.host.checkUsable();
    try {
      this.append(key, value);
    } catch (error) {
      this.host.failed(error);
      throw error;
    }
  }

  /** True when `key` sorts after the last key added (so `add(key, …)` is allowed). */
  follows(key: Uint8Array): boolean {
    const leaf = this.levels[0];
    let follows = true;
    if (leaf !== undefined) {
      const a = this.pages.a;
      const base = leaf.page * PAGE_SIZE_BYTES;
      follows = compareKeyWithCell(key, a, cellAt(a, base, pageCount(a, base) - 1)) > 0;
    }
    this.approved = follows ? key : undefined;
    return follows;
  }

  /** Close every level; the transaction holds the new tree. */
  finish(): void {
    assert(!this.finished, 'finish once');
    this.finished = true;
    this.host.checkUsable();
    let root = 0;
    try {
      for (let level = 0; level < this.levels.length; level++) {
        const lv = this.levels[level]!;
        if (lv.previous === 0) {
          assert(level === this.levels.length - 1, 'only the top level has a single page');
          root = lv.page;
          break;
        }
        const lowKey = this.balanceLast(lv);
        this.place(level + 1, lv.page, lowKey);
      }
    } catch (error) {
      this.host.failed(error);
      throw error;
    }
    this.host.done(root, this.keyCount);
  }

  private append(key: Uint8Array, value: Uint8Array): void {
    if (key !== this.approved) assert(this.follows(key), 'bulk-loaded keys ascend strictly');
    this.approved = undefined;
    const keyStored = keyStoredBytesFor(key.length);
    const valueHead = isInlineValue(keyStored, value.length) ? 0 : this.pages.writeChain(value);
    const ref = key.length > KEY_INLINE_BYTES_MAX ? this.pages.keyRef(key) : undefined;
    const bytes = leafCellBytes(keyStored, value.length);
    const leaf = this.levels[0] ?? this.newLevel(PageType.Leaf);
    let a = this.pages.a;
    const room = leaf.page === 0 ? 0 : freeContiguousBytes(a, leaf.page * PAGE_SIZE_BYTES);
    if (room < bytes + SLOT_BYTES) {
      let lowKey = EMPTY_KEY_REF;
      const closing = leaf.page;
      if (closing !== 0) {
        const base = closing * PAGE_SIZE_BYTES;
        const last = readCellKey(a, cellAt(a, base, pageCount(a, base) - 1), a);
        lowKey = this.pages.keyRef(shortestSeparator(last, key));
      }
      leaf.page = this.pages.allocate();
      a = this.pages.a;
      initPage(a, leaf.page, PageType.Leaf);
      const closedLow = leaf.lowKey;
      leaf.lowKey = lowKey;
      if (closing !== 0) {
        leaf.previous = closing;
        this.place(1, closing, closedLow);
        a = this.pages.a;
      }
    }
    const base = leaf.page * PAGE_SIZE_BYTES;
    if (ref !== undefined) writeLeafCell(a, base, pageCount(a, base), ref, value, valueHead);
    else writeShortCell(a, base, key, value, valueHead);
    this.keyCount++;
  }

  private newLevel(type: PageType): Level {
    const lv: Level = { type, page: 0, lowKey: EMPTY_KEY_REF, previous: 0 };
    this.levels.push(lv);
    return lv;
  }

  /**
   * Put child `id` (with separator `lowKey`) into the open page of branch level `level`. A
   * full page is closed and moves up in turn: a loop up the levels, no recursion.
   */
  private place(level: number, id: number, lowKey: KeyRef): void {
    for (;;) {
      const lv = this.levels[level] ?? this.newLevel(PageType.Branch);
      const bytes = CELL_HEADER_BYTES + lowKey.length - 2;
      const a = this.pages.a;
      const room = lv.page === 0 ? 0 : freeContiguousBytes(a, lv.page * PAGE_SIZE_BYTES);
      if (room >= bytes + SLOT_BYTES) {
        const base = lv.page * PAGE_SIZE_BYTES;
        const at = reserveCell(a, base, pageCount(a, base), bytes);
        writeKeyRef(a, at, lowKey);
        setU32(a, at + 2, id);
        return;
      }
      const full = lv.page;
      const fullLow = lv.lowKey;
      lv.page = this.pages.allocate();
      lv.lowKey = lowKey; // the child opens the page: slot 0 has no key, its key moves up
      const b = this.pages.a;
      const at = reserveCell(b, initPage(b, lv.page, PageType.Branch), 0, CELL_HEADER_BYTES);
      setU16(b, at, 0);
      setU32(b, at + 2, id);
      if (full === 0) return;
      lv.previous = full;
      id = full;
      lowKey = fullLow;
      level++;
    }
  }

  /**
   * The open page of a level that has closed pages before it: if it is underfull (or a branch
   * with one child), rewrite it with the previous page as two balanced pages. Returns its
   * separator for the level above.
   */
  private balanceLast(lv: Level): KeyRef {
    const a = this.pages.a;
    const base = lv.page * PAGE_SIZE_BYTES;
    const children = lv.type === PageType.Branch ? pageCount(a, base) : 2;
    if (usedBytes(a, base) >= UNDERFULL_BYTES && children >= 2) return lv.lowKey;
    const cells = cellsFromPage(a, lv.previous * PAGE_SIZE_BYTES, lv.type);
    const right = cellsFromPage(a, base, lv.type);
    let dropped: [number, number] | undefined;
    if (lv.type === PageType.Branch) {
      right[0] = encodeBranchCell(lv.lowKey, u32(right[0]!, 2)); // the separator moves down
    } else {
      dropped = cellKeyChain(encodeBranchCell(lv.lowKey, 0), 0); // replaced by a new one
    }
    for (const cell of right) cells.push(cell);
    const built = writePages(this.pages, lv.type, cells, [lv.previous, lv.page]);
    assert(built.length === 2, 'a closed page and the next hold more than one page');
    if (dropped !== undefined) this.pages.releaseChain(dropped[0], dropped[1]);
    return built[1]!.lowKey;
  }
}

/** A leaf cell for a key stored whole, written straight into the page (the common case). */
function writeShortCell(
  a: Uint8Array,
  base: number,
  key: Uint8Array,
  value: Uint8Array,
  valueHead: number,
): void {
  const inline = valueHead === 0;
  const bytes = leafCellBytes(key.length, value.length);
  const at = reserveCell(a, base, pageCount(a, base), bytes);
  setU16(a, at, key.length);
  setU32(a, at + 2, value.length);
  a.set(key, at + CELL_HEADER_BYTES);
  if (inline) a.set(value, at + CELL_HEADER_BYTES + key.length);
  else setU32(a, at + CELL_HEADER_BYTES + key.length, valueHead);
}

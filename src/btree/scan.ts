/**
 * Ordered reads shared by read views and the write transaction: range scans (of entries or of
 * keys only), first/last, seeks (first key >= k, last key < k) and a range-emptiness probe.
 *
 * Semantics: `start` is inclusive, `end` exclusive, in both directions; `reverse` walks from the
 * end down; `limit` caps the entries returned. Keys and values are copies.
 *
 * The source decides when reading is allowed (`checkReadable`, called before every step): a
 * read view must be open; a write transaction must be open and unchanged since the iterator
 * began — a put, delete or clear invalidates its open iterators (copy-on-write edits move
 * cells and free pages under the cursor), and using one afterwards fails an assertion. Collect
 * first, then write.
 */
import { assert } from '../codec/assert.js';
import { Cursor, cellKeyCopy, cellValue } from './cursor.js';

export interface ScanOptions {
  /** Inclusive. */
  start?: Uint8Array;
  /** Exclusive. */
  end?: Uint8Array;
  limit?: number;
  reverse?: boolean;
}

export type KeyValue = [key: Uint8Array, value: Uint8Array];

/** What ordered reads need from a view or a transaction. */
export interface ReadSource {
  /** The arena bytes and root of the version being read. */
  bytes(): Uint8Array;
  root(): number;
  /**
   * Assert that reading may go on; returns a check for iterators to call before each later
   * step (it fails once the source changed or closed).
   */
  checkReadable(): () => void;
  /** Called after data was copied out (a view confirms its reader slot was not reaped). */
  afterCopy(): void;
}

/** Walks a cursor over [start, end) in either direction, at most `limit` entries. */
class RangeWalk {
  private readonly cursor: Cursor;
  private started = false;
  private emitted = 0;
  private readonly limit: number;

  constructor(
    readonly a: Uint8Array,
    root: number,
    private readonly options: ScanOptions,
    private readonly check: () => void,
  ) {
    this.cursor = new Cursor(a, root);
    this.limit = options.limit ?? Infinity;
    assert(this.limit >= 0, 'scan limit is not negative');
  }

  /** The next cell in range (absolute offset), or -1 at the end. */
  nextCell(): number {
    this.check();
    const { start, end, reverse = false } = this.options;
    const cursor = this.cursor;
    if (!this.started) {
      this.started = true;
      cursor.seek(reverse ? end : start, reverse);
    } else if (cursor.valid) {
      cursor.step(reverse);
    }
    if (!cursor.valid || this.emitted >= this.limit) return this.finish();
    if (!reverse && end !== undefined && cursor.compareKey(end) >= 0) return this.finish();
    if (reverse && start !== undefined && cursor.compareKey(start) < 0) return this.finish();
    this.emitted++;
    return cursor.cell();
  }

  private finish(): number {
    this.cursor.valid = false;
    return -1;
  }
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

class EntryIterator implements IterableIterator<KeyValue> {
  constructor(
    private readonly walk: RangeWalk,
    private readonly source: ReadSource,
  ) {}

  [Symbol.iterator](): IterableIterator<KeyValue> {
    return this;
  }

  next(): IteratorResult<KeyValue> {
    const cell = this.walk.nextCell();
    if (cell < 0) return DONE;
    const a = this.walk.a;
    const value: KeyValue = [cellKeyCopy(a, cell), cellValue(a, cell)];
    this.source.afterCopy();
    return { done: false, value };
  }
}

class KeyIterator implements IterableIterator<Uint8Array> {
  constructor(
    private readonly walk: RangeWalk,
    private readonly source: ReadSource,
  ) {}

  [Symbol.iterator](): IterableIterator<Uint8Array> {
    return this;
  }

  next(): IteratorResult<Uint8Array> {
    const cell = this.walk.nextCell();
    if (cell < 0) return DONE;
    const key = cellKeyCopy(this.walk.a, cell);
    this.source.afterCopy();
    return { done: false, value: key };
  }
}

/** The ordered-read API, over any ReadSource. */
export class OrderedReads {
  constructor(private readonly source: ReadSource) {}

  /** Entries in [start, end), ascending (or descending with `reverse`), at most `limit`. */
  scan(options: ScanOptions = {}): IterableIterator<KeyValue> {
    return new EntryIterator(this.walk(options), this.source);
  }

  /** Like scan, keys only: values (and their overflow chains) are not read. */
  keys(options: ScanOptions = {}): IterableIterator<Uint8Array> {
    return new KeyIterator(this.walk(options), this.source);
  }

  first(): KeyValue | undefined {
    return this.one({ limit: 1 });
  }

  last(): KeyValue | undefined {
    return this.one({ limit: 1, reverse: true });
  }

  /** The entry with the smallest key >= `key`. */
  firstAtOrAfter(key: Uint8Array): KeyValue | undefined {
    return this.one({ start: key, limit: 1 });
  }

  /** The entry with the largest key < `key`. */
  lastBefore(key: Uint8Array): KeyValue | undefined {
    return this.one({ end: key, limit: 1, reverse: true });
  }

  /** The smallest key in [start, end), or undefined when the range is empty (one descent). */
  firstKeyIn(start: Uint8Array, end: Uint8Array): Uint8Array | undefined {
    const next = this.keys({ start, end, limit: 1 }).next();
    return next.done === true ? undefined : next.value;
  }

  private one(options: ScanOptions): KeyValue | undefined {
    const next = this.scan(options).next();
    return next.done === true ? undefined : next.value;
  }

  private walk(options: ScanOptions): RangeWalk {
    const check = this.source.checkReadable();
    return new RangeWalk(this.source.bytes(), this.source.root(), options, check);
  }
}

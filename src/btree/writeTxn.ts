/**
 * The write transaction: copy-on-write edits of the page tree, published by `commit`.
 *
 * Discipline (after bbolt's tx.go): the first time a transaction touches a page of the published
 * tree it copies it to a fresh page (`touch`) and edits the copy in place from then on — each
 * page is copied at most once per transaction (txnPages.ts). Replaced published pages are not
 * reused until no reader can see them (they go to the free list's `pending` at commit). Nothing
 * is visible to readers until `commit` writes a new meta page and publishes it with one
 * Atomics.store (see header.ts for the ordering argument).
 *
 * Limits are checked before anything changes: a refused put leaves the transaction usable.
 *
 * Ordered reads (scan, keys, first, last, seeks) see the transaction's own writes. Every put,
 * delete or clear starts a new epoch; an iterator opened in an earlier epoch fails an assertion
 * when used again (its cursor may point into moved cells or freed pages). Collect, then write.
 */
import { assert } from '../codec/assert.js';
import { SortedLoader } from './bulkLoad.js';
import { KeyTooLargeError, ValueTooLargeError } from './errors.js';
import { lookup } from './cursor.js';
import { checkTree } from './invariants.js';
import type { Meta } from './meta.js';
import { type KeyValue, OrderedReads, type ScanOptions } from './scan.js';
import { TreeEdit } from './treeEdit.js';
import { TxnPages } from './txnPages.js';
import type { WriterCore } from './writerCore.js';

export class WriteTxn {
  private readonly pages: TxnPages;
  private readonly edit: TreeEdit;
  private appliedIndexValue: number;
  private finished = false;
  /** Set when an operation threw half-way: only abort() is allowed then. */
  private failure: unknown = undefined;
  /** Bumped by every put, delete and clear: iterators of an older epoch are invalid. */
  private epoch = 0;
  /** A bulk load owns the transaction until it finishes. */
  private loading = false;
  private readonly reads: OrderedReads;

  constructor(
    private readonly core: WriterCore,
    private readonly base: Meta,
    private readonly baseMetaPage: number,
  ) {
    this.pages = new TxnPages(core);
    this.edit = new TreeEdit(this.pages, base.root, base.keyCount);
    this.appliedIndexValue = base.appliedIndex;
    this.reads = new OrderedReads({
      bytes: () => this.core.arena.u8,
      root: () => this.edit.root,
      checkReadable: () => this.checkReadable(),
      afterCopy: () => {},
    });
  }

  get appliedIndex(): number {
    return this.appliedIndexValue;
  }

  /** Sees this transaction's own earlier puts and deletes. */
  get(key: Uint8Array): Uint8Array | undefined {
    this.checkOpen();
    return lookup(this.core.arena.u8, this.edit.root, key);
  }

  count(): number {
    this.checkOpen();
    return this.edit.keyCount;
  }

  /** Entries in [start, end), this transaction's writes included (semantics: scan.ts). */
  scan(options: ScanOptions = {}): IterableIterator<KeyValue> {
    return this.reads.scan(options);
  }

  /** Keys in [start, end), without reading values. */
  keys(options: ScanOptions = {}): IterableIterator<Uint8Array> {
    return this.reads.keys(options);
  }

  first(): KeyValue | undefined {
    return this.reads.first();
  }

  last(): KeyValue | undefined {
    return this.reads.last();
  }

  /** The entry with the smallest key >= `key`. */
  firstAtOrAfter(key: Uint8Array): KeyValue | undefined {
    return this.reads.firstAtOrAfter(key);
  }

  /** The entry with the largest key < `key`. */
  lastBefore(key: Uint8Array): KeyValue | undefined {
    return this.reads.lastBefore(key);
  }

  /** The smallest key in [start, end), or undefined when none is (e.g. "does a hash exist"). */
  firstKeyIn(start: Uint8Array, end: Uint8Array): Uint8Array | undefined {
    return this.reads.firstKeyIn(start, end);
  }

  put(key: Uint8Array, value: Uint8Array): void {
    this.checkOpen();
    if (key.length > this.core.keyBytesMax) {
      throw new KeyTooLargeError(key.length, this.core.keyBytesMax);
    }
    if (value.length > this.core.valueBytesMax) {
      throw new ValueTooLargeError(value.length, this.core.valueBytesMax);
    }
    this.epoch++;
    this.guard(() => this.edit.put(key, value));
  }

  delete(key: Uint8Array): boolean {
    this.checkOpen();
    this.epoch++;
    return this.guard(() => this.edit.delete(key));
  }

  /** FLUSHALL: every key is gone in this transaction. */
  clear(): void {
    this.checkOpen();
    this.epoch++;
    this.guard(() => this.edit.clear());
  }

  /**
   * Bulk load into this transaction's tree, which must be empty (clear() first): add entries in
   * strictly ascending key order, then finish(). Far faster than puts for a sorted stream
   * (bulkLoad.ts). Nothing else may use the transaction until finish().
   */
  loadSorted(): SortedLoader {
    this.checkOpen();
    assert(this.edit.root === 0, 'bulk load into an empty tree: clear() first');
    this.epoch++;
    this.loading = true;
    return new SortedLoader(this.pages, {
      keyBytesMax: this.core.keyBytesMax,
      valueBytesMax: this.core.valueBytesMax,
      checkUsable: () => {
        assert(!this.finished, 'bulk load into an open transaction');
        assert(this.failure === undefined, 'operation on a failed transaction: abort it');
      },
      failed: (error) => {
        this.failure = error;
      },
      done: (root, keyCount) => {
        this.edit.root = root;
        this.edit.keyCount = keyCount;
        this.loading = false;
      },
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
        keyCount: this.edit.keyCount,
        root: this.edit.root,
        pagesHighWater: 0, // filled in by the core after allocating the meta page
      },
      [...this.pages.freedPublished, this.baseMetaPage],
    );
  }

  /** The tree invariants of this transaction's uncommitted version (see invariants.ts). */
  checkInvariants(): void {
    this.checkOpen();
    assert(this.failure === undefined, 'invariants of a transaction whose operation failed');
    checkTree(this.core.arena.u8, this.edit.root, this.edit.keyCount, this.core.highWater);
  }

  /** Drop every change; pages this transaction allocated are free again at once. */
  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.core.abortTxn([...this.pages.dirty]);
  }

  private checkOpen(): void {
    assert(!this.finished, 'transaction is still open');
    assert(!this.loading, 'no other use of a transaction while a bulk load is running');
  }

  private checkReadable(): () => void {
    this.checkOpen();
    assert(this.failure === undefined, 'read of a transaction whose operation failed: abort it');
    const epoch = this.epoch;
    return () => {
      assert(!this.finished, 'iterator used after its transaction ended');
      if (this.epoch !== epoch) {
        assert(false, 'iterator used after a put, delete or clear in its transaction');
      }
    };
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
}

/**
 * A read view: a consistent snapshot of one committed version, usable from any thread. It pins
 * its version in a reader slot of the header page until `close()`, so the writer does not reuse
 * the pages it may read. Every result is copied out of the arena and then the slot is checked
 * (`guard`): if the writer reaped this view's slot (its lease expired), the copy may come from
 * a reused page, and the view throws ReaderExpiredError instead of returning it.
 */
import { assert } from '../codec/assert.js';
import { threadId } from 'node:worker_threads';
import type { Arena } from './arena.js';
import { Cursor, cellKeyCopy, cellValue, findCell } from './cursor.js';
import { ReaderExpiredError, TooManyReadersError } from './errors.js';
import {
  type Header,
  claimReaderSlot,
  isReaderLive,
  newReaderToken,
  pinPublished,
  READER_SLOTS_MAX,
  refreshLease,
  releaseReaderSlot,
} from './header.js';
import { checkTree } from './invariants.js';
import { readMeta } from './meta.js';
import { PAGE_SIZE_BYTES } from './page.js';

export interface ScanOptions {
  start?: Uint8Array;
  /** Exclusive. */
  end?: Uint8Array;
  limit?: number;
  reverse?: boolean;
}

export type KeyValue = [key: Uint8Array, value: Uint8Array];

/** Lease refreshes are rate-limited: at most one Date.now() per this many operations. */
const LEASE_CHECK_EVERY_OPS = 64;

export class ReadView {
  readonly version: number;
  readonly appliedIndex: number;
  readonly root: number;
  readonly pagesHighWater: number;
  private readonly keyCount: number;
  private readonly a: Uint8Array;
  private readonly token: bigint;
  private readonly slot: number;
  private readonly tokenLow: number;
  private readonly tokenHigh: number;
  private closed = false;
  private ops = 0;
  private leaseRefreshedMs: number;

  constructor(
    readonly arena: Arena,
    private readonly header: Header,
    private readonly leaseMs: number,
  ) {
    this.token = newReaderToken(threadId);
    this.leaseRefreshedMs = Date.now();
    this.slot = claimReaderSlot(header, this.token, this.leaseRefreshedMs);
    if (this.slot < 0) throw new TooManyReadersError(READER_SLOTS_MAX);
    const published = pinPublished(header, this.slot);
    if (published.metaPage >= arena.mappedPages) {
      arena.remapTo(arena.sab.byteLength / PAGE_SIZE_BYTES);
    }
    const meta = readMeta(arena, published.metaPage);
    assert(meta.version === published.version, 'pinned meta page is the pinned version');
    arena.remapTo(meta.pagesHighWater);
    this.tokenLow = Number(this.token & 0xffffffffn) | 0;
    this.tokenHigh = Number(this.token >> 32n) | 0;
    this.a = arena.u8;
    this.version = meta.version;
    this.appliedIndex = meta.appliedIndex;
    this.root = meta.root;
    this.pagesHighWater = meta.pagesHighWater;
    this.keyCount = meta.keyCount;
  }

  /** The arena bytes this view reads (covers every page of its version). */
  get bytes(): Uint8Array {
    return this.a;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.checkOpen();
    const cell = findCell(this.a, this.root, key);
    const value = cell < 0 ? undefined : cellValue(this.a, cell);
    this.guard();
    return value;
  }

  count(): number {
    this.checkOpen();
    return this.keyCount;
  }

  first(): KeyValue | undefined {
    return this.edge(false);
  }

  last(): KeyValue | undefined {
    return this.edge(true);
  }

  scan(options: ScanOptions = {}): IterableIterator<KeyValue> {
    this.checkOpen();
    return new ScanIterator(this, options);
  }

  /** The tree invariants of this view's version (see invariants.ts). */
  checkInvariants(): void {
    this.checkOpen();
    checkTree(this.a, this.root, this.keyCount, this.pagesHighWater);
    this.guard();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // A false result means the writer reaped the slot already; nothing left to release.
    releaseReaderSlot(this.header, this.slot, this.token);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  checkOpen(): void {
    assert(!this.closed, 'read view is open');
  }

  /** Call after copying data out: throws if the slot was reaped; refreshes the lease. */
  guard(): void {
    if (!isReaderLive(this.header, this.slot, this.tokenLow, this.tokenHigh)) {
      throw new ReaderExpiredError(this.version, 'its reader slot was reclaimed');
    }
    if (++this.ops % LEASE_CHECK_EVERY_OPS !== 0) return;
    const now = Date.now();
    if (now - this.leaseRefreshedMs < this.leaseMs / 4) return;
    this.leaseRefreshedMs = now;
    refreshLease(this.header, this.slot, now);
  }

  private edge(reverse: boolean): KeyValue | undefined {
    this.checkOpen();
    const cursor = new Cursor(this.a, this.root);
    cursor.seek(undefined, reverse);
    if (!cursor.valid) return undefined;
    const cell = cursor.cell();
    const entry: KeyValue = [cellKeyCopy(this.a, cell), cellValue(this.a, cell)];
    this.guard();
    return entry;
  }
}

class ScanIterator implements IterableIterator<KeyValue> {
  private readonly cursor: Cursor;
  private started = false;
  private emitted = 0;
  private readonly limit: number;

  constructor(
    private readonly view: ReadView,
    private readonly options: ScanOptions,
  ) {
    this.cursor = new Cursor(view.bytes, view.root);
    this.limit = options.limit ?? Infinity;
    assert(this.limit >= 0, 'scan limit is not negative');
  }

  [Symbol.iterator](): IterableIterator<KeyValue> {
    return this;
  }

  next(): IteratorResult<KeyValue> {
    this.view.checkOpen();
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
    const a = this.view.bytes;
    const cell = cursor.cell();
    const value: KeyValue = [cellKeyCopy(a, cell), cellValue(a, cell)];
    this.view.guard();
    this.emitted++;
    return { done: false, value };
  }

  private finish(): IteratorResult<KeyValue> {
    this.cursor.valid = false;
    return { done: true, value: undefined };
  }
}

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
import { cellValue, findCell } from './cursor.js';
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
import { type KeyValue, OrderedReads, type ScanOptions } from './scan.js';

export type { KeyValue, ScanOptions } from './scan.js';

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
  private readonly reads: OrderedReads;

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
    this.reads = new OrderedReads({
      bytes: () => this.a,
      root: () => this.root,
      checkReadable: () => {
        this.checkOpen();
        return () => this.checkOpen();
      },
      afterCopy: () => this.guard(),
    });
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
    return this.reads.first();
  }

  last(): KeyValue | undefined {
    return this.reads.last();
  }

  /** Entries in [start, end) (see scan.ts for the semantics). */
  scan(options: ScanOptions = {}): IterableIterator<KeyValue> {
    return this.reads.scan(options);
  }

  /** Keys in [start, end), without reading values. */
  keys(options: ScanOptions = {}): IterableIterator<Uint8Array> {
    return this.reads.keys(options);
  }

  /** The entry with the smallest key >= `key`. */
  firstAtOrAfter(key: Uint8Array): KeyValue | undefined {
    return this.reads.firstAtOrAfter(key);
  }

  /** The entry with the largest key < `key`. */
  lastBefore(key: Uint8Array): KeyValue | undefined {
    return this.reads.lastBefore(key);
  }

  /** The smallest key in [start, end), or undefined when none is. */
  firstKeyIn(start: Uint8Array, end: Uint8Array): Uint8Array | undefined {
    return this.reads.firstKeyIn(start, end);
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
}

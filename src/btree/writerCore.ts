/**
 * The writer's side of the arena: page allocation, the free list, and the commit point.
 * Exactly one WriterCore exists per tree, in the thread that created it.
 *
 * Commit order (bbolt's, minus fsync: the arena lives in memory and durability is the WAL's
 * job): 1. all new pages are written (plain stores) during the transaction; 2. a new meta page
 * names root, applied index, key count, version and page high-water; 3. one Atomics.store of
 * kPublished makes that meta current; 4. the pages the transaction replaced, and the old meta
 * page, become `pending` under the new version.
 */
import { assert } from '../codec/assert.js';
import { Arena } from './arena.js';
import { TreeFullError } from './errors.js';
import { FreeList } from './freelist.js';
import {
  type Header,
  headerWords,
  loadPublished,
  oldestPinnedVersion,
  reapReaderSlots,
  storePublished,
} from './header.js';
import { type Meta, readMeta, writeMeta } from './meta.js';
import { PAGE_SIZE_BYTES } from './page.js';

export interface WriterLimits {
  maxPages: number;
  chunkPages: number;
  keyBytesMax: number;
  valueBytesMax: number;
  readerLeaseMs: number;
}

export class WriterCore {
  readonly header: Header;
  readonly freeList = new FreeList();
  readonly scratch = new Uint8Array(PAGE_SIZE_BYTES);
  /** Pages ever allocated: ids below it exist in the arena. */
  highWater: number;
  txnOpen = false;
  readersReaped = 0;

  constructor(
    readonly arena: Arena,
    readonly limits: WriterLimits,
    highWater: number,
  ) {
    this.header = headerWords(arena.sab);
    this.highWater = highWater;
  }

  get keyBytesMax(): number {
    return this.limits.keyBytesMax;
  }
  get valueBytesMax(): number {
    return this.limits.valueBytesMax;
  }

  currentMeta(): { meta: Meta; metaPage: number } {
    const published = loadPublished(this.header);
    const meta = readMeta(this.arena, published.metaPage);
    assert(meta.version === published.version, 'published word and meta page agree');
    return { meta, metaPage: published.metaPage };
  }

  /** Start of a transaction: reap dead readers, then free what no reader can see. */
  beginTxn(): void {
    assert(!this.txnOpen, 'one write transaction at a time');
    this.txnOpen = true;
    this.reclaim();
  }

  reclaim(): void {
    this.readersReaped += reapReaderSlots(this.header, {
      nowMs: Date.now(),
      leaseMs: this.limits.readerLeaseMs,
    });
    this.freeList.release(oldestPinnedVersion(this.header));
  }

  allocatePage(): number {
    let id = this.freeList.allocate();
    if (id === undefined && this.freeList.pendingPages > 0) {
      this.freeList.release(oldestPinnedVersion(this.header));
      id = this.freeList.allocate();
    }
    if (id !== undefined) return id;
    if (this.highWater >= this.limits.maxPages) throw new TreeFullError(this.limits.maxPages);
    if (!this.arena.maybeGrow(this.highWater + 1, this.limits.chunkPages)) {
      throw new TreeFullError(this.limits.maxPages);
    }
    return this.highWater++;
  }

  freeNow(id: number): void {
    if (!(id > 0 && id < this.highWater)) assert(false, `freed page ${id} exists`);
    this.freeList.free.push(id);
  }

  commitTxn(meta: Meta, replaced: number[]): void {
    assert(this.txnOpen, 'commit inside a transaction');
    const metaPage = this.allocatePage();
    const complete: Meta = { ...meta, pagesHighWater: this.highWater };
    writeMeta(this.arena, metaPage, complete);
    storePublished(this.header, complete.version, metaPage);
    this.freeList.addPending(complete.version, replaced);
    this.txnOpen = false;
  }

  abortTxn(allocated: number[]): void {
    assert(this.txnOpen, 'abort inside a transaction');
    for (const id of allocated) this.freeNow(id);
    this.txnOpen = false;
  }
}

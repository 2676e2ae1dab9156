/**
 * BTree (the owner/writer side) and BTreeReader (a read-only attachment in another thread).
 *
 * Readers that vanish: every read view holds a slot in the header page's reader table with an
 * owner token (thread id + serial) and a lease timestamp it refreshes while it works. Two
 * mechanisms free the slot of a reader that will never close its view:
 *  - `releaseReaderSlotsOf(threadId)`: the cluster calls it when a worker exits (the 'exit'
 *    event), freeing that thread's slots at once;
 *  - the lease: at the start of every write transaction the writer reaps slots whose lease is
 *    older than `readerLeaseMs` (default 30 s). A live view that sat idle that long throws
 *    ReaderExpiredError on its next use instead of returning data from reused pages.
 */
import { assert } from '../codec/assert.js';
import { Arena, PAGES_LIMIT } from './arena.js';
import { BTreeOptionsError } from './errors.js';
import {
  type Header,
  activeReaderCount,
  HEADER_MAGIC,
  headerWords,
  kMagic,
  kMaxPages,
  kPageSizeBytes,
  loadPublished,
  oldestPinnedVersion,
  reapReaderSlots,
  storePublished,
} from './header.js';
import { checkTree } from './invariants.js';
import { writeMeta } from './meta.js';
import { DEPTH_MAX } from './cursor.js';
import { KEY_BYTES_LIMIT } from './keys.js';
import { cellAt, PAGE_SIZE_BYTES, PageType, u32 } from './page.js';
import { ReadView } from './readView.js';
import { WriteTxn } from './writeTxn.js';
import { WriterCore } from './writerCore.js';

export interface BTreeOptions {
  pageSizeBytes?: 4096;
  /** Pages added per growth step of the arena. */
  chunkPages?: number;
  /** Page cap (TreeFullError beyond it); at most 2^20 (the 4 GiB growable-SAB cap). */
  maxPages?: number;
  /** Longest key accepted (KeyTooLargeError beyond); 1 to KEY_BYTES_LIMIT. */
  keyBytesMax?: number;
  /** Views idle longer than this may be reaped by the writer. */
  readerLeaseMs?: number;
}

/** Structured-clonable: post it to a worker and `BTree.attach` it there. */
export interface BTreeHandle {
  sab: SharedArrayBuffer;
  pageSizeBytes: number;
  keyBytesMax: number;
  readerLeaseMs: number;
}

export interface BTreeStats {
  pagesTotal: number;
  pagesFree: number;
  pagesPending: number;
  pagesInUse: number;
  bytesAllocated: number;
  keyCount: number;
  /** Oldest version pinned by an open view, or null when none is open. */
  oldestReaderVersion: number | null;
  readersActive: number;
  readersReaped: number;
  version: number;
  appliedIndex: number;
  /** Levels from root to leaf (0 for an empty tree). */
  height: number;
}

/** Redis's own bulk-string cap; larger values go nowhere near a 4 GiB arena anyway. */
export const VALUE_BYTES_MAX = 512 * 1024 * 1024;
/**
 * Default longest key: room for the key-value layer's internal keys (a small prefix, a user key
 * of up to 64 KiB and a field or member of up to 64 KiB) with margin.
 */
export const KEY_BYTES_MAX_DEFAULT = 192 * 1024;

interface ValidOptions {
  chunkPages: number;
  maxPages: number;
  keyBytesMax: number;
  readerLeaseMs: number;
}

export function validateOptions(options: BTreeOptions): ValidOptions {
  const valid: ValidOptions = {
    chunkPages: options.chunkPages ?? 256,
    maxPages: options.maxPages ?? 262_144,
    keyBytesMax: options.keyBytesMax ?? KEY_BYTES_MAX_DEFAULT,
    readerLeaseMs: options.readerLeaseMs ?? 30_000,
  };
  const bad = (what: string): never => {
    throw new BTreeOptionsError(`invalid B+ tree option: ${what}`);
  };
  if ((options.pageSizeBytes ?? PAGE_SIZE_BYTES) !== PAGE_SIZE_BYTES) {
    bad(`pageSizeBytes ${options.pageSizeBytes} (only ${PAGE_SIZE_BYTES} is supported)`);
  }
  if (!Number.isInteger(valid.chunkPages) || valid.chunkPages < 1) {
    bad(`chunkPages ${valid.chunkPages} (a positive integer)`);
  }
  if (!Number.isInteger(valid.maxPages) || valid.maxPages < 4 || valid.maxPages > PAGES_LIMIT) {
    bad(`maxPages ${valid.maxPages} (an integer from 4 to ${PAGES_LIMIT})`);
  }
  const keyMax = valid.keyBytesMax;
  if (!Number.isInteger(keyMax) || keyMax < 1 || keyMax > KEY_BYTES_LIMIT) {
    bad(`keyBytesMax ${keyMax} (an integer from 1 to ${KEY_BYTES_LIMIT})`);
  }
  if (!(valid.readerLeaseMs > 0)) bad(`readerLeaseMs ${valid.readerLeaseMs} (positive)`);
  return valid;
}

export class BTree {
  private constructor(
    private readonly core: WriterCore,
    private readonly options: ValidOptions,
  ) {}

  static create(options: BTreeOptions = {}): BTree {
    const valid = validateOptions(options);
    const arena = Arena.create(Math.min(valid.chunkPages, valid.maxPages), valid.maxPages);
    arena.maybeGrow(2, valid.chunkPages);
    const header = headerWords(arena.sab);
    const { words } = header;
    // Page 0 is all header words (no page header): see header.ts.
    Atomics.store(words, kMagic, HEADER_MAGIC);
    Atomics.store(words, kPageSizeBytes, BigInt(PAGE_SIZE_BYTES));
    Atomics.store(words, kMaxPages, BigInt(valid.maxPages));
    writeMeta(arena, 1, { version: 1, appliedIndex: 0, keyCount: 0, root: 0, pagesHighWater: 2 });
    storePublished(header, 1, 1);
    const core = new WriterCore(
      arena,
      { ...valid, valueBytesMax: VALUE_BYTES_MAX },
      2,
    );
    return new BTree(core, valid);
  }

  /** Attach to a tree created in another thread (read-only). */
  static attach(handle: BTreeHandle): BTreeReader {
    return new BTreeReader(handle);
  }

  handle(): BTreeHandle {
    return {
      sab: this.core.arena.sab,
      pageSizeBytes: PAGE_SIZE_BYTES,
      keyBytesMax: this.options.keyBytesMax,
      readerLeaseMs: this.options.readerLeaseMs,
    };
  }

  get keyBytesMax(): number {
    return this.options.keyBytesMax;
  }

  /** Start the (single) write transaction. */
  write(): WriteTxn {
    this.core.beginTxn();
    const { meta, metaPage } = this.core.currentMeta();
    return new WriteTxn(this.core, meta, metaPage);
  }

  read(): ReadView {
    return new ReadView(this.core.arena, this.core.header, this.options.readerLeaseMs);
  }

  get appliedIndex(): number {
    return this.core.currentMeta().meta.appliedIndex;
  }

  get version(): number {
    return loadPublished(this.core.header).version;
  }

  /** Free the reader slots of a thread that exited; returns how many were freed. */
  releaseReaderSlotsOf(threadId: number): number {
    const reaped = reapReaderSlots(this.core.header, { threadId });
    this.core.readersReaped += reaped;
    return reaped;
  }

  stats(): BTreeStats {
    const { meta } = this.core.currentMeta();
    const free = this.core.freeList.free.length;
    const pending = this.core.freeList.pendingPages;
    const oldest = oldestPinnedVersion(this.core.header);
    return {
      pagesTotal: this.core.highWater,
      pagesFree: free,
      pagesPending: pending,
      pagesInUse: this.core.highWater - free - pending,
      bytesAllocated: this.core.arena.sab.byteLength,
      keyCount: meta.keyCount,
      oldestReaderVersion: oldest === Infinity ? null : oldest,
      readersActive: activeReaderCount(this.core.header),
      readersReaped: this.core.readersReaped,
      version: meta.version,
      appliedIndex: meta.appliedIndex,
      height: treeHeight(this.core.arena.u8, meta.root),
    };
  }

  /**
   * The current version's tree invariants, plus the writer's accounting: header, meta page,
   * tree pages, free and pending pages are pairwise disjoint and together are every page.
   */
  checkInvariants(): void {
    assert(!this.core.txnOpen, 'checkInvariants between transactions');
    const { meta, metaPage } = this.core.currentMeta();
    const a = this.core.arena.u8;
    const shape = checkTree(a, meta.root, meta.keyCount, this.core.highWater);
    const owned = new Set<number>(shape.reachable);
    const claim = (id: number, what: string): void => {
      assert(id > 0 && id < this.core.highWater, `${what} page ${id} exists`);
      assert(!owned.has(id), `${what} page ${id} is not also in the tree or another list`);
      owned.add(id);
    };
    claim(metaPage, 'meta');
    for (const id of this.core.freeList.pages()) claim(id, 'free/pending');
    assert(owned.size + 1 === this.core.highWater, 'every page is accounted for exactly once');
  }
}

export class BTreeReader {
  private readonly arena: Arena;
  private readonly header: Header;

  constructor(readonly handleValue: BTreeHandle) {
    assert(handleValue.sab instanceof SharedArrayBuffer, 'handle carries a SharedArrayBuffer');
    this.arena = new Arena(handleValue.sab);
    this.header = headerWords(handleValue.sab);
    assert(Atomics.load(this.header.words, kMagic) === HEADER_MAGIC, 'handle is a B+ tree arena');
    const pageSize = Number(Atomics.load(this.header.words, kPageSizeBytes));
    assert(pageSize === PAGE_SIZE_BYTES, 'arena page size matches this build');
  }

  read(): ReadView {
    return new ReadView(this.arena, this.header, this.handleValue.readerLeaseMs);
  }

  get appliedIndex(): number {
    const view = this.read();
    try {
      return view.appliedIndex;
    } finally {
      view.close();
    }
  }
}

function treeHeight(a: Uint8Array, root: number): number {
  let height = 0;
  for (let id = root; id !== 0 && height < DEPTH_MAX; height++) {
    const base = id * PAGE_SIZE_BYTES;
    id = a[base] === PageType.Branch ? u32(a, cellAt(a, base, 0) + 2) : 0;
  }
  return height;
}

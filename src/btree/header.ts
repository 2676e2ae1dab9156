/**
 * The header page (page 0): named 64-bit slots read and written only with Atomics, plus the
 * reader table. Layout in BigInt64 words:
 *
 *   kMagic          constant, checked by `attach` (a handle to some other buffer is a bug)
 *   kPublished      version * 2^20 + metaPage: THE commit point. One 64-bit word so a reader
 *                   gets the version and its meta page together (no ABA on the meta page id)
 *   kPageSizeBytes  4096, checked by `attach`
 *   kMaxPages       the arena's page cap, informational for readers
 *   kReaderSlotsBase..: readerSlotsMax slots of kReaderSlotWords words each:
 *     +0 owner      0 = free, else a token: (threadId + 1) * 2^32 + per-thread serial
 *     +1 version    the version this reader pinned
 *     +2 leaseMs    Date.now() of the reader's last sign of life
 *
 * Ordering. Atomics operations are sequentially consistent, so they form one total order that
 * every thread agrees on; plain page writes made before an Atomics.store are visible to a thread
 * whose Atomics.load observes that store (release/acquire pairing).
 *  1. Writer commit: write all new pages (plain stores), then Atomics.store(kPublished). A
 *     reader that loads the new kPublished therefore sees complete pages.
 *  2. Reader pin: claim a slot (CAS owner), store version v, then load kPublished AGAIN and
 *     retry if it changed. If the re-load still says v, the store of v precedes in the total
 *     order any later publish (v+1); the writer reads the reader table only after it has
 *     published v+1 (it scans at the start of the next transaction), so it sees v and will not
 *     reuse pages freed by v+1 — the only pages version v needs that a later version dropped.
 *  3. Reader release: Atomics.store(owner, 0) after the reader's last page read.
 *  4. Lease reaping: the writer CASes a stale owner token to 0; a reader checks its token
 *     (Atomics.load) after copying data out of pages and throws ReaderExpiredError if it was
 *     reaped, so data from a possibly reused page is never returned.
 */
import { assert } from '../codec/assert.js';
import { PAGE_SIZE_BYTES } from './page.js';

export const kMagic = 0;
export const kPublished = 1;
export const kPageSizeBytes = 2;
export const kMaxPages = 3;
export const kReaderSlotsBase = 8;
export const kReaderSlotWords = 4;
export const kReaderOwner = 0;
export const kReaderVersion = 1;
export const kReaderLeaseMs = 2;

export const HEADER_MAGIC = 0x48444254_52454531n; // "HDBTREE1"
export const READER_SLOTS_MAX = (PAGE_SIZE_BYTES / 8 - kReaderSlotsBase) / kReaderSlotWords;
const META_PAGE_BITS = 20n;
const META_PAGE_MASK = (1n << META_PAGE_BITS) - 1n;

assert(Number.isInteger(READER_SLOTS_MAX) && READER_SLOTS_MAX > 0, 'reader table fits page 0');

/** Views of page 0: 64-bit words, and the same memory as 32-bit halves (little-endian). */
export interface Header {
  words: BigInt64Array;
  /** Hot paths test owner words through their halves: a BigInt load allocates. */
  ints: Int32Array;
}

assert(new Uint8Array(new Uint16Array([1]).buffer)[0] === 1, 'the platform is little-endian');

export function headerWords(sab: SharedArrayBuffer): Header {
  return {
    words: new BigInt64Array(sab, 0, PAGE_SIZE_BYTES / 8),
    ints: new Int32Array(sab, 0, PAGE_SIZE_BYTES / 4),
  };
}

/** Owner word of `slot` is non-zero (two 32-bit loads, no allocation). */
function slotOwned(ints: Int32Array, slot: number): boolean {
  const w = 2 * slotWord(slot, kReaderOwner);
  return (Atomics.load(ints, w) | Atomics.load(ints, w + 1)) !== 0;
}

export interface Published {
  version: number;
  metaPage: number;
  word: bigint;
}

export function loadPublished(header: Header): Published {
  const word = Atomics.load(header.words, kPublished);
  return {
    version: Number(word >> META_PAGE_BITS),
    metaPage: Number(word & META_PAGE_MASK),
    word,
  };
}

export function storePublished(header: Header, version: number, metaPage: number): void {
  assert(metaPage > 0 && BigInt(metaPage) <= META_PAGE_MASK, 'meta page id fits the word');
  assert(Number.isSafeInteger(version) && version > 0, 'version is a positive integer');
  const word = (BigInt(version) << META_PAGE_BITS) | BigInt(metaPage);
  Atomics.store(header.words, kPublished, word);
}

function slotWord(slot: number, field: number): number {
  return kReaderSlotsBase + slot * kReaderSlotWords + field;
}

let tokenSerial = 0;
/** A token unique to one view: (threadId + 1) * 2^32 + serial (the serial is never 0). */
export function newReaderToken(threadId: number): bigint {
  tokenSerial = tokenSerial === 0xffffffff ? 1 : tokenSerial + 1;
  return (BigInt(threadId + 1) << 32n) | BigInt(tokenSerial);
}
export function tokenThreadId(token: bigint): number {
  return Number(token >> 32n) - 1;
}

/** Claim a free slot for `token`; -1 when the table is full. */
export function claimReaderSlot(header: Header, token: bigint, nowMs: number): number {
  const { words } = header;
  for (let slot = 0; slot < READER_SLOTS_MAX; slot++) {
    if (slotOwned(header.ints, slot)) continue;
    // Lease first, so the writer never reaps a slot for a stale lease while it is claimed.
    // Harmless on a free slot; a racing claimer stores an equally fresh lease.
    Atomics.store(words, slotWord(slot, kReaderLeaseMs), BigInt(nowMs));
    if (Atomics.compareExchange(words, slotWord(slot, kReaderOwner), 0n, token) === 0n) {
      return slot;
    }
  }
  return -1;
}

/** Pin the currently published version in `slot` (ordering rule 2 above). */
export function pinPublished(header: Header, slot: number): Published {
  for (;;) {
    const published = loadPublished(header);
    Atomics.store(header.words, slotWord(slot, kReaderVersion), BigInt(published.version));
    if (Atomics.load(header.words, kPublished) === published.word) return published;
  }
}

export function releaseReaderSlot(header: Header, slot: number, token: bigint): boolean {
  const owner = slotWord(slot, kReaderOwner);
  return Atomics.compareExchange(header.words, owner, token, 0n) === token;
}

/**
 * Does `slot` still hold `token`? Compared as two 32-bit halves (no BigInt allocation on the
 * per-read path). Halves read at different times cannot fake a match: only this thread ever
 * stores this token, and it is busy running this check.
 */
export function isReaderLive(header: Header, slot: number, tokenLow: number, tokenHigh: number) {
  const w = 2 * slotWord(slot, kReaderOwner);
  const low = Atomics.load(header.ints, w);
  return low === tokenLow && Atomics.load(header.ints, w + 1) === tokenHigh;
}

export function refreshLease(header: Header, slot: number, nowMs: number): void {
  Atomics.store(header.words, slotWord(slot, kReaderLeaseMs), BigInt(nowMs));
}

/** Smallest pinned version, or Infinity when no reader holds a view. */
export function oldestPinnedVersion(header: Header): number {
  let oldest = Infinity;
  for (let slot = 0; slot < READER_SLOTS_MAX; slot++) {
    if (!slotOwned(header.ints, slot)) continue;
    const version = Number(Atomics.load(header.words, slotWord(slot, kReaderVersion)));
    if (version < oldest) oldest = version;
  }
  return oldest;
}

export function activeReaderCount(header: Header): number {
  let n = 0;
  for (let slot = 0; slot < READER_SLOTS_MAX; slot++) if (slotOwned(header.ints, slot)) n++;
  return n;
}

/** Free slots whose lease is older than `leaseMs`, or owned by `threadId` when given. */
export function reapReaderSlots(
  header: Header,
  match: { nowMs: number; leaseMs: number } | { threadId: number },
): number {
  const { words } = header;
  let reaped = 0;
  for (let slot = 0; slot < READER_SLOTS_MAX; slot++) {
    if (!slotOwned(header.ints, slot)) continue;
    const owner = Atomics.load(words, slotWord(slot, kReaderOwner));
    let dead: boolean;
    if ('threadId' in match) dead = tokenThreadId(owner) === match.threadId;
    else {
      const lease = Number(Atomics.load(words, slotWord(slot, kReaderLeaseMs)));
      dead = match.nowMs - lease > match.leaseMs;
    }
    const ownerWord = slotWord(slot, kReaderOwner);
    if (dead && Atomics.compareExchange(words, ownerWord, owner, 0n) === owner) reaped++;
  }
  return reaped;
}

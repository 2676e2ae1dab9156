/**
 * The search's memory: which operations are linearized (a bitset with a cheap hash), and which
 * (linearized set, model state) pairs were already explored (Lowe's memoisation).
 */
import { assert } from '../codec/assert.js';

/** Bookkeeping bytes per memo entry beyond its bitset window (arrays, Map slot). */
const memoEntryOverheadBytes = 48;

export function mix32(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The set of linearized operations, as a bitset with two summaries kept up to date so the memo
 * can store only the interesting window of it: every word below `lo` is all ones (operations
 * invoked long ago are all linearized) and every word above `hi` is zero (operations not yet
 * reached). The window is about as wide as the concurrency, not the history. `hash` is the XOR
 * of a random word per member (Zobrist hashing), updated in O(1) per toggle.
 */
export class LinearizedSet {
  readonly bits: Uint32Array;
  private readonly zobrist: Uint32Array;
  private readonly fullWords: number;
  hash = 0;
  lo = 0;
  hi = -1;

  constructor(n: number) {
    const words = Math.max(1, Math.ceil(n / 32));
    this.bits = new Uint32Array(words);
    // Only whole words can be all ones; a partial last word stops `lo` for good.
    this.fullWords = Math.floor(n / 32);
    this.zobrist = new Uint32Array(n);
    for (let i = 0; i < n; i++) this.zobrist[i] = mix32(i * 2 + 1);
  }

  hashWith(op: number): number {
    return (this.hash ^ this.zobrist[op]!) >>> 0;
  }

  add(op: number): void {
    const w = op >>> 5;
    assert((this.bits[w]! & (1 << (op & 31))) === 0, 'adding a linearized operation');
    this.bits[w]! |= 1 << (op & 31);
    this.hash = this.hashWith(op);
    if (w > this.hi) this.hi = w;
    while (this.lo < this.fullWords && this.bits[this.lo] === 0xffffffff) this.lo++;
  }

  remove(op: number): void {
    const w = op >>> 5;
    assert((this.bits[w]! & (1 << (op & 31))) !== 0, 'removing an unlinearized operation');
    this.bits[w]! &= ~(1 << (op & 31));
    this.hash = this.hashWith(op);
    if (w < this.lo) this.lo = w;
    while (this.hi >= 0 && this.bits[this.hi] === 0) this.hi--;
  }
}

/**
 * The set of (linearized set, state) pairs already explored. Each entry stores the window
 * [lo, hi] of its bitset; with `lo` and `hi` canonical (see LinearizedSet) equal sets have
 * equal windows. Entries whose hashes collide are chained.
 */
export class Memo {
  private pool = new Uint32Array(1024);
  private poolUsedWords = 0;
  private readonly offsets: number[] = [];
  private readonly los: number[] = [];
  private readonly his: number[] = [];
  private readonly states: number[] = [];
  private readonly chain: number[] = [];
  private readonly heads = new Map<number, number>();
  private readonly memoBytesMax: number;

  constructor(memoBytesMax: number) {
    this.memoBytesMax = memoBytesMax;
  }

  get full(): boolean {
    return this.poolUsedWords * 4 + this.states.length * memoEntryOverheadBytes >
      this.memoBytesMax;
  }

  /** Adds (set, state) unless present; returns whether it was added. */
  insert(set: LinearizedSet, state: number): boolean {
    const key = (set.hash ^ mix32(state + 0x3c6ef372)) >>> 0;
    const head = this.heads.get(key) ?? -1;
    for (let at = head; at !== -1; at = this.chain[at]!) {
      if (this.states[at] === state && this.equalAt(at, set)) return false;
    }
    const length = set.hi - set.lo + 1;
    if (this.poolUsedWords + length > this.pool.length) {
      const grown = new Uint32Array(Math.max(this.pool.length * 2, this.poolUsedWords + length));
      grown.set(this.pool);
      this.pool = grown;
    }
    if (length > 0) {
      this.pool.set(set.bits.subarray(set.lo, set.hi + 1), this.poolUsedWords);
    }
    const index = this.states.length;
    this.offsets.push(this.poolUsedWords);
    this.poolUsedWords += Math.max(0, length);
    this.los.push(set.lo);
    this.his.push(set.hi);
    this.states.push(state);
    this.chain.push(head);
    this.heads.set(key, index);
    return true;
  }

  private equalAt(at: number, set: LinearizedSet): boolean {
    if (this.los[at] !== set.lo || this.his[at] !== set.hi) return false;
    const base = this.offsets[at]! - set.lo;
    for (let w = set.lo; w <= set.hi; w++) if (this.pool[base + w] !== set.bits[w]) return false;
    return true;
  }
}

/**
 * An in-memory KvStore over a Map keyed by the key's latin1 string (one char per byte, so the
 * mapping is exact and JS string order equals bytewise order). Used by tests and by the server's
 * MemoryBackend until the cluster exists. Values are copied in, so callers may reuse buffers.
 * It also offers ordered iteration (the B+ tree's job in the real node): the sorted key list is
 * rebuilt lazily after inserts or deletes.
 */
import { assert } from '../codec/assert.js';
import type { KvStore } from './store.js';

interface Item {
  key: Uint8Array;
  value: Uint8Array;
}

export function keyString(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
}

export class MemoryKvStore implements KvStore {
  private readonly items = new Map<string, Item>();
  /** Keys in bytewise order; null when an insert or delete made it stale. */
  private sorted: string[] | null = [];

  get(key: Uint8Array): Uint8Array | undefined {
    return this.items.get(keyString(key))?.value;
  }

  put(key: Uint8Array, value: Uint8Array): void {
    const name = keyString(key);
    const item = this.items.get(name);
    if (item !== undefined) {
      item.value = value.slice();
      return;
    }
    this.items.set(name, { key: key.slice(), value: value.slice() });
    this.sorted = null;
  }

  delete(key: Uint8Array): boolean {
    const removed = this.items.delete(keyString(key));
    if (removed) this.sorted = null;
    return removed;
  }

  clear(): void {
    this.items.clear();
    this.sorted = [];
  }

  count(): number {
    return this.items.size;
  }

  /**
   * Entries in bytewise key order within [start, end) (either bound may be absent), ascending
   * or descending, calling `visit` until it returns false.
   */
  forEachInRange(
    range: { start?: Uint8Array; end?: Uint8Array; reverse?: boolean },
    visit: (key: Uint8Array, value: Uint8Array) => boolean,
  ): void {
    const keys = this.sortedKeys();
    const lo = range.start === undefined ? 0 : lowerBound(keys, keyString(range.start));
    const hi = range.end === undefined ? keys.length : lowerBound(keys, keyString(range.end));
    if (range.reverse === true) {
      for (let i = hi - 1; i >= lo; i--) if (!this.visitAt(keys[i]!, visit)) return;
    } else {
      for (let i = lo; i < hi; i++) if (!this.visitAt(keys[i]!, visit)) return;
    }
  }

  private visitAt(name: string, visit: (key: Uint8Array, value: Uint8Array) => boolean): boolean {
    const item = this.items.get(name);
    assert(item !== undefined, 'sorted keys mirror the map');
    return visit(item.key, item.value);
  }

  private sortedKeys(): string[] {
    if (this.sorted === null) {
      this.sorted = [...this.items.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    }
    assert(this.sorted.length === this.items.size, 'sorted key list is complete');
    return this.sorted;
  }
}

/** First index whose key is >= name. */
function lowerBound(keys: string[], name: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < name) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

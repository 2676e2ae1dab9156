/**
 * How entries are measured for the byte bounds (message size, in-flight bytes, uncommitted
 * bytes, committed bytes per Ready). One place, so every bound counts the same way.
 */
import type { Entry } from '../codec/types.js';

/** Fixed per-entry overhead on the wire/WAL (term, index, type, length); an estimate. */
export const ENTRY_OVERHEAD_BYTES = 24;

/** The size of an entry in a message or on disk. */
export function entrySizeBytes(e: Entry): number {
  return e.data.byteLength + ENTRY_OVERHEAD_BYTES;
}

/** The payload alone: what the uncommitted-bytes bound counts (empty entries are free). */
export function payloadBytes(entries: readonly Entry[]): number {
  let total = 0;
  for (const e of entries) total += e.data.byteLength;
  return total;
}

export function entriesSizeBytes(entries: readonly Entry[]): number {
  let total = 0;
  for (const e of entries) total += entrySizeBytes(e);
  return total;
}

/**
 * The longest prefix of `entries` whose size is <= maxBytes, but always at least one entry
 * (a single entry larger than the bound must still make progress).
 */
export function limitSize(entries: Entry[], maxBytes: number): Entry[] {
  if (entries.length <= 1) return entries;
  let size = entrySizeBytes(entries[0]!);
  let count = 1;
  while (count < entries.length) {
    size += entrySizeBytes(entries[count]!);
    if (size > maxBytes) break;
    count++;
  }
  return count === entries.length ? entries : entries.slice(0, count);
}

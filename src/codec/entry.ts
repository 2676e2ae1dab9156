/**
 * Body layouts of Entry and HardState (no version header: these are nested in messages and
 * wrapped by the top-level functions in topLevel.ts).
 *
 *   Entry     = term u64 | index u64 | type u8 | data (u32 length | bytes)
 *   HardState = term u64 | vote u64 | commit u64
 */
import type { ByteReader } from './reader.js';
import type { ByteWriter } from './writer.js';
import { EntryType, type Entry, type HardState } from './types.js';
import { entryDataBytesMax } from './limits.js';

export const ENTRY_FIXED_BYTES = 8 + 8 + 1 + 4;
export const HARD_STATE_BYTES = 8 + 8 + 8;
export const ENTRY_TYPE_MAX = EntryType.ConfChange;

/** Encoded size of an entry's body: exact, not an estimate. */
export function entryBodyBytes(entry: Entry): number {
  return ENTRY_FIXED_BYTES + entry.data.length;
}

export function writeEntry(w: ByteWriter, entry: Entry): void {
  w.u64(entry.term, 'Entry.term');
  w.u64(entry.index, 'Entry.index');
  w.enumValue(entry.type, 'Entry.type', 'EntryType', ENTRY_TYPE_MAX);
  w.bytesField(entry.data, 'Entry.data', entryDataBytesMax);
}

export function readEntry(r: ByteReader): Entry {
  const term = r.u64('Entry.term');
  const index = r.u64('Entry.index');
  const type = r.enumValue('Entry.type', 'EntryType', ENTRY_TYPE_MAX) as EntryType;
  const data = r.bytesField('Entry.data', entryDataBytesMax);
  return { term, index, type, data };
}

export function writeHardState(w: ByteWriter, hs: HardState): void {
  w.u64(hs.term, 'HardState.term');
  w.u64(hs.vote, 'HardState.vote');
  w.u64(hs.commit, 'HardState.commit');
}

export function readHardState(r: ByteReader): HardState {
  const term = r.u64('HardState.term');
  const vote = r.u64('HardState.vote');
  const commit = r.u64('HardState.commit');
  return { term, vote, commit };
}

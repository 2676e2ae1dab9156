/**
 * Replays WAL records, in order, into the Raft state they describe.
 *
 * Rules (log-structured, nothing is ever rewritten in place):
 * - HardState: the latest one wins.
 * - SnapshotMarker: the latest one wins; entries at or below its index are dropped, and all
 *   entries when the marker says the snapshot replaced the log (installed from a leader).
 * - Entry at index i: "a later entry at index i replaces i.. onward". An entry at or below
 *   the last index truncates the log from i (the Raft conflict rule) and is appended; an entry
 *   at last+1 is appended. An entry after a gap starts a new run: legitimate only at the start
 *   of what releaseTo() left (the older segments are gone) or right after a snapshot marker;
 *   finish() checks that the surviving entries start right after the snapshot (or at 1).
 */
import { assert } from '../codec/assert.js';
import {
  CodecError, decodeEntry, decodeHardState, decodeSnapshotMetadata, encodeSnapshotMetadata,
} from '../codec/index.js';
import type { Entry, HardState, SnapshotMetadata } from '../codec/types.js';
import { RecordType } from './record.js';

export interface RecordPosition {
  file: string;
  offset: number;
}

export interface ReplayProblem extends RecordPosition {
  kind: 'undecodable' | 'missing-entries';
  reason: string;
}

export class LogReplay {
  hardState: HardState = { term: 0, vote: 0, commit: 0 };
  snapshot: SnapshotMetadata | null = null;
  /** Contiguous by index; all above the snapshot index. */
  entries: Entry[] = [];
  entryRecordCount = 0;
  hardStateRecordCount = 0;
  snapshotRecordCount = 0;
  /** Where the current run of entries started (to name it if finish() finds a gap). */
  private runStart: RecordPosition | null = null;

  /** Applies one valid record; returns a problem if its payload does not decode. */
  apply(type: RecordType, payload: Uint8Array, at: RecordPosition): ReplayProblem | null {
    try {
      switch (type) {
        case RecordType.HardState:
          this.hardState = decodeHardState(payload);
          this.hardStateRecordCount += 1;
          return null;
        case RecordType.Entry:
          this.applyEntry(decodeEntry(payload, { copyBytes: true }), at);
          this.entryRecordCount += 1;
          return null;
        case RecordType.SnapshotMarker:
          this.applySnapshot(decodeMarker(payload));
          this.snapshotRecordCount += 1;
          return null;
        case RecordType.SegmentHeader:
          assert(false, 'LogReplay: segment headers are consumed by the segment scan');
      }
    } catch (error) {
      if (!(error instanceof CodecError)) throw error;
      const reason = `record with a valid CRC does not decode: ${error.message}`;
      return { kind: 'undecodable', reason, ...at };
    }
  }

  /** Checks the surviving entries start right after the snapshot (or at index 1). */
  finish(): ReplayProblem | null {
    const first = this.entries[0];
    if (first === undefined) return null;
    const expected = (this.snapshot?.index ?? 0) + 1;
    if (first.index === expected) return null;
    assert(first.index > expected, 'LogReplay: entries at or below the snapshot were dropped');
    assert(this.runStart !== null, 'LogReplay: a run of entries has a start');
    return {
      kind: 'missing-entries',
      reason: `entries ${expected}..${first.index - 1} are missing (log resumes at ${first.index})`,
      ...this.runStart,
    };
  }

  lastIndex(): number {
    const last = this.entries[this.entries.length - 1];
    return last?.index ?? this.snapshot?.index ?? 0;
  }

  private applyEntry(entry: Entry, at: RecordPosition): void {
    const first = this.entries[0];
    if (first === undefined || entry.index < first.index || entry.index > this.lastIndex() + 1) {
      // Empty, truncated before the retained start, or a gap: a new run starts here.
      if (this.snapshot !== null && entry.index <= this.snapshot.index) return;
      this.entries = [entry];
      this.runStart = at;
      return;
    }
    this.entries.length = entry.index - first.index;
    this.entries.push(entry);
  }

  private applySnapshot({ meta, replacesLog }: Marker): void {
    if (this.snapshot !== null && meta.index < this.snapshot.index) return;
    this.snapshot = meta;
    if (replacesLog) {
      this.entries = [];
      return;
    }
    const keepFrom = this.entries.findIndex((e) => e.index > meta.index);
    this.entries = keepFrom < 0 ? [] : this.entries.slice(keepFrom);
  }
}

/** SnapshotMarker payload: `flags u8 | SnapshotMetadata (codec)`; flag bit 0 = replacesLog. */
export interface Marker {
  meta: SnapshotMetadata;
  replacesLog: boolean;
}

const replacesLogFlag = 1;

export function encodeMarker(meta: SnapshotMetadata, replacesLog: boolean): Uint8Array {
  const body = encodeSnapshotMetadata(meta);
  const payload = new Uint8Array(1 + body.length);
  payload[0] = replacesLog ? replacesLogFlag : 0;
  payload.set(body, 1);
  return payload;
}

/** Throws CodecError on a bad payload (the caller reports it as undecodable). */
export function decodeMarker(payload: Uint8Array): Marker {
  const flags = payload[0];
  if (flags === undefined || (flags & ~replacesLogFlag) !== 0) {
    throw new CodecError(`codec: bad SnapshotMarker.flags at offset 0: ${String(flags)}`,
      'SnapshotMarker.flags', 0);
  }
  return { meta: decodeSnapshotMetadata(payload.subarray(1)), replacesLog: flags !== 0 };
}

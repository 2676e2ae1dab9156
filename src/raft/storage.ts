/**
 * The log storage the Raft core reads from, and an in-memory implementation (etcd's
 * MemoryStorage). Raft only reads storage; the driver writes it (append the Ready's entries,
 * set its HardState, apply its snapshot) after persisting them, so storage always holds what
 * is durable. src/storage implements the same interface over the WAL.
 */
import { assert } from '../codec/assert.js';
import type { ConfState, Entry, HardState, LogIndex, Snapshot, Term } from '../codec/types.js';
import { EntryType } from '../codec/types.js';
import { limitSize } from './entrySize.js';
import { CompactedError, SnapshotOutOfDateError, UnavailableError } from './errors.js';

export interface RaftStorage {
  /** The persisted HardState and the ConfState of the latest snapshot (or bootstrap). */
  initialState(): { hardState: HardState; confState: ConfState };
  /**
   * Entries [lo, hi), at most maxBytes of them (but at least one when lo < hi). Throws
   * CompactedError when lo < firstIndex(), UnavailableError when hi > lastIndex() + 1.
   */
  entries(lo: LogIndex, hi: LogIndex, maxBytes: number): Entry[];
  /**
   * The term of entry i, for firstIndex()-1 <= i <= lastIndex() (firstIndex()-1 is the
   * snapshot's index and term). Throws CompactedError below, UnavailableError above.
   */
  term(i: LogIndex): Term;
  /** The index of the first entry available (snapshot index + 1). */
  firstIndex(): LogIndex;
  /** The index of the last entry (the snapshot index when the log is empty). */
  lastIndex(): LogIndex;
  /** The latest snapshot (may throw SnapshotTemporarilyUnavailableError). */
  snapshot(): Snapshot;
}

function copyConfState(cs: ConfState): ConfState {
  return { voters: [...cs.voters], learners: [...cs.learners] };
}

/**
 * Storage held in arrays. `ents[0]` is a dummy entry carrying the snapshot's index and term,
 * so term(snapshotIndex) works and `ents[i - offset]` is entry i.
 */
export class MemoryStorage implements RaftStorage {
  private hardState: HardState = { term: 0, vote: 0, commit: 0 };
  private snap: Snapshot;
  private ents: Entry[];

  /** `confState` is the bootstrap membership (the ConfState of the empty index-0 snapshot). */
  constructor(confState: ConfState = { voters: [], learners: [] }) {
    this.snap = {
      metadata: { index: 0, term: 0, confState: copyConfState(confState) },
      data: new Uint8Array(0),
    };
    this.ents = [dummyEntry(0, 0)];
  }

  initialState(): { hardState: HardState; confState: ConfState } {
    return {
      hardState: { ...this.hardState },
      confState: copyConfState(this.snap.metadata.confState),
    };
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  private offset(): LogIndex {
    return this.ents[0]!.index;
  }

  firstIndex(): LogIndex {
    return this.offset() + 1;
  }

  lastIndex(): LogIndex {
    return this.offset() + this.ents.length - 1;
  }

  entries(lo: LogIndex, hi: LogIndex, maxBytes: number): Entry[] {
    assert(lo <= hi, `MemoryStorage.entries: lo ${lo} > hi ${hi}`);
    const offset = this.offset();
    if (lo <= offset) throw new CompactedError(lo, offset + 1);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1, this.lastIndex());
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxBytes);
  }

  term(i: LogIndex): Term {
    const offset = this.offset();
    if (i < offset) throw new CompactedError(i, offset + 1);
    if (i > this.lastIndex()) throw new UnavailableError(i, this.lastIndex());
    return this.ents[i - offset]!.term;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the whole log with a (newer) snapshot received from the leader. */
  applySnapshot(snap: Snapshot): void {
    const index = snap.metadata.index;
    if (index <= this.snap.metadata.index) {
      throw new SnapshotOutOfDateError(index, this.snap.metadata.index);
    }
    this.snap = snap;
    this.ents = [dummyEntry(index, snap.metadata.term)];
  }

  /**
   * Records a snapshot of the state machine at `index` (<= lastIndex). Entries stay until
   * compact() is called, so slow followers can still be served from the log.
   */
  createSnapshot(index: LogIndex, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) {
      throw new SnapshotOutOfDateError(index, this.snap.metadata.index);
    }
    if (index > this.lastIndex()) throw new UnavailableError(index, this.lastIndex());
    const term = this.ents[index - this.offset()]!.term;
    this.snap = { metadata: { index, term, confState: copyConfState(confState) }, data };
    return this.snap;
  }

  /** Discards entries up to and including `compactIndex` (which must be <= lastIndex). */
  compact(compactIndex: LogIndex): void {
    const offset = this.offset();
    if (compactIndex <= offset) throw new CompactedError(compactIndex, offset + 1);
    if (compactIndex > this.lastIndex()) {
      throw new UnavailableError(compactIndex, this.lastIndex());
    }
    const i = compactIndex - offset;
    const kept = this.ents.slice(i + 1);
    this.ents = [dummyEntry(compactIndex, this.ents[i]!.term), ...kept];
  }

  /**
   * Appends entries that follow on (or overwrite a suffix of) the log. Entries at or below the
   * compaction point are ignored; a gap is a bug.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    for (let k = 1; k < entries.length; k++) {
      assert(entries[k]!.index === entries[k - 1]!.index + 1, 'appended entries not contiguous');
    }
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return;
    let ents = entries;
    if (first > ents[0]!.index) ents = ents.slice(first - ents[0]!.index);
    const at = ents[0]!.index - this.offset();
    assert(
      at <= this.ents.length,
      `MemoryStorage.append: missing log entries [last ${this.lastIndex()}, append at ` +
        `${ents[0]!.index}]`,
    );
    if (at < this.ents.length) this.ents.length = at;
    for (const e of ents) this.ents.push(e);
  }
}

function dummyEntry(index: LogIndex, term: Term): Entry {
  return { index, term, type: EntryType.Normal, data: new Uint8Array(0) };
}

/**
 * The Raft log as the core sees it: persisted entries in storage, the unstable tail on top,
 * and the commit and applied marks.
 *
 * Invariants: applied <= committed <= lastIndex(); firstIndex() - 1 <= committed.
 */
import { assert } from '../codec/assert.js';
import type { Entry, LogIndex, Snapshot, Term } from '../codec/types.js';
import { limitSize } from './entrySize.js';
import { CompactedError, UnavailableError } from './errors.js';
import { Unstable } from './logUnstable.js';
import type { RaftStorage } from './storage.js';

export class RaftLog {
  readonly storage: RaftStorage;
  readonly unstable: Unstable;
  /** The highest index known to be committed (on a quorum). */
  committed: LogIndex;
  /** The highest index handed to (and acknowledged by) the state machine. */
  applied: LogIndex;
  /** Bound of committed entry bytes in one Ready. */
  readonly maxCommittedSizePerReadyBytes: number;

  constructor(storage: RaftStorage, maxCommittedSizePerReadyBytes: number) {
    this.storage = storage;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
    this.maxCommittedSizePerReadyBytes = maxCommittedSizePerReadyBytes;
  }

  firstIndex(): LogIndex {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): LogIndex {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** The term of entry i, or undefined when i is compacted or beyond the log. */
  maybeTerm(i: LogIndex): Term | undefined {
    const dummy = this.firstIndex() - 1;
    if (i < dummy || i > this.lastIndex()) return undefined;
    const t = this.unstable.maybeTerm(i);
    if (t !== undefined) return t;
    try {
      return this.storage.term(i);
    } catch (e) {
      if (e instanceof CompactedError || e instanceof UnavailableError) return undefined;
      throw e;
    }
  }

  /** Term of i, 0 when unknown (etcd's zeroTermOnOutOfBounds). */
  termOrZero(i: LogIndex): Term {
    return this.maybeTerm(i) ?? 0;
  }

  lastTerm(): Term {
    const t = this.maybeTerm(this.lastIndex());
    assert(t !== undefined, `term of last index ${this.lastIndex()} unknown`);
    return t;
  }

  matchTerm(i: LogIndex, t: Term): boolean {
    return this.maybeTerm(i) === t;
  }

  /** Whether a candidate with last entry (index, term) is at least as up to date as us. */
  isUpToDate(index: LogIndex, term: Term): boolean {
    const lastTerm = this.lastTerm();
    return term > lastTerm || (term === lastTerm && index >= this.lastIndex());
  }

  /**
   * The follower's side of AppendEntries: if our entry at `index` has `logTerm`, append `ents`
   * (truncating a conflicting suffix), advance commit to min(committed, last new index) and
   * return the last new index; otherwise return undefined.
   */
  maybeAppend(
    index: LogIndex, logTerm: Term, committed: LogIndex, ents: Entry[]): LogIndex | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNewIndex = index + ents.length;
    const conflict = this.findConflict(ents);
    if (conflict !== 0) {
      assert(
        conflict > this.committed,
        `entry ${conflict} conflicts with committed entry (committed ${this.committed})`,
      );
      this.append(ents.slice(conflict - (index + 1)));
    }
    this.commitTo(Math.min(committed, lastNewIndex));
    return lastNewIndex;
  }

  /** Appends entries at lastIndex+1 or overwriting an uncommitted suffix; returns lastIndex. */
  append(ents: readonly Entry[]): LogIndex {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    assert(after >= this.committed,
      `append after ${after} would overwrite committed ${this.committed}`);
    assert(after <= this.lastIndex(),
      `append after ${after} leaves a gap (last ${this.lastIndex()})`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /** The index of the first entry whose term differs from ours (or is new), 0 if none. */
  findConflict(ents: readonly Entry[]): LogIndex {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with that term (0 when unknown).
   * A rejecting follower uses it to hint where the leader should probe next, skipping a
   * whole term of mismatched entries per round trip.
   */
  findConflictByTerm(index: LogIndex, term: Term): { index: LogIndex; term: Term } {
    for (let i = index; i > 0; i--) {
      const ourTerm = this.maybeTerm(i);
      if (ourTerm === undefined) return { index: i, term: 0 };
      if (ourTerm <= term) return { index: i, term: ourTerm };
    }
    return { index: 0, term: 0 };
  }

  commitTo(toCommit: LogIndex): void {
    if (toCommit <= this.committed) return;
    assert(
      toCommit <= this.lastIndex(),
      `commit ${toCommit} beyond last index ${this.lastIndex()}: was the log truncated?`,
    );
    this.committed = toCommit;
  }

  /** Commits maxIndex if its entry is of `term` (Raft §5.4.2: only current-term entries). */
  maybeCommit(maxIndex: LogIndex, term: Term): boolean {
    if (maxIndex > this.committed && this.termOrZero(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  appliedTo(i: LogIndex): void {
    if (i === 0) return;
    assert(i <= this.committed, `applied ${i} beyond committed ${this.committed}`);
    assert(i >= this.applied, `applied ${i} goes back from ${this.applied}`);
    this.applied = i;
  }

  /** Entries [lo, hi) of at most maxBytes (at least one). Throws CompactedError below first. */
  slice(lo: LogIndex, hi: LogIndex, maxBytes: number): Entry[] {
    assert(lo <= hi, `raftLog.slice lo ${lo} > hi ${hi}`);
    const first = this.firstIndex();
    if (lo < first) throw new CompactedError(lo, first);
    assert(hi <= this.lastIndex() + 1, `raftLog.slice hi ${hi} beyond last ${this.lastIndex()}`);
    if (lo === hi) return [];
    const offset = this.unstable.offset;
    let ents: Entry[] = [];
    if (lo < offset) {
      const storedHi = Math.min(hi, offset);
      ents = this.storage.entries(lo, storedHi, maxBytes);
      // Storage stopped early because of the size bound: do not look further.
      if (ents.length < storedHi - lo) return ents;
    }
    if (hi > offset) {
      const unstable = this.unstable.slice(Math.max(lo, offset), hi);
      ents = ents.length > 0 ? ents.concat(unstable) : unstable;
    }
    return limitSize(ents, maxBytes);
  }

  /** Entries from i to the end of the log, at most maxBytes. */
  entriesFrom(i: LogIndex, maxBytes: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxBytes);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Installs a snapshot from the leader: the whole log is replaced, commit jumps to it. */
  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  hasNextUnstableSnapshot(): boolean {
    return this.unstable.snapshot !== null;
  }

  hasNextUnstableEntries(): boolean {
    return this.unstable.entries.length > 0;
  }

  nextUnstableEntries(): Entry[] {
    return this.unstable.entries.slice();
  }

  /** The last index known to be persisted (a lower bound when a snapshot is pending). */
  lastPersistedIndex(): LogIndex {
    if (this.unstable.snapshot !== null) return 0;
    return Math.min(this.unstable.offset - 1, this.storage.lastIndex());
  }

  /**
   * Committed entries may be handed out before they are persisted locally because the driver
   * persists a Ready's entries before applying its committed entries. They wait while a
   * snapshot is pending: it must be applied first.
   */
  hasNextCommittedEntries(): boolean {
    if (this.hasNextUnstableSnapshot()) return false;
    return this.committed > this.applied;
  }

  nextCommittedEntries(): Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    const lo = Math.max(this.applied + 1, this.firstIndex());
    return this.slice(lo, this.committed + 1, this.maxCommittedSizePerReadyBytes);
  }

  checkInvariants(): void {
    assert(this.applied <= this.committed, `applied ${this.applied} > committed ${this.committed}`);
    assert(
      this.committed <= this.lastIndex(),
      `committed ${this.committed} > last index ${this.lastIndex()}`,
    );
    assert(
      this.committed >= this.firstIndex() - 1,
      `committed ${this.committed} below snapshot index ${this.firstIndex() - 1}`,
    );
    this.unstable.checkInvariants();
  }
}

/**
 * The tail of the log not yet persisted: entries (and possibly a snapshot received from the
 * leader) that the next Ready hands to the driver. Once the driver has persisted them and
 * called advance(), stableTo()/stableSnapTo() drop them here; they are then read from storage.
 *
 * Invariants: entries[k].index === offset + k; a snapshot, when present, is at offset - 1.
 */
import { assert } from '../codec/assert.js';
import type { Entry, LogIndex, Snapshot, Term } from '../codec/types.js';

export class Unstable {
  /** A snapshot from the leader, waiting to be persisted; null when none. */
  snapshot: Snapshot | null = null;
  /** Entries not yet persisted, starting at `offset`. */
  entries: Entry[] = [];
  /** The index of entries[0] (one past the last persisted entry). */
  offset: LogIndex;

  constructor(offset: LogIndex) {
    this.offset = offset;
  }

  /** The first index if a snapshot is pending (else storage decides). */
  maybeFirstIndex(): LogIndex | undefined {
    return this.snapshot === null ? undefined : this.snapshot.metadata.index + 1;
  }

  maybeLastIndex(): LogIndex | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot === null ? undefined : this.snapshot.metadata.index;
  }

  maybeTerm(i: LogIndex): Term | undefined {
    if (i < this.offset) {
      if (this.snapshot !== null && this.snapshot.metadata.index === i) {
        return this.snapshot.metadata.term;
      }
      return undefined;
    }
    const last = this.maybeLastIndex();
    if (last === undefined || i > last) return undefined;
    return this.entries[i - this.offset]!.term;
  }

  /**
   * Entries up to (i, t) were persisted. Ignored (returns false) when the entry at i is no
   * longer the one persisted (a newer leader overwrote it meanwhile) or is not unstable.
   */
  stableTo(i: LogIndex, t: Term): boolean {
    if (i < this.offset) return false;
    const term = this.maybeTerm(i);
    if (term !== t) return false;
    this.entries = this.entries.slice(i + 1 - this.offset);
    this.offset = i + 1;
    return true;
  }

  stableSnapTo(i: LogIndex): boolean {
    if (this.snapshot === null || this.snapshot.metadata.index !== i) return false;
    this.snapshot = null;
    return true;
  }

  restore(s: Snapshot): void {
    this.offset = s.metadata.index + 1;
    this.entries = [];
    this.snapshot = s;
  }

  /** Appends entries, first dropping any unstable suffix they overwrite. */
  truncateAndAppend(ents: readonly Entry[]): void {
    if (ents.length === 0) return;
    const fromIndex = ents[0]!.index;
    const end = this.offset + this.entries.length;
    if (fromIndex === end) {
      for (const e of ents) this.entries.push(e);
    } else if (fromIndex <= this.offset) {
      // The whole unstable tail (and part of storage) is replaced; storage's suffix is
      // overwritten when these entries are persisted.
      this.offset = fromIndex;
      this.entries = [...ents];
    } else {
      assert(fromIndex < end, `unstable append leaves a gap: ${fromIndex} > ${end}`);
      this.entries = this.entries.slice(0, fromIndex - this.offset);
      for (const e of ents) this.entries.push(e);
    }
  }

  /** Entries [lo, hi), which must lie within the unstable range. */
  slice(lo: LogIndex, hi: LogIndex): Entry[] {
    assert(lo <= hi, `unstable slice lo ${lo} > hi ${hi}`);
    const upper = this.offset + this.entries.length;
    assert(lo >= this.offset && hi <= upper,
      `unstable slice [${lo},${hi}) out of [${this.offset},${upper})`);
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }

  checkInvariants(): void {
    for (let k = 0; k < this.entries.length; k++) {
      assert(this.entries[k]!.index === this.offset + k, 'unstable entry index off its slot');
    }
    if (this.snapshot !== null) {
      assert(this.snapshot.metadata.index === this.offset - 1, 'unstable snapshot not at offset-1');
    }
  }
}

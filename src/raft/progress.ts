/**
 * A leader's view of one follower (etcd tracker/progress.go).
 *
 * - probe: the leader does not know where the follower's log matches; it sends one MsgApp at
 *   a time (then pauses until a response or heartbeat response) and walks `next` back.
 * - replicate: the follower is known to match up to `match`; the leader streams entries
 *   optimistically (next advances on send), bounded by the inflights window.
 * - snapshot: the follower needs a snapshot; nothing is sent until it reports back.
 *
 * Invariants: match < next; pendingSnapshot > 0 only in snapshot state.
 */
import { assert } from '../codec/assert.js';
import type { LogIndex } from '../codec/types.js';
import { Inflights } from './inflights.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  /** The highest index known to be replicated (persisted) on the follower. */
  match: LogIndex;
  /** The next index to send. */
  next: LogIndex;
  state: ProgressState = 'probe';
  /** In snapshot state: the index of the snapshot being sent. */
  pendingSnapshot: LogIndex = 0;
  /** Heard from since the last check-quorum round (a new member counts as active). */
  recentActive = false;
  /** In probe state: one MsgApp was sent, wait for an answer before sending another. */
  msgAppFlowPaused = false;
  readonly inflights: Inflights;
  isLearner: boolean;

  constructor(opts: {
    match: LogIndex; next: LogIndex; inflightsMax: number; inflightBytesMax: number;
    isLearner: boolean;
  }) {
    this.match = opts.match;
    this.next = opts.next;
    this.isLearner = opts.isLearner;
    this.inflights = new Inflights(opts.inflightsMax, opts.inflightBytesMax);
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      // After a snapshot the follower has at least the snapshot: probe right after it.
      const pending = this.pendingSnapshot;
      this.resetState('probe');
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: LogIndex): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
    this.next = Math.max(this.next, snapshotIndex + 1);
  }

  /** A MsgApp with `entryCount` entries (`bytes` of them) ending at next-1+entryCount left. */
  sentEntries(entryCount: number, bytes: number): void {
    if (this.state === 'replicate') {
      if (entryCount > 0) {
        this.next += entryCount;
        this.inflights.add(this.next - 1, bytes);
      }
    } else if (this.state === 'probe') {
      if (entryCount > 0) this.msgAppFlowPaused = true;
    } else {
      assert(false, `sentEntries in ${this.state} state`);
    }
  }

  /** The follower acknowledged `n`; returns whether match moved. */
  maybeUpdate(n: LogIndex): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.msgAppFlowPaused = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * The follower rejected a MsgApp whose previous index was `rejected`; `matchHint` is where it
   * suggests probing. Returns false for a stale rejection (nothing changes).
   */
  maybeDecrTo(rejected: LogIndex, matchHint: LogIndex): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /**
   * The follower's log is shorter than what it once acknowledged (its WAL was repaired after
   * losing a tail, docs/design.md "Recovery"): forget the old match so the leader re-sends from the
   * hint instead of ignoring every rejection as stale forever.
   */
  regressTo(matchHint: LogIndex): void {
    assert(matchHint < this.match, `regressTo ${matchHint} not below match ${this.match}`);
    this.match = matchHint;
    this.becomeProbe();
  }

  /** Whether sending to this follower is paused by flow control. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.msgAppFlowPaused;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
    }
  }

  checkInvariants(): void {
    assert(this.match < this.next, `progress match ${this.match} >= next ${this.next}`);
    assert(this.state === 'snapshot' || this.pendingSnapshot === 0,
      'pendingSnapshot outside snapshot state');
    if (this.state !== 'replicate') assert(
      this.inflights.count === 0, `inflights in ${this.state} state`);
    this.inflights.checkInvariants();
  }
}

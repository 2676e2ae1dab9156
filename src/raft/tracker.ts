/**
 * The membership (voters, learners), each member's Progress and the votes of the current
 * election (etcd tracker/tracker.go). Iteration is always in ascending id order so the core
 * stays deterministic.
 */
import { assert } from '../codec/assert.js';
import type { ConfState, LogIndex, NodeId } from '../codec/types.js';
import { Progress } from './progress.js';
import { committedIndex, voteResult, type VoteResult } from './quorum.js';

export class ProgressTracker {
  voters = new Set<NodeId>();
  learners = new Set<NodeId>();
  progress = new Map<NodeId, Progress>();
  votes = new Map<NodeId, boolean>();

  constructor(
    readonly inflightsMax: number,
    readonly inflightBytesMax: number,
  ) {}

  newProgress(next: LogIndex, isLearner: boolean): Progress {
    return new Progress({
      match: 0,
      next,
      inflightsMax: this.inflightsMax,
      inflightBytesMax: this.inflightBytesMax,
      isLearner,
    });
  }

  voterIds(): NodeId[] {
    return [...this.voters].sort((a, b) => a - b);
  }

  /** Every member, ascending. */
  ids(): NodeId[] {
    return [...this.progress.keys()].sort((a, b) => a - b);
  }

  visit(fn: (id: NodeId, pr: Progress) => void): void {
    for (const id of this.ids()) fn(id, this.progress.get(id)!);
  }

  /** The largest index replicated on a majority of voters. */
  committed(): LogIndex {
    return committedIndex(this.voterIds(), (id) => this.progress.get(id)?.match ?? 0);
  }

  /** Whether a majority of voters were recently active (`self` always counts). */
  quorumActive(self: NodeId): boolean {
    const votes = new Map<NodeId, boolean>();
    this.visit((id, pr) => {
      if (!pr.isLearner) votes.set(id, id === self || pr.recentActive);
    });
    return voteResult(this.voterIds(), votes) === 'won';
  }

  isSingleton(): boolean {
    return this.voters.size === 1;
  }

  resetVotes(): void {
    this.votes = new Map();
  }

  /** Records a vote; a voter's first answer in an election is the one that counts. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const id of this.voters) {
      const v = this.votes.get(id);
      if (v === true) granted++;
      else if (v === false) rejected++;
    }
    return { granted, rejected, result: voteResult(this.voterIds(), this.votes) };
  }

  confState(): ConfState {
    return {
      voters: this.voterIds(),
      learners: [...this.learners].sort((a, b) => a - b),
    };
  }

  checkInvariants(): void {
    for (const id of this.voters) {
      assert(!this.learners.has(id), `node ${id} is both voter and learner`);
      const pr = this.progress.get(id);
      assert(pr !== undefined && !pr.isLearner, `voter ${id} without voter progress`);
    }
    for (const id of this.learners) {
      const pr = this.progress.get(id);
      assert(pr !== undefined && pr.isLearner, `learner ${id} without learner progress`);
    }
    assert(
      this.progress.size === this.voters.size + this.learners.size,
      'progress map holds non-members',
    );
    for (const pr of this.progress.values()) pr.checkInvariants();
  }
}

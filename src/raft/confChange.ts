/**
 * Applying one single-server membership change to the tracker (etcd confchange.Changer.Simple,
 * without joint consensus). Changing one voter at a time keeps every old and new majority
 * overlapping, which is what makes single-server changes safe (Raft thesis §4.1).
 */
import { assert } from '../codec/assert.js';
import type { ConfChange, ConfState, LogIndex } from '../codec/types.js';
import { ConfChangeType } from '../codec/types.js';
import type { ProgressTracker } from './tracker.js';

/**
 * Why `cc` cannot be applied to the tracker's configuration, or null when it can. Every node
 * evaluates this on the same committed entry and configuration, so all agree.
 */
export function confChangeRefusal(tracker: ProgressTracker, cc: ConfChange): string | null {
  if (!Number.isSafeInteger(cc.nodeId) || cc.nodeId <= 0) return `invalid node id ${cc.nodeId}`;
  const isVoter = tracker.voters.has(cc.nodeId);
  switch (cc.type) {
    case ConfChangeType.AddNode:
    case ConfChangeType.AddLearner:
      break;
    case ConfChangeType.RemoveNode:
      if (isVoter && tracker.voters.size === 1)
        return `removing ${cc.nodeId} would remove all voters`;
      break;
    default:
      return `unknown conf change type ${String(cc.type)}`;
  }
  if (cc.type === ConfChangeType.AddLearner && isVoter && tracker.voters.size === 1) {
    return `demoting ${cc.nodeId} would remove all voters`;
  }
  return null;
}

/** Applies a change that confChangeRefusal() accepted. New members start in probe state. */
export function applyConfChange(
  tracker: ProgressTracker, cc: ConfChange, lastIndex: LogIndex): void {
  assert(confChangeRefusal(tracker, cc) === null, 'applying a refused conf change');
  const id = cc.nodeId;
  const pr = tracker.progress.get(id);
  switch (cc.type) {
    case ConfChangeType.AddNode:
      tracker.learners.delete(id);
      tracker.voters.add(id);
      if (pr === undefined) {
        const fresh = tracker.newProgress(Math.max(lastIndex, 1), false);
        // A new member counts as active so check-quorum does not immediately step down.
        fresh.recentActive = true;
        tracker.progress.set(id, fresh);
      } else {
        pr.isLearner = false;
      }
      break;
    case ConfChangeType.AddLearner:
      tracker.voters.delete(id);
      tracker.learners.add(id);
      if (pr === undefined) {
        const fresh = tracker.newProgress(Math.max(lastIndex, 1), true);
        fresh.recentActive = true;
        tracker.progress.set(id, fresh);
      } else {
        pr.isLearner = true;
      }
      break;
    case ConfChangeType.RemoveNode:
      tracker.voters.delete(id);
      tracker.learners.delete(id);
      tracker.progress.delete(id);
      break;
  }
}

/** Builds the tracker's membership from a ConfState (boot or snapshot). */
export function restoreConfState(
  tracker: ProgressTracker, cs: ConfState, lastIndex: LogIndex): void {
  tracker.voters = new Set();
  tracker.learners = new Set();
  tracker.progress = new Map();
  for (const id of cs.voters) {
    assert(Number.isSafeInteger(id) && id > 0, `ConfState voter id ${id} invalid`);
    tracker.voters.add(id);
    tracker.progress.set(id, tracker.newProgress(lastIndex + 1, false));
  }
  for (const id of cs.learners) {
    assert(!tracker.voters.has(id), `ConfState lists ${id} as voter and learner`);
    tracker.learners.add(id);
    tracker.progress.set(id, tracker.newProgress(lastIndex + 1, true));
  }
}

export function describeConfState(cs: ConfState): string {
  const learners = cs.learners.length > 0 ? ` learners=(${cs.learners.join(' ')})` : '';
  return `voters=(${cs.voters.join(' ')})${learners}`;
}

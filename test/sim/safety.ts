/**
 * The Raft safety properties (Raft paper, Figure 3), checked while the simulation runs:
 *
 * - election safety: at most one leader per term;
 * - state-machine safety: no two nodes apply different entries at one index (and two
 *   snapshots of one index hold the same state);
 * - leader completeness: a new leader's log holds every entry committed in earlier terms;
 * - log matching: two logs with an entry of the same index and term are identical up to it;
 * - the §5.4.2 commit rule, as an invariant: a leader only ever moves its commit index onto an
 *   entry of its own term.
 *
 * "Committed" is approximated from below by "applied by some node" (apply implies commit), so
 * every check is sound: a report is a real violation. A violation throws SimFailure naming the
 * check; the world turns it into the run's verdict.
 */
import type { LogIndex, NodeId, Term } from '../../src/codec/types.js';
import type { RaftStorage } from '../../src/raft/storage.js';
import { hashBytes } from './stateMachine.js';

export type CheckName =
  | 'election-safety'
  | 'state-machine-safety'
  | 'leader-completeness'
  | 'log-matching'
  | 'commit-rule'
  | 'linearizability'
  | 'liveness'
  | 'wal-recovery'
  | 'raft-invariant'
  | 'crash';

export class SimFailure extends Error {
  override name = 'SimFailure';
  constructor(
    readonly check: CheckName,
    detail: string,
  ) {
    super(`${check}: ${detail}`);
  }
}

interface AppliedRecord {
  term: Term;
  dataHash: number;
  nodeId: NodeId;
  /** The smallest current term of any node when it applied this entry (>= its commit term). */
  applyTermMin: Term;
}

export class SafetyMonitor {
  private readonly leaders = new Map<Term, NodeId>();
  private readonly applied = new Map<LogIndex, AppliedRecord>();
  private readonly snapshotDigests = new Map<LogIndex, { digest: number; nodeId: NodeId }>();
  checksRun = 0;

  /** A node reported itself leader in `term`. */
  onLeader(term: Term, nodeId: NodeId): void {
    const other = this.leaders.get(term);
    if (other !== undefined && other !== nodeId) {
      throw new SimFailure(
        'election-safety',
        `nodes ${other} and ${nodeId} were both leader in term ${term}`,
      );
    }
    this.leaders.set(term, nodeId);
  }

  /** Node `nodeId`, in `currentTerm`, applied entry (index, term, data). */
  onApply(nodeId: NodeId, currentTerm: Term, index: LogIndex, term: Term, data: Uint8Array): void {
    const dataHash = hashBytes(data);
    const seen = this.applied.get(index);
    if (seen === undefined) {
      this.applied.set(index, { term, dataHash, nodeId, applyTermMin: currentTerm });
      return;
    }
    if (seen.term !== term || seen.dataHash !== dataHash) {
      throw new SimFailure(
        'state-machine-safety',
        `index ${index}: node ${seen.nodeId} applied an entry of term ${seen.term} ` +
          `(data hash ${hex(seen.dataHash)}), node ${nodeId} one of term ${term} ` +
          `(data hash ${hex(dataHash)})`,
      );
    }
    if (currentTerm < seen.applyTermMin) seen.applyTermMin = currentTerm;
  }

  /** A node's state machine at `index` (a snapshot it created or installed). */
  onSnapshotState(nodeId: NodeId, index: LogIndex, digest: number): void {
    const seen = this.snapshotDigests.get(index);
    if (seen === undefined) {
      this.snapshotDigests.set(index, { digest, nodeId });
      return;
    }
    if (seen.digest !== digest) {
      throw new SimFailure(
        'state-machine-safety',
        `state at index ${index}: node ${seen.nodeId} has digest ${hex(seen.digest)}, ` +
          `node ${nodeId} has ${hex(digest)}`,
      );
    }
  }

  /** A leader moved its commit index to `commit`, whose entry has term `entryTerm`. */
  onLeaderCommit(nodeId: NodeId, term: Term, commit: LogIndex, entryTerm: Term | null): void {
    if (entryTerm !== null && entryTerm !== term) {
      throw new SimFailure(
        'commit-rule',
        `leader ${nodeId} of term ${term} committed index ${commit} whose entry is of term ` +
          `${entryTerm} (Raft §5.4.2: only entries of the current term commit by counting)`,
      );
    }
  }

  /** `nodeId` just became leader of `term`; `log` is its persisted log. */
  checkLeaderCompleteness(nodeId: NodeId, term: Term, log: RaftStorage): void {
    this.checksRun++;
    const first = log.firstIndex();
    const last = log.lastIndex();
    for (const [index, rec] of this.applied) {
      // Committed in a term before this one (see AppliedRecord.applyTermMin)?
      if (rec.applyTermMin >= term || index < first) continue;
      const have = index <= last ? log.term(index) : null;
      if (have !== rec.term) {
        throw new SimFailure(
          'leader-completeness',
          `node ${nodeId} became leader of term ${term} without the committed entry ` +
            `${index} (term ${rec.term}, applied by node ${rec.nodeId}); its log has ` +
            `${have === null ? `only [${first}, ${last}]` : `term ${have} there`}`,
        );
      }
    }
  }

  /** Log matching across the persisted logs of the given nodes. */
  checkLogMatching(logs: ReadonlyArray<{ nodeId: NodeId; log: RaftStorage }>): void {
    this.checksRun++;
    for (let a = 0; a < logs.length; a++) {
      for (let b = a + 1; b < logs.length; b++) matchPair(logs[a]!, logs[b]!);
    }
  }

  appliedCount(): number {
    return this.applied.size;
  }
}

function matchPair(
  x: { nodeId: NodeId; log: RaftStorage },
  y: { nodeId: NodeId; log: RaftStorage },
): void {
  const lo = Math.max(x.log.firstIndex(), y.log.firstIndex());
  const hi = Math.min(x.log.lastIndex(), y.log.lastIndex());
  if (lo > hi) return;
  // The highest index where both logs hold the same term: everything up to it must match.
  let top = 0;
  for (let i = hi; i >= lo; i--) {
    if (x.log.term(i) === y.log.term(i)) {
      top = i;
      break;
    }
  }
  if (top === 0) return;
  const ex = x.log.entries(lo, top + 1, Number.MAX_SAFE_INTEGER);
  const ey = y.log.entries(lo, top + 1, Number.MAX_SAFE_INTEGER);
  for (let k = 0; k < ex.length; k++) {
    const a = ex[k]!;
    const b = ey[k]!;
    if (a.term !== b.term || hashBytes(a.data) !== hashBytes(b.data)) {
      throw new SimFailure(
        'log-matching',
        `nodes ${x.nodeId} and ${y.nodeId} agree on index ${top} (term ` +
          `${x.log.term(top)}) but differ at index ${a.index}: term ${a.term} vs ${b.term}`,
      );
    }
  }
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

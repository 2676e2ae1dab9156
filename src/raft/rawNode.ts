/**
 * The driver's handle on the Raft core (etcd rawnode.go). The driver feeds it ticks and
 * messages, asks for a Ready, persists/sends/applies it in the documented order, then calls
 * advance(rd). Everything here is synchronous and deterministic.
 */
import { assert } from '../codec/assert.js';
import type { ConfChange, ConfState, HardState, Message, NodeId } from '../codec/types.js';
import { EntryType, MessageType, NONE, message } from '../codec/types.js';
import { validateConfig, type RaftConfig } from './config.js';
import { encodeConfChange } from './confChangeCodec.js';
import { ProposalDroppedError } from './errors.js';
import { Raft } from './raft.js';
import type { ProgressStatus, RaftStatus, Ready, SoftState } from './ready.js';

/** Message types that only the local driver may step (never accepted from the network). */
const LOCAL_TYPES = new Set<MessageType>([
  MessageType.Hup,
  MessageType.Beat,
  MessageType.Unreachable,
  MessageType.SnapStatus,
  MessageType.CheckQuorum,
]);

function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function softStateEqual(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role;
}

export class RawNode {
  private readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  /** The Ready handed out and not yet advanced; at most one at a time. */
  private outstanding: Ready | null = null;

  constructor(config: RaftConfig) {
    this.raft = new Raft(validateConfig(config));
    this.prevSoftState = this.raft.softState();
    this.prevHardState = this.raft.hardState();
  }

  /** Advances the logical clock by one tick (the driver calls it every tickMs). */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (pre-vote first when enabled). */
  campaign(): void {
    this.raft.step(message({ type: MessageType.Hup, from: this.raft.id }));
  }

  /** Proposes a command. Throws ProposalDroppedError if not accepted. */
  propose(data: Uint8Array): void {
    this.raft.step(
      message({
        type: MessageType.Prop,
        from: this.raft.id,
        entries: [{ term: 0, index: 0, type: EntryType.Normal, data }],
      }),
    );
  }

  /** Proposes several commands in one MsgProp (one append, one broadcast). */
  proposeBatch(datas: readonly Uint8Array[]): void {
    if (datas.length === 0) return;
    this.raft.step(
      message({
        type: MessageType.Prop,
        from: this.raft.id,
        entries: datas.map((data) => ({ term: 0, index: 0, type: EntryType.Normal, data })),
      }),
    );
  }

  /** Proposes a membership change; only one may be pending (unapplied) at a time. */
  proposeConfChange(cc: ConfChange): void {
    this.raft.step(
      message({
        type: MessageType.Prop,
        from: this.raft.id,
        entries: [{ term: 0, index: 0, type: EntryType.ConfChange, data: encodeConfChange(cc) }],
      }),
    );
  }

  /** Applies a committed conf change entry (decoded with decodeConfChange); returns the new config.
   * */
  applyConfChange(cc: ConfChange): ConfState {
    return this.raft.applyConfChange(cc);
  }

  /**
   * Steps a message from the network. Local-only types are ignored, as are responses from
   * nodes we track no progress for. A forwarded proposal this node cannot accept is dropped
   * (the proposer's client times out and retries), never thrown at the driver.
   */
  step(m: Message): void {
    if (LOCAL_TYPES.has(m.type)) return;
    try {
      this.raft.step(m);
    } catch (e) {
      if (e instanceof ProposalDroppedError) return;
      throw e;
    }
  }

  /**
   * Requests a linearizable read. The answer arrives as a ReadState with the same context in
   * a later Ready; serve the read once applied >= its index. Contexts must be unique among
   * pending requests. Throws ProposalDroppedError when no leader is known.
   */
  readIndex(ctx: Uint8Array): void {
    this.raft.step(message({ type: MessageType.ReadIndex, from: NONE, context: ctx }));
  }

  /** Asks the leader to hand leadership to `to` (works on any node; followers forward). */
  transferLeader(to: NodeId): void {
    this.raft.step(message({ type: MessageType.TransferLeader, from: to }));
  }

  /** The transport failed to reach `id`: the leader stops streaming to it optimistically. */
  reportUnreachable(id: NodeId): void {
    this.raft.step(message({ type: MessageType.Unreachable, from: id }));
  }

  /** Reports whether the snapshot sent to `id` was delivered (ok) or failed. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.step(message({ type: MessageType.SnapStatus, from: id, reject: !ok }));
  }

  /** Whether ready() has work. False while a Ready is outstanding (not yet advanced). */
  hasReady(): boolean {
    if (this.outstanding !== null) return false;
    const r = this.raft;
    if (!softStateEqual(r.softState(), this.prevSoftState)) return true;
    if (!hardStateEqual(r.hardState(), this.prevHardState)) return true;
    if (r.raftLog.hasNextUnstableSnapshot()) return true;
    if (r.msgs.length > 0 || r.readStates.length > 0) return true;
    return r.raftLog.hasNextUnstableEntries() || r.raftLog.hasNextCommittedEntries();
  }

  /** Takes the pending work. Calling it again before advance() is an assertion failure. */
  ready(): Ready {
    assert(this.outstanding === null,
      'ready() called again before advance() of the previous Ready');
    const r = this.raft;
    const soft = r.softState();
    const hard = r.hardState();
    const entries = r.raftLog.nextUnstableEntries();
    const hardChanged = !hardStateEqual(hard, this.prevHardState);
    const rd: Ready = {
      softState: softStateEqual(soft, this.prevSoftState) ? null : soft,
      hardState: hardChanged ? hard : null,
      readStates: r.readStates,
      entries,
      snapshot: r.raftLog.unstable.snapshot,
      committedEntries: r.raftLog.nextCommittedEntries(),
      messages: r.msgs,
      // Term and vote must be durable before we answer anyone; a commit index alone may be
      // lost (it is recomputed), so it does not force an fsync.
      mustSync:
        entries.length > 0 ||
        r.raftLog.unstable.snapshot !== null ||
        hard.term !== this.prevHardState.term ||
        hard.vote !== this.prevHardState.vote,
    };
    this.prevSoftState = soft;
    r.msgs = [];
    r.readStates = [];
    this.outstanding = rd;
    return rd;
  }

  /**
   * The driver has persisted rd's snapshot, HardState and entries, sent its messages and
   * applied its committed entries. Only now may the leader count its own log in the quorum.
   */
  advance(rd: Ready): void {
    assert(rd === this.outstanding, 'advance() with a Ready that is not the outstanding one');
    const r = this.raft;
    if (rd.hardState !== null) this.prevHardState = rd.hardState;
    if (rd.snapshot !== null) {
      r.stableSnapTo(rd.snapshot.metadata.index);
      // The driver applied the snapshot to the state machine.
      if (rd.snapshot.metadata.index > r.raftLog.applied) r.raftLog.appliedTo(
        rd.snapshot.metadata.index);
    }
    if (rd.committedEntries.length > 0) {
      const last = rd.committedEntries[rd.committedEntries.length - 1]!;
      if (last.index > r.raftLog.applied) r.raftLog.appliedTo(last.index);
      r.reduceUncommittedSize(rd.committedEntries);
    }
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1]!;
      r.stableTo(last.index, last.term);
    }
    this.outstanding = null;
  }

  status(): RaftStatus {
    const r = this.raft;
    let progress: Map<NodeId, ProgressStatus> | null = null;
    if (r.state === 'leader') {
      progress = new Map();
      for (const id of r.tracker.ids()) {
        const pr = r.tracker.progress.get(id)!;
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          recentActive: pr.recentActive,
          isLearner: pr.isLearner,
        });
      }
    }
    return {
      id: r.id,
      hardState: r.hardState(),
      softState: r.softState(),
      applied: r.raftLog.applied,
      lastIndex: r.raftLog.lastIndex(),
      firstIndex: r.raftLog.firstIndex(),
      progress,
      leadTransferee: r.leadTransferee,
      config: r.tracker.confState(),
    };
  }

  /** Asserts the core's invariants (tests and the simulation call it after every step). */
  checkInvariants(): void {
    this.raft.checkInvariants();
  }
}

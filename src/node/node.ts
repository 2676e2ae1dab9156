/**
 * One Raft node's driver: the Ready loop of DESIGN.md ("Persistence order"), run inside a
 * worker thread. Everything with I/O or time happens here; src/raft stays pure.
 *
 * For each Ready, in etcd's order:
 *   1. a snapshot (from the leader): snapshot file + fsync + WAL marker, then the state
 *      machine is rebuilt from it;
 *   2. HardState + new entries appended to the WAL with ONE fdatasync (group commit: every
 *      request that arrived while the previous fsync blocked this thread lands in this Ready);
 *   3. messages are sent — only now, so vote grants and append responses vouch for durable
 *      state (we do not use the leader's early-send allowance; see docs/node.md);
 *   4. committed entries are applied to the B+ tree in ONE write transaction, then the waiting
 *      clients are resolved (acknowledged only once committed AND applied);
 *   5. advance().
 */
import { assert } from '../codec/assert.js';
import {
  ConfChangeType, EntryType, MessageType, type ConfChange, type ConfState, type Entry,
    type Message, type NodeId,
} from '../codec/types.js';
import { decodeConfChange } from '../codec/index.js';
import { ProposalDroppedError } from '../raft/index.js';
import type { RawNode, Ready } from '../raft/index.js';
import type { BTree } from '../btree/index.js';
import type { DiskStorage } from '../storage/index.js';
import { applyKvOp, decodeKvOp, type KeyspaceEvent, type KvResult } from '../kv/index.js';
import { decodeProposal, encodeProposal } from './proposal.js';
import {
  NodeStoppedError, NotLeaderError, OutcomeUnknownError, OverloadedError, TryAgainError,
} from '../kv/index.js';
import { LatencyWindow } from './latency.js';
import type { MemberStatus, NodeRole, PeerAddress } from './control.js';
import {
  MemberBook, MembershipError, decodeSnapshotEnvelope, encodeSnapshotEnvelope, memberChangeRefusal,
} from './membership.js';

/** A membership change not applied within this time fails with an unknown outcome. */
const memberChangeTimeoutMs = 10_000;
/** How long proposeMember waits for the snapshot that must precede a node's addition. */
const snapshotWaitMs = 10_000;

interface PendingMemberChange {
  cc: ConfChange;
  resolve(index: number): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/** The leader's replication traffic, which may leave before its own fsync. */
const leaderEarlyTypes = new Set([MessageType.App, MessageType.Heartbeat, MessageType.Snap]);

export interface NodeLimits {
  /** Writes proposed by this node and not yet applied. */
  pendingWritesMax: number;
  /** Reads waiting for a ReadIndex round or for apply. */
  pendingReadsMax: number;
  /** A write not applied within this time fails with an unknown outcome. */
  writeTimeoutMs: number;
  /** A linearizable read not confirmed within this time fails (retryable). */
  readTimeoutMs: number;
}

export const defaultNodeLimits: NodeLimits = {
  pendingWritesMax: 16_384,
  pendingReadsMax: 16_384,
  writeTimeoutMs: 5_000,
  readTimeoutMs: 5_000,
};

export interface NodeHooks {
  /** Sends one batch of Raft messages to a peer (the transport). */
  send(to: NodeId, messages: Message[]): void;
  /** A line for the event log ("became leader at term 4"). */
  log(text: string): void;
  /**
   * Encodes a state-machine snapshot off this thread (piscina) from a read view opened when
   * the task starts; resolves with that view's applied index and the encoded bytes.
   */
  encodeSnapshot(tree: BTree): Promise<{ appliedIndex: number; data: Uint8Array }>;
  /** Rebuilds the state machine from a snapshot received from the leader. */
  restoreSnapshot(data: Uint8Array): BTree;
  /** Blocks for the configured slow-disk delay before each fsync (fault injection). */
  beforeSync(): void;
  /** The node can no longer continue (fsync failed): stop serving and exit. */
  fatal(error: Error): void;
  /** A monotonic clock (ms) for timeouts and latency. */
  nowMs(): number;
  /** The wall clock (ms since the epoch): stamped into each entry this node proposes as leader,
   * the only "now" apply knows (expiry). */
  wallClockMs(): number;
  /** A random u32 stamped into each proposed entry (the seed of SPOP and friends). */
  randomU32(): number;
  /** The membership or the members' addresses changed (applied change or snapshot). */
  membersChanged?(): void;
}

interface PendingWrite {
  resolve(result: KvResult): void;
  reject(error: Error): void;
  startedMs: number;
  timer: ReturnType<typeof setTimeout>;
}

interface PendingRead {
  resolve(): void;
  reject(error: Error): void;
  startedMs: number;
}

export class RaftNode {
  readonly id: NodeId;
  private tree: BTree;
  private role: NodeRole = 'follower';
  private leader: NodeId = 0;
  /** Term and vote as last handed to storage (for the leader's early-send rule). */
  private term = 0;
  private vote: NodeId = 0;
  private confState: ConfState;
  /** Membership changes since the last snapshot: (index applied at, membership after it). */
  private confHistory: { index: number; confState: ConfState }[];
  private snapshotInFlight = false;
  private snapshotIndex: number;
  /**
   * Take a snapshot once applied reaches this index, whatever snapshotEntries says: set when
   * a change adds a node, because a new node accepts only a snapshot whose membership
   * includes it (it cannot rebuild the membership from a log that starts after bootstrap).
   */
  private snapshotWantedIndex = 0;
  /** Peers a snapshot was just sent to; reported to Raft after the Ready (see runLoopPass). */
  private snapshotsSent: NodeId[] = [];
  /** Members' addresses and removed ids (src/node/membership.ts). */
  readonly members = new MemberBook();
  private pendingMember: PendingMemberChange | null = null;
  /**
   * Request sequence numbers start at the wall clock in microseconds, so they grow across
   * restarts: an entry this node proposed before a crash and applied after it can never be
   * mistaken for a new request.
   */
  private nextRequestSeq = Date.now() * 1000;
  private readonly writes = new Map<number, PendingWrite>();
  /** Proposals accepted by write() but not yet handed to Raft (done once per loop pass). */
  private proposeQueue: { seq: number; command: Uint8Array }[] = [];
  /** Reads waiting for the next ReadIndex round. */
  private readQueue: PendingRead[] = [];
  /** Reads whose ReadIndex round is in flight, by request context. */
  private readonly readRounds = new Map<number, { reads: PendingRead[]; startedMs: number }>();
  /** Reads confirmed at a read index, waiting for apply to reach it. */
  private readsAwaitingApply: { index: number; reads: PendingRead[] }[] = [];
  private nextReadCtx = 1;
  private scheduled = false;
  private paused = false;
  private stopped: Error | null = null;
  readonly latency = new LatencyWindow();
  /** Where the keyspace events of applied entries go (pub/sub: src/node/pubsubRelay.ts). */
  keyspaceEvents?: {
    readonly keyspaceEventsWanted: boolean;
    deliverKeyspaceEvents(events: KeyspaceEvent[]): void;
  };
  private readonly leaderListeners = new Set<(leader: NodeId) => void>();

  constructor(
    private readonly raft: RawNode,
    private readonly storage: DiskStorage,
    tree: BTree,
    private readonly hooks: NodeHooks,
    private readonly snapshotEntries: number,
    private readonly limits: NodeLimits = defaultNodeLimits,
  ) {
    this.id = raft.status().id;
    this.tree = tree;
    const initial = storage.initialState();
    this.confState = initial.confState;
    this.term = initial.hardState.term;
    this.vote = initial.hardState.vote;
    this.snapshotIndex = storage.snapshot().metadata.index;
    this.confHistory = [{ index: this.snapshotIndex, confState: this.confState }];
  }

  // ---- inputs ------------------------------------------------------------------------------

  tick(): void {
    if (this.paused || this.stopped) return;
    this.raft.tick();
    this.expireReadRounds();
    this.schedule();
  }

  receive(messages: Message[]): void {
    if (this.paused || this.stopped) return;
    // RawNode.step drops what it cannot accept (a forwarded proposal it refuses, a message of
    // a local type); anything it throws is a bug and crashes this worker (STYLE.md).
    for (const m of messages) this.raft.step(m);
    this.schedule();
  }

  /**
   * Proposes an encoded KvOp (src/kv/codec.ts, encoded once at the door); resolves with its
   * reply once it is committed and applied here.
   */
  write(command: Uint8Array): Promise<KvResult> {
    const refused = this.refuseWrite();
    if (refused) return Promise.reject(refused);
    return new Promise((resolve, reject) => {
      const seq = this.nextRequestSeq++;
      const timer = setTimeout(() => {
        if (this.writes.delete(seq)) {
          reject(new OutcomeUnknownError(
            `write not applied within ${this.limits.writeTimeoutMs} ms; it may or may not ` +
              'have taken effect (check the value before retrying)'));
        }
      }, this.limits.writeTimeoutMs);
      this.writes.set(seq, { resolve, reject, startedMs: this.hooks.nowMs(), timer });
      this.proposeQueue.push({ seq, command });
      this.schedule();
    });
  }

  private refuseWrite(): Error | null {
    if (this.stopped) return new NodeStoppedError(this.stopped.message);
    if (this.role !== 'leader') return new NotLeaderError(this.leader);
    if (this.writes.size >= this.limits.pendingWritesMax) {
      return new OverloadedError(
        `${this.writes.size} writes are pending on node ${this.id} (limit ` +
          `${this.limits.pendingWritesMax}); slow down and retry`);
    }
    return null;
  }

  /**
   * Resolves when this node's state machine reflects every write committed before the call
   * (ReadIndex): a read served after it is linearizable. Leader only; reads are batched into
   * one heartbeat round per loop pass.
   */
  readBarrier(): Promise<void> {
    if (this.stopped) return Promise.reject(new NodeStoppedError(this.stopped.message));
    if (this.role !== 'leader') return Promise.reject(new NotLeaderError(this.leader));
    if (this.pendingReadCount() >= this.limits.pendingReadsMax) {
      return Promise.reject(new OverloadedError(
        `${this.pendingReadCount()} linearizable reads are pending on node ${this.id}; retry`));
    }
    return new Promise((resolve, reject) => {
      this.readQueue.push({ resolve, reject, startedMs: this.hooks.nowMs() });
      this.schedule();
    });
  }

  private pendingReadCount(): number {
    let count = this.readQueue.length;
    for (const round of this.readRounds.values()) count += round.reads.length;
    for (const waiting of this.readsAwaitingApply) count += waiting.reads.length;
    return count;
  }

  // ---- the loop ----------------------------------------------------------------------------

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      try {
        this.runLoopPass();
      } catch (error) {
        this.stop(error as Error);
        this.hooks.fatal(error as Error);
      }
    });
  }

  private runLoopPass(): void {
    if (this.paused || this.stopped) return;
    this.flushProposals();
    this.flushReads();
    while (this.raft.hasReady()) {
      const rd = this.raft.ready();
      this.handleReady(rd);
      this.raft.advance(rd);
    }
    this.reportSnapshotsSent();
    this.maybeSnapshot();
  }

  /** Every write queued since the last pass goes into one append (RawNode.proposeBatch). */
  private flushProposals(): void {
    if (this.proposeQueue.length === 0) return;
    const queue = this.proposeQueue;
    this.proposeQueue = [];
    const timeMs = Math.floor(this.hooks.wallClockMs());
    const datas = queue.map(({ seq, command }) => encodeProposal({
      proposer: this.id, requestSeq: seq, timeMs, seed: this.hooks.randomU32(),
    }, command));
    try {
      this.raft.proposeBatch(datas);
    } catch (error) {
      // Only a refusal is expected (leadership lost, a transfer in progress): none entered the
      // log. Anything else is a bug and stops the node.
      if (!(error instanceof ProposalDroppedError)) throw error;
      const refusal = refusalOf(error);
      for (const { seq } of queue) this.failWrite(seq, refusal);
    }
  }

  /** One ReadIndex round carries every read queued since the last pass. */
  private flushReads(): void {
    if (this.readQueue.length === 0) return;
    const ctx = this.nextReadCtx++;
    const context = new Uint8Array(8);
    new DataView(context.buffer).setFloat64(0, ctx, true);
    try {
      this.raft.readIndex(context);
    } catch (error) {
      // Leadership moved between the read's arrival and this pass (a transfer, an election).
      if (!(error instanceof ProposalDroppedError)) throw error;
      const reads = this.readQueue;
      this.readQueue = [];
      const refusal = refusalOf(error);
      for (const read of reads) read.reject(refusal);
      return;
    }
    this.readRounds.set(ctx, { reads: this.readQueue, startedMs: this.hooks.nowMs() });
    this.readQueue = [];
  }

  private handleReady(rd: Ready): void {
    const termOrVoteChanged = rd.hardState !== null &&
      (rd.hardState.term !== this.term || rd.hardState.vote !== this.vote);
    if (rd.hardState !== null) {
      this.term = rd.hardState.term;
      this.vote = rd.hardState.vote;
    }
    if (rd.softState !== null) this.onSoftState(rd.softState.role, rd.softState.leader);
    if (rd.snapshot !== null) this.installSnapshot(rd);
    let messages = rd.messages;
    if (this.role === 'leader' && !termOrVoteChanged) {
      // A leader's appends vouch for nothing about its own disk: they may leave before its
      // fsync (Raft thesis §10.2.1), so the followers' fsyncs overlap the leader's. The
      // leader counts itself in the commit quorum only in advance(), after the fsync below.
      const early: Message[] = [];
      const late: Message[] = [];
      for (const m of messages) (leaderEarlyTypes.has(m.type) ? early : late).push(m);
      messages = late;
      this.sendMessages(early);
    }
    // Committed entries are durable on a quorum, and on a leader already on its own disk
    // (it counts itself only after its fsync), so they are applied and answered before this
    // Ready's new entries are synced: a reply never waits for an unrelated batch's fsync.
    if (rd.committedEntries.length > 0) this.apply(rd.committedEntries);
    if (rd.mustSync) {
      this.hooks.beforeSync();
      this.storage.save(rd.hardState, rd.entries);
    }
    // Votes and append responses vouch for what is now on disk: only after the fsync.
    this.sendMessages(messages);
    for (const rs of rd.readStates) this.onReadState(rs.index, rs.context);
    this.resolveAppliedReads();
  }

  private installSnapshot(rd: Ready): void {
    const snapshot = rd.snapshot!;
    this.storage.saveSnapshot(snapshot);
    const { book, tree } = decodeSnapshotEnvelope(snapshot.data);
    this.tree = this.hooks.restoreSnapshot(tree);
    if (book !== null) this.members.replace(book);
    this.hooks.membersChanged?.();
    this.snapshotIndex = snapshot.metadata.index;
    this.confState = snapshot.metadata.confState;
    this.confHistory = [{ index: this.snapshotIndex, confState: this.confState }];
    this.hooks.log(`installed snapshot at index ${this.snapshotIndex} from the leader`);
  }

  private sendMessages(messages: Message[]): void {
    if (messages.length === 0) return;
    const byPeer = new Map<NodeId, Message[]>();
    for (const m of messages) {
      if (m.type === MessageType.Snap) this.snapshotsSent.push(m.to);
      const list = byPeer.get(m.to);
      if (list === undefined) byPeer.set(m.to, [m]);
      else list.push(m);
    }
    for (const [to, list] of byPeer) this.hooks.send(to, list);
  }

  private onSoftState(role: NodeRole, leader: NodeId): void {
    const wasLeader = this.role === 'leader';
    if (role !== this.role) this.hooks.log(describeRoleChange(role, leader, this.term));
    else if (leader !== this.leader && leader !== 0) this.hooks.log(`node ${leader} is the leader`);
    const leaderChanged = leader !== this.leader;
    this.role = role;
    this.leader = leader;
    if (wasLeader && role !== 'leader') this.failAllPending();
    if (leaderChanged) for (const listener of this.leaderListeners) listener(leader);
  }

  /** Calls `listener` with the new leader (0: none known) each time it changes. */
  onLeaderChange(listener: (leader: NodeId) => void): () => void {
    this.leaderListeners.add(listener);
    return () => this.leaderListeners.delete(listener);
  }

  /** Leadership was lost: writes in flight may still commit under the new leader, or not. */
  private failAllPending(): void {
    for (const [seq] of this.writes) {
      this.failWrite(seq, new OutcomeUnknownError(
        'leadership changed before the write was applied; it may or may not have taken ' +
          'effect (check the value before retrying)'));
    }
    const reads = [...this.readQueue, ...[...this.readRounds.values()].flatMap((r) => r.reads),
      ...this.readsAwaitingApply.flatMap((w) => w.reads)];
    this.readQueue = [];
    this.readRounds.clear();
    this.readsAwaitingApply = [];
    const error = new TryAgainError('leadership changed during a linearizable read; retry');
    for (const read of reads) read.reject(error);
    this.failPendingMember(new OutcomeUnknownError('leadership changed before the membership ' +
      'change was applied; it may still take effect: check HARMONY STATUS before retrying'));
  }

  private failWrite(seq: number, error: Error): void {
    const pending = this.writes.get(seq);
    if (pending === undefined) return;
    this.writes.delete(seq);
    clearTimeout(pending.timer);
    pending.reject(error);
  }

  private apply(entries: Entry[]): void {
    const txn = this.tree.write();
    const done: [number, KvResult][] = [];
    let lastIndex = 0;
    const events: KeyspaceEvent[] | undefined =
      this.keyspaceEvents?.keyspaceEventsWanted === true ? [] : undefined;
    const notify = events && ((event: KeyspaceEvent) => { events.push(event); });
    for (const entry of entries) {
      lastIndex = entry.index;
      if (entry.type === EntryType.ConfChange) {
        this.applyConfChange(entry);
        continue;
      }
      if (entry.data.length === 0) continue; // the leader's empty entry of a new term
      const { header, command } = decodeProposal(entry.data);
      const result = applyKvOp(txn, decodeKvOp(command), {
        index: entry.index, timeMs: header.timeMs, seed: header.seed, ...(notify && { notify }),
      });
      if (header.proposer === this.id) done.push([header.requestSeq, result]);
    }
    txn.setAppliedIndex(lastIndex);
    txn.commit();
    // After the commit, so a subscriber that reads the key sees the change it was told of.
    if (events !== undefined && events.length > 0) {
      this.keyspaceEvents!.deliverKeyspaceEvents(events);
    }
    const now = this.hooks.nowMs();
    for (const [seq, result] of done) {
      const pending = this.writes.get(seq);
      if (pending === undefined) continue; // timed out, or proposed before a restart
      this.writes.delete(seq);
      clearTimeout(pending.timer);
      this.latency.record(now, now - pending.startedMs);
      pending.resolve(result);
    }
  }

  private applyConfChange(entry: Entry): void {
    const cc = decodeConfChange(entry.data);
    const wasMember = this.confState.voters.includes(cc.nodeId) ||
      this.confState.learners.includes(cc.nodeId);
    this.confState = this.raft.applyConfChange(cc);
    this.confHistory.push({ index: entry.index, confState: this.confState });
    this.members.apply(cc);
    this.hooks.membersChanged?.();
    if (cc.type !== ConfChangeType.RemoveNode && !wasMember) this.snapshotWantedIndex = entry.index;
    const pending = this.pendingMember;
    if (pending !== null && pending.cc.type === cc.type && pending.cc.nodeId === cc.nodeId) {
      this.pendingMember = null;
      clearTimeout(pending.timer);
      pending.resolve(entry.index);
    }
    this.hooks.log(`membership change at index ${entry.index}: ${ConfChangeType[cc.type]} ` +
      `node ${cc.nodeId}; voters [${this.confState.voters.join(',')}], learners ` +
      `[${this.confState.learners.join(',')}]`);
  }

  private onReadState(index: number, context: Uint8Array): void {
    assert(context.length === 8, 'read context is 8 bytes');
    const ctx = new DataView(context.buffer, context.byteOffset, 8).getFloat64(0, true);
    const round = this.readRounds.get(ctx);
    if (round === undefined) return; // expired
    this.readRounds.delete(ctx);
    // Rounds resolve in order of their contexts; an older unanswered round is confirmed too.
    for (const [older, earlier] of this.readRounds) {
      if (older < ctx) {
        this.readRounds.delete(older);
        this.readsAwaitingApply.push({ index, reads: earlier.reads });
      }
    }
    this.readsAwaitingApply.push({ index, reads: round.reads });
  }

  private resolveAppliedReads(): void {
    if (this.readsAwaitingApply.length === 0) return;
    const applied = this.tree.appliedIndex;
    const still: typeof this.readsAwaitingApply = [];
    const now = this.hooks.nowMs();
    for (const waiting of this.readsAwaitingApply) {
      if (waiting.index > applied) {
        still.push(waiting);
        continue;
      }
      for (const read of waiting.reads) {
        this.latency.record(now, now - read.startedMs);
        read.resolve();
      }
    }
    this.readsAwaitingApply = still;
  }

  private expireReadRounds(): void {
    const now = this.hooks.nowMs();
    for (const [ctx, round] of this.readRounds) {
      if (now - round.startedMs < this.limits.readTimeoutMs) continue;
      this.readRounds.delete(ctx);
      const error = new TryAgainError(
        `leadership not confirmed within ${this.limits.readTimeoutMs} ms (no quorum?); retry`);
      for (const read of round.reads) read.reject(error);
    }
  }

  /**
   * Starts a snapshot once `snapshotEntries` entries were applied since the last one. The
   * encoding runs off this thread while writes continue; one at a time.
   */
  private maybeSnapshot(): void {
    if (this.snapshotInFlight || this.stopped) return;
    const applied = this.tree.appliedIndex;
    const wanted = this.snapshotWantedIndex > this.snapshotIndex &&
      applied >= this.snapshotWantedIndex;
    if (!wanted && applied - this.snapshotIndex < this.snapshotEntries) return;
    this.snapshotInFlight = true;
    this.hooks.encodeSnapshot(this.tree).then(
      ({ appliedIndex, data }) => {
        this.snapshotInFlight = false;
        if (this.stopped || appliedIndex <= this.snapshotIndex) return;
        try {
          this.saveSnapshot(appliedIndex, data);
        } catch (error) {
          this.stop(error as Error);
          this.hooks.fatal(error as Error);
        }
      },
      (error: Error) => {
        this.snapshotInFlight = false;
        this.hooks.log(`snapshot encoding failed: ${error.message}; will retry`);
      });
  }

  private saveSnapshot(index: number, data: Uint8Array): void {
    // Commit-only HardState changes are not synced (mustSync is false for them), so storage's
    // commit may lag what was applied; a snapshot must not be above the durable commit.
    // A follower's commit may run ahead of what its own WAL holds (entries stepped since the
    // last pass are not written yet); the durable commit never exceeds the durable log.
    const hardState = this.raft.status().hardState;
    this.storage.save(
      { ...hardState, commit: Math.min(hardState.commit, this.storage.lastIndex()) }, []);
    const confState = this.confStateAt(index);
    const envelope = encodeSnapshotEnvelope(this.members.stateFor(confState), data);
    this.storage.createSnapshot(index, confState, envelope);
    this.storage.compact(index);
    this.snapshotIndex = index;
    this.confHistory = [{ index, confState }, ...this.confHistory.filter((c) => c.index > index)];
    this.hooks.log(`took a snapshot at index ${index} (${data.length} bytes); WAL compacted`);
  }

  /** The membership in force after applying `index`. */
  private confStateAt(index: number): ConfState {
    let found = this.confHistory[0]!;
    for (const c of this.confHistory) if (c.index <= index) found = c;
    assert(found.index <= index, `membership known at index ${index}`);
    return found.confState;
  }

  /**
   * A snapshot that was sent is reported delivered right away (etcd's transport reports after
   * the stream is written): the leader then probes from the snapshot's index. Without this, a
   * snapshot that was lost or refused (a new node refuses one whose membership lacks it) would
   * leave the follower in snapshot state forever.
   */
  private reportSnapshotsSent(): void {
    if (this.snapshotsSent.length === 0) return;
    const peers = this.snapshotsSent;
    this.snapshotsSent = [];
    for (const to of peers) this.raft.reportSnapshot(to, true);
    this.schedule();
  }

  // ---- membership ----------------------------------------------------------------------------

  /**
   * Leader only: proposes one membership change and resolves with its index once applied here.
   * A node is added only after a snapshot exists: otherwise the leader would replicate to it
   * from index 1, and a node whose log starts there never learns the bootstrap membership.
   */
  async proposeMember(cc: ConfChange): Promise<number> {
    this.checkMemberChange(cc);
    if (cc.type !== ConfChangeType.RemoveNode && this.snapshotIndex === 0) {
      await this.snapshotNow();
      this.checkMemberChange(cc);
    }
    try {
      this.raft.proposeConfChange(cc);
    } catch (error) {
      if (!(error instanceof ProposalDroppedError)) throw error;
      throw new MembershipError(`${error.message}; wait for it and retry`);
    }
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => this.failPendingMember(new OutcomeUnknownError(
        `membership change not applied within ${memberChangeTimeoutMs} ms; it may still ` +
          'take effect: check HARMONY STATUS before retrying')), memberChangeTimeoutMs);
      this.pendingMember = { cc, resolve, reject, timer };
      this.schedule();
    });
  }

  private checkMemberChange(cc: ConfChange): void {
    if (this.stopped) throw new NodeStoppedError(this.stopped.message);
    if (this.role !== 'leader') throw new NotLeaderError(this.leader);
    if (this.pendingMember !== null) {
      throw new MembershipError(
        `a membership change (${ConfChangeType[this.pendingMember.cc.type]} ` +
        `node ${this.pendingMember.cc.nodeId}) is still in progress; wait for it and retry`);
    }
    const refusal = memberChangeRefusal(this.confState, this.members, cc);
    if (refusal !== null) throw new MembershipError(refusal);
  }

  private failPendingMember(error: Error): void {
    const pending = this.pendingMember;
    if (pending === null) return;
    this.pendingMember = null;
    clearTimeout(pending.timer);
    pending.reject(error);
  }

  /** Takes a snapshot at the current applied index and waits until it is on disk. */
  private async snapshotNow(): Promise<void> {
    const target = this.tree.appliedIndex;
    assert(target > 0, 'a leader has applied at least its first entry');
    this.snapshotWantedIndex = Math.max(this.snapshotWantedIndex, target);
    this.schedule();
    const deadline = this.hooks.nowMs() + snapshotWaitMs;
    while (this.snapshotIndex < target) {
      if (this.stopped) throw new NodeStoppedError(this.stopped.message);
      if (this.hooks.nowMs() > deadline) {
        throw new MembershipError(`no snapshot at index ${target} within ${snapshotWaitMs} ms; ` +
          'a new member can only join from a snapshot; retry');
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Addresses of the current members that this node knows. */
  memberAddresses(): PeerAddress[] {
    return this.members.membersOf(this.confState);
  }

  memberStatus(): MemberStatus[] {
    const progress = this.raft.status().progress;
    const ids = [...this.confState.voters, ...this.confState.learners].sort((a, b) => a - b);
    return ids.map((id) => {
      const a = this.members.address(id);
      return {
        id, role: this.confState.voters.includes(id) ? 'voter' : 'learner',
        address: a === undefined ? '' : `${a.host}:${a.port}`,
        match: progress?.get(id)?.match ?? -1,
      };
    });
  }

  get membership(): ConfState {
    return this.confState;
  }

  // ---- control -----------------------------------------------------------------------------

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.schedule();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  transferLeader(to: NodeId): void {
    this.raft.transferLeader(to);
    this.schedule();
  }

  /** Stops the node: pending requests fail, nothing more is persisted or sent. */
  stop(reason: Error): void {
    if (this.stopped) return;
    this.stopped = reason;
    for (const [seq] of this.writes) this.failWrite(seq, new NodeStoppedError(reason.message));
    const error = new NodeStoppedError(reason.message);
    for (const read of this.readQueue) read.reject(error);
    for (const round of this.readRounds.values()) {
      for (const read of round.reads) read.reject(error);
    }
    for (const waiting of this.readsAwaitingApply) {
      for (const read of waiting.reads) read.reject(error);
    }
    this.readQueue = [];
    this.readRounds.clear();
    this.readsAwaitingApply = [];
    this.failPendingMember(error);
  }

  // ---- views for the server and the status ---------------------------------------------------

  get stateMachine(): BTree {
    return this.tree;
  }

  get currentRole(): NodeRole {
    return this.role;
  }

  get currentLeader(): NodeId {
    return this.leader;
  }

  get currentSnapshotIndex(): number {
    return this.snapshotIndex;
  }

  raftStatus(): ReturnType<RawNode['status']> {
    return this.raft.status();
  }
}

/**
 * What a client is told when Raft refused its request: where the leader is if one is known
 * (the RESP layer redirects or the backend forwards there), else to retry.
 */
function refusalOf(error: ProposalDroppedError): Error {
  if (error.leader !== 0) return new NotLeaderError(error.leader);
  return new TryAgainError(`request not proposed: ${error.reason}; retry`);
}

function describeRoleChange(role: NodeRole, leader: NodeId, term: number): string {
  switch (role) {
    case 'leader': return `became leader at term ${term}`;
    case 'candidate': return `started an election for term ${term}: no heartbeat from a leader`;
    case 'pre-candidate': return 'started a pre-vote: no heartbeat from a leader';
    case 'follower': return leader === 0 ? `became follower at term ${term}` :
      `became follower of node ${leader} at term ${term}`;
  }
}

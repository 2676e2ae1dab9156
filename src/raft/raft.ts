/**
 * The Raft state machine (etcd raft.go): roles, elections, replication, commitment, reads,
 * leadership transfer and membership. Pure and deterministic: it reacts to step() and tick(),
 * and its outputs (messages, entries to persist, read states) pile up for RawNode's Ready.
 *
 * Field invariants (checked by checkInvariants()):
 * - lastTerm <= term; a leader has lead === id and a progress for itself;
 * - a candidate voted for itself; only a leader has a leadTransferee;
 * - raftLog: applied <= committed <= lastIndex.
 */
import { assert } from '../codec/assert.js';
import type {
  ConfChange, ConfState, Entry, LogIndex, Message, NodeId, Snapshot,
    Term } from '../codec/types.js';
import { EntryType, MessageType, NONE, isEmptyHardState, message } from '../codec/types.js';
import type { HardState } from '../codec/types.js';
import type { RaftLogger, ResolvedRaftConfig } from './config.js';
import { applyConfChange, confChangeRefusal, describeConfState,
  restoreConfState } from './confChange.js';
import { decodeConfChange } from './confChangeCodec.js';
import { describeEntry, messageTypeName as name } from './describe.js';
import { entriesSizeBytes, payloadBytes } from './entrySize.js';
import { CompactedError, ConfigError, ProposalDroppedError,
  SnapshotTemporarilyUnavailableError } from './errors.js';
import type { Progress } from './progress.js';
import { voteResult } from './quorum.js';
import { RaftLog } from './raftLog.js';
import { PENDING_READ_INDEX_MAX, ReadOnly } from './readOnly.js';
import type { ReadState, SoftState, StateRole } from './ready.js';
import { ProgressTracker } from './tracker.js';

/** Context of a MsgVote sent because of a leadership transfer: it overrides leader leases. */
export const CAMPAIGN_TRANSFER = new Uint8Array([
  ...'CampaignTransfer'.split('').map((c) => c.charCodeAt(0)),
]);
const EMPTY = new Uint8Array(0);

type CampaignType = 'pre-election' | 'election' | 'transfer';

const SILENT: RaftLogger = { debug() {}, info() {}, warn() {} };

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isVoteRequest(t: MessageType): boolean {
  return t === MessageType.Vote || t === MessageType.PreVote;
}

export class Raft {
  readonly id: NodeId;
  term: Term = 0;
  /** Whom we voted for in `term` (NONE if nobody). */
  vote: NodeId = NONE;
  /** The leader we know of in `term` (NONE if none). */
  lead: NodeId = NONE;
  state: StateRole = 'follower';
  readonly raftLog: RaftLog;
  readonly tracker: ProgressTracker;
  isLearner = false;
  /** Outgoing messages, drained into the next Ready. */
  msgs: Message[] = [];
  /** Answered read-index requests, drained into the next Ready. */
  readStates: ReadState[] = [];
  /** The node leadership is being transferred to (leader only), NONE if none. */
  leadTransferee: NodeId = NONE;
  /** Index of the latest conf change proposed by this leader; one is pending while > applied. */
  pendingConfIndex: LogIndex = 0;
  /** Payload bytes appended by this leader and not yet applied (bounded). */
  uncommittedSize = 0;
  readOnly = new ReadOnly();
  /** Read requests that wait for this leader's first commit in its term. */
  pendingReadIndexMessages: Message[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /**
   * The commit index from the persisted HardState when the log could not back it (the WAL was
   * repaired and lost a tail); 0 otherwise. While committed < repairedCommitIndex this node
   * neither votes nor campaigns: it may have acknowledged entries it no longer has, so its
   * vote could elect a leader missing committed entries (Protocol-Aware Recovery, FAST'18).
   */
  repairedCommitIndex: LogIndex = 0;
  private readonly cfg: ResolvedRaftConfig;
  private readonly logger: RaftLogger;

  constructor(config: ResolvedRaftConfig) {
    this.cfg = config;
    this.id = config.id;
    this.logger = config.logger ?? SILENT;
    this.raftLog = new RaftLog(config.storage, config.maxCommittedSizePerReadyBytes);
    this.tracker = new ProgressTracker(config.maxInflightMsgs, config.maxInflightBytes);
    const { hardState, confState } = config.storage.initialState();
    restoreConfState(this.tracker, confState, this.raftLog.lastIndex());
    this.isLearner = this.tracker.learners.has(this.id);
    if (!isEmptyHardState(hardState)) this.loadState(hardState);
    this.maybeRaiseTermToLog();
    if (config.applied !== undefined && config.applied > this.raftLog.applied) {
      if (config.applied > this.raftLog.committed) {
        throw new ConfigError(
          'applied',
          config.applied,
          `must be <= the commit index the log backs (${this.raftLog.committed})`,
        );
      }
      this.raftLog.appliedTo(config.applied);
    }
    this.becomeFollower(this.term, NONE);
    this.logger.info(
      `newRaft ${this.id} [peers: ${describeConfState(this.tracker.confState())}, term: ` +
        `${this.term}, commit: ${this.raftLog.committed}, applied: ${this.raftLog.applied}, ` +
        `lastindex: ${this.raftLog.lastIndex()}, lastterm: ${this.raftLog.lastTerm()}]`,
    );
  }

  /**
   * A crash during the fsync of a Ready that carried a new term and entries of that term can
   * keep the entries but lose the HardState (the WAL writes entries first; a torn tail keeps a
   * prefix). Nothing of that Ready was sent (messages leave after the fsync), so no vote in
   * that term was ever revealed: adopting the last entry's term with no vote is safe.
   */
  private maybeRaiseTermToLog(): void {
    const lastTerm = this.raftLog.lastTerm();
    if (lastTerm <= this.term) return;
    this.logger.warn(`${this.id} log's last term ${lastTerm} is above its persisted term ` +
      `${this.term} (HardState lost in a torn write): adopting term ${lastTerm}, no vote`);
    this.term = lastTerm;
    this.vote = NONE;
  }

  private loadState(hs: HardState): void {
    this.term = hs.term;
    this.vote = hs.vote;
    const last = this.raftLog.lastIndex();
    if (hs.commit > last) {
      // Do not crash (etcd panics here): clamp commit to what the log backs and remember the
      // persisted one. hardState() keeps reporting it, so a second crash keeps the guard.
      this.repairedCommitIndex = hs.commit;
      this.raftLog.commitTo(last);
      this.logger.warn(
        `${this.id} log ends at ${last}, below its persisted commit ${hs.commit} (repaired ` +
          `log): it will neither vote nor campaign until a leader brings it to ${hs.commit}`,
      );
    } else {
      this.raftLog.commitTo(hs.commit);
    }
  }

  // ---------------------------------------------------------------- state & transitions

  hardState(): HardState {
    return {
      term: this.term,
      vote: this.vote,
      commit: Math.max(this.raftLog.committed, this.repairedCommitIndex),
    };
  }

  softState(): SoftState {
    return { leader: this.lead, role: this.state };
  }

  /** Still waiting to catch up to the commit index a repaired log lost (see field). */
  awaitingRepairCatchUp(): boolean {
    return this.repairedCommitIndex > this.raftLog.committed;
  }

  /** Whether this node may campaign: a voter with no snapshot waiting to be applied. */
  promotable(): boolean {
    const pr = this.tracker.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && !this.raftLog.hasNextUnstableSnapshot();
  }

  private reset(term: Term): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout =
      this.cfg.electionTicks + this.cfg.random.nextInt(this.cfg.electionTicks);
    this.abortLeaderTransfer();
    this.tracker.resetVotes();
    const next = this.raftLog.lastIndex() + 1;
    for (const id of this.tracker.ids()) {
      const old = this.tracker.progress.get(id)!;
      const pr = this.tracker.newProgress(next, old.isLearner);
      // Our own match is what is persisted, never more: see stableTo().
      if (id === this.id) pr.match = this.raftLog.lastPersistedIndex();
      this.tracker.progress.set(id, pr);
    }
    this.pendingConfIndex = 0;
    this.uncommittedSize = 0;
    this.readOnly = new ReadOnly();
    this.pendingReadIndexMessages = [];
  }

  becomeFollower(term: Term, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.state = 'follower';
    this.logger.info(`${this.id} became follower at term ${this.term}`);
  }

  private becomeCandidate(): void {
    assert(this.state !== 'leader', 'invalid transition [leader -> candidate]');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = 'candidate';
    this.logger.info(`${this.id} became candidate at term ${this.term}`);
  }

  private becomePreCandidate(): void {
    assert(this.state !== 'leader', 'invalid transition [leader -> pre-candidate]');
    // A pre-candidate changes neither term nor vote: a failed pre-election disturbs nobody.
    this.tracker.resetVotes();
    this.lead = NONE;
    this.state = 'pre-candidate';
    this.logger.info(`${this.id} became pre-candidate at term ${this.term}`);
  }

  private becomeLeader(): void {
    assert(this.state !== 'follower', 'invalid transition [follower -> leader]');
    this.reset(this.term);
    this.lead = this.id;
    this.state = 'leader';
    const self = this.tracker.progress.get(this.id);
    assert(self !== undefined, 'leader without own progress');
    self.becomeReplicate();
    self.recentActive = true;
    // There may be an unapplied conf change in the log; assume so until it is applied.
    this.pendingConfIndex = this.raftLog.lastIndex();
    // The empty entry commits the entries of earlier terms (§5.4.2) and starts read-index.
    const ok = this.appendEntry([{ term: 0, index: 0, type: EntryType.Normal, data: EMPTY }]);
    assert(ok, 'empty entry refused by the uncommitted size bound');
    this.logger.info(`${this.id} became leader at term ${this.term}`);
  }

  private abortLeaderTransfer(): void {
    this.leadTransferee = NONE;
  }

  // ---------------------------------------------------------------- ticks

  tick(): void {
    if (this.state === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.step(message({ type: MessageType.Hup, from: this.id }));
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) this.step(
        message({ type: MessageType.CheckQuorum, from: this.id }));
      // A transfer that did not finish within an election timeout is abandoned.
      if (this.state === 'leader' && this.leadTransferee !== NONE) {
        this.logger.info(`${this.id} abandons transfer to ${this.leadTransferee}: timed out`);
        this.abortLeaderTransfer();
      }
    }
    if (this.state !== 'leader') return;
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.step(message({ type: MessageType.Beat, from: this.id }));
    }
  }

  // ---------------------------------------------------------------- sending

  /** Queues a message; stamps `from` and (except for votes, proposals, reads) the term. */
  private send(m: Message): void {
    m.from = this.id;
    if (isVoteRequest(m.type) || m.type === MessageType.VoteResp ||
      m.type === MessageType.PreVoteResp) {
      // Votes carry the term of the election, which differs from ours for pre-votes.
      assert(m.term !== 0, `term must be set on ${name(m.type)}`);
    } else {
      assert(m.term === 0, `term must not be set on ${name(m.type)} (got ${m.term})`);
      // Proposals and read requests forwarded to the leader act as local messages.
      if (m.type !== MessageType.Prop && m.type !== MessageType.ReadIndex) m.term = this.term;
    }
    this.msgs.push(m);
  }

  /** Sends entries (or an empty probe/commit update) to `to`. */
  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /**
   * Sends a MsgApp to `to` unless flow control pauses it, or a snapshot when the needed
   * entries are compacted. With sendIfEmpty false, nothing is sent when there are no entries.
   */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.tracker.progress.get(to);
    assert(pr !== undefined, `maybeSendAppend to non-member ${to}`);
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    assert(prevIndex <= this.raftLog.lastIndex(), `progress next ${pr.next} beyond log of ${to}`);
    const prevTerm = this.raftLog.maybeTerm(prevIndex);
    if (prevTerm === undefined) return this.maybeSendSnapshot(to, pr);
    let ents: Entry[] = [];
    if (pr.state !== 'replicate' || !pr.inflights.full()) {
      try {
        ents = this.raftLog.entriesFrom(pr.next, this.cfg.maxSizePerMsgBytes);
      } catch (e) {
        if (e instanceof CompactedError) return this.maybeSendSnapshot(to, pr);
        throw e;
      }
    }
    if (ents.length === 0 && !sendIfEmpty) return false;
    this.send(
      message({
        type: MessageType.App,
        to,
        index: prevIndex,
        logTerm: prevTerm,
        entries: ents,
        commit: this.raftLog.committed,
      }),
    );
    pr.sentEntries(ents.length, entriesSizeBytes(ents));
    return true;
  }

  private maybeSendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) {
      this.logger.debug(`ignore sending snapshot to ${to} since it is not recently active`);
      return false;
    }
    let snap: Snapshot;
    try {
      snap = this.raftLog.snapshot();
    } catch (e) {
      if (e instanceof SnapshotTemporarilyUnavailableError) {
        this.logger.debug(`${this.id} failed to send snapshot to ${to}: temporarily unavailable`);
        return false;
      }
      throw e;
    }
    assert(snap.metadata.index > 0, 'need a non-empty snapshot to replace compacted entries');
    this.logger.info(
      `${this.id} [firstindex: ${this.raftLog.firstIndex()}, commit: ${this.raftLog.committed}] ` +
        `sent snapshot[index: ${snap.metadata.index}, term: ${snap.metadata.term}] to ${to}`,
    );
    pr.becomeSnapshot(snap.metadata.index);
    this.send(message({ type: MessageType.Snap, to, snapshot: snap }));
    return true;
  }

  private bcastAppend(): void {
    for (const id of this.tracker.ids()) if (id !== this.id) this.sendAppend(id);
  }

  private bcastHeartbeat(): void {
    this.bcastHeartbeatWithContext(this.readOnly.lastPendingRequestContext() ?? EMPTY);
  }

  private bcastHeartbeatWithContext(ctx: Uint8Array): void {
    for (const id of this.tracker.ids()) {
      if (id === this.id) continue;
      const pr = this.tracker.progress.get(id)!;
      // Never tell a follower to commit beyond what it is known to hold.
      const commit = Math.min(pr.match, this.raftLog.committed);
      this.send(message({ type: MessageType.Heartbeat, to: id, commit, context: ctx }));
    }
  }

  // ---------------------------------------------------------------- log & commit

  /** Appends proposals at the end of the log in the current term; false if over the bound. */
  private appendEntry(proposals: readonly Entry[]): boolean {
    const last = this.raftLog.lastIndex();
    const ents = proposals.map((e, i) => ({
      term: this.term,
      index: last + 1 + i,
      type: e.type,
      data: e.data,
    }));
    if (!this.increaseUncommittedSize(ents)) {
      this.logger.warn(`${this.id} appending new entries would exceed the uncommitted size bound`);
      return false;
    }
    this.raftLog.append(ents);
    // Deliberately NOT counting our own copy toward the quorum here: these entries are not
    // persisted yet. stableTo() does it once the driver's fsync is done (advance()).
    return true;
  }

  private increaseUncommittedSize(ents: readonly Entry[]): boolean {
    const size = payloadBytes(ents);
    // One oversized proposal is accepted when nothing is outstanding, so it can make progress.
    if (this.uncommittedSize > 0 && size > 0 &&
      this.uncommittedSize + size > this.cfg.maxUncommittedEntriesBytes) {
      return false;
    }
    this.uncommittedSize += size;
    return true;
  }

  /** Entries were applied: they no longer count toward the uncommitted bound. */
  reduceUncommittedSize(ents: readonly Entry[]): void {
    if (this.state !== 'leader') return;
    this.uncommittedSize = Math.max(0, this.uncommittedSize - payloadBytes(ents));
  }

  /** Advances commit to the quorum's match if that entry is of the current term (§5.4.2). */
  private maybeCommit(): boolean {
    return this.raftLog.maybeCommit(this.tracker.committed(), this.term);
  }

  private committedEntryInCurrentTerm(): boolean {
    return this.raftLog.termOrZero(this.raftLog.committed) === this.term;
  }

  /**
   * The driver persisted entries up to (index, term) (RawNode.advance). This is THE place
   * where a leader counts its own log toward the commit quorum: only entries that survived
   * its fsync may count, otherwise a crash could lose an entry a quorum "had" (docs/design.md,
   * Persistence order). Moving this earlier (into appendEntry) is the planted bug the
   * simulation must catch.
   */
  stableTo(index: LogIndex, term: Term): void {
    if (!this.raftLog.unstable.stableTo(index, term)) return;
    this.updateOwnMatch(index);
  }

  private updateOwnMatch(persistedIndex: LogIndex): void {
    if (this.state !== 'leader') return;
    const self = this.tracker.progress.get(this.id);
    if (self === undefined) return;
    if (self.maybeUpdate(persistedIndex) && this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.bcastAppend();
    }
  }

  stableSnapTo(index: LogIndex): void {
    this.raftLog.unstable.stableSnapTo(index);
  }

  // ---------------------------------------------------------------- step

  step(m: Message): void {
    if (m.term === 0) {
      // Local message (or a forwarded proposal / read request).
    } else if (m.term > this.term) {
      if (isVoteRequest(m.type)) {
        const force = bytesEqual(m.context, CAMPAIGN_TRANSFER);
        const inLease =
          this.cfg.checkQuorum && this.lead !== NONE &&
            this.electionElapsed < this.cfg.electionTicks;
        if (!force && inLease) {
          // We heard from a live leader within the minimum election timeout: ignore, so a
          // node that was partitioned away cannot depose a healthy leader (leader lease).
          this.logger.info(
            `${this.id} [logterm: ${this.raftLog.lastTerm()}, index: ` +
              `${this.raftLog.lastIndex()}, ` +
              `vote: ${this.vote}] ignored ${name(m.type)} from ${m.from} [logterm: ` +
                `${m.logTerm}, ` +
              `index: ${m.index}] at term ${this.term}: lease is not expired (remaining ticks: ` +
              `${this.cfg.electionTicks - this.electionElapsed})`,
          );
          return;
        }
      }
      if (m.type === MessageType.PreVote) {
        // Never change our term in response to a pre-vote.
      } else if (m.type === MessageType.PreVoteResp && !m.reject) {
        // The term in a granted pre-vote is the one we will campaign in; not ours yet.
      } else {
        this.logger.info(
          `${this.id} [term: ${this.term}] received a ${name(m.type)} message with higher term ` +
            `from ${m.from} [term: ${m.term}]`,
        );
        const fromLeader =
          m.type === MessageType.App || m.type === MessageType.Heartbeat ||
            m.type === MessageType.Snap;
        this.becomeFollower(m.term, fromLeader ? m.from : NONE);
      }
    } else if (m.term < this.term) {
      this.stepStaleTerm(m);
      return;
    }
    switch (m.type) {
      case MessageType.Hup:
        this.hup(this.cfg.preVote ? 'pre-election' : 'election');
        return;
      case MessageType.Vote:
      case MessageType.PreVote:
        this.handleVoteRequest(m);
        return;
      default:
        break;
    }
    switch (this.state) {
      case 'leader':
        this.stepLeader(m);
        return;
      case 'candidate':
      case 'pre-candidate':
        this.stepCandidate(m);
        return;
      case 'follower':
        this.stepFollower(m);
        return;
    }
  }

  private stepStaleTerm(m: Message): void {
    if ((this.cfg.checkQuorum || this.cfg.preVote) &&
      (m.type === MessageType.Heartbeat || m.type === MessageType.App)) {
      // A leader of an older term: answer so it learns our term and steps down. Otherwise a
      // node stuck at a higher term (pre-vote / check-quorum kept it from winning) would
      // never be heard from again.
      this.send(message({ type: MessageType.AppResp, to: m.from }));
    } else if (m.type === MessageType.PreVote) {
      this.logger.info(
        `${this.id} [logterm: ${this.raftLog.lastTerm()}, index: ${this.raftLog.lastIndex()}, ` +
          `vote: ${this.vote}] rejected ${name(m.type)} from ${m.from} [logterm: ${m.logTerm}, ` +
          `index: ${m.index}] at term ${this.term}`,
      );
      this.send(
        message({ type: MessageType.PreVoteResp, to: m.from, term: this.term, reject: true }));
    } else {
      this.logger.info(
        `${this.id} [term: ${this.term}] ignored a ${name(m.type)} message with lower term from ` +
          `${m.from} [term: ${m.term}]`,
      );
    }
  }

  private handleVoteRequest(m: Message): void {
    const respType = m.type === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
    // We can vote again for whom we voted, or for anyone if we voted for nobody and know no
    // leader; a pre-vote for a future term does not bind us.
    const canVote =
      this.vote === m.from ||
      (this.vote === NONE && this.lead === NONE) ||
      (m.type === MessageType.PreVote && m.term > this.term);
    const who =
      `${this.id} [logterm: ${this.raftLog.lastTerm()}, index: ${this.raftLog.lastIndex()}, ` +
      `vote: ${this.vote}]`;
    const what =
      `${name(m.type)} from ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ` +
        `${this.term}`;
    if (this.awaitingRepairCatchUp()) {
      this.logger.info(
        `${who} rejected ${what}: repaired log must first catch up to commit ` +
          `${this.repairedCommitIndex}`,
      );
      this.send(message({ type: respType, to: m.from, term: this.term, reject: true }));
      return;
    }
    if (canVote && this.raftLog.isUpToDate(m.index, m.logTerm)) {
      this.logger.info(`${who} cast ${what}`);
      // The grant leaves only after this Ready's HardState (our vote) is persisted.
      this.send(message({ type: respType, to: m.from, term: m.term }));
      if (m.type === MessageType.Vote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.logger.info(`${who} rejected ${what}`);
      this.send(message({ type: respType, to: m.from, term: this.term, reject: true }));
    }
  }

  private hup(t: CampaignType): void {
    if (this.state === 'leader') {
      this.logger.debug(`${this.id} ignoring MsgHup because already leader`);
      return;
    }
    if (!this.promotable()) {
      this.logger.warn(`${this.id} is unpromotable and can not campaign`);
      return;
    }
    if (this.awaitingRepairCatchUp()) {
      this.logger.warn(
        `${this.id} cannot campaign at term ${this.term}: its repaired log must first catch up ` +
          `to commit ${this.repairedCommitIndex} (committed ${this.raftLog.committed})`,
      );
      return;
    }
    if (this.hasUnappliedConfChanges()) {
      this.logger.warn(
        `${this.id} cannot campaign at term ${this.term} since there are still pending ` +
          `configuration changes to apply`,
      );
      return;
    }
    this.logger.info(`${this.id} is starting a new election at term ${this.term}`);
    this.campaign(t);
  }

  private hasUnappliedConfChanges(): boolean {
    let lo = Math.max(this.raftLog.applied + 1, this.raftLog.firstIndex());
    const hi = this.raftLog.committed + 1;
    // Paged scan, bounded by the committed-but-unapplied tail.
    while (lo < hi) {
      const ents = this.raftLog.slice(lo, hi, this.cfg.maxCommittedSizePerReadyBytes);
      for (const e of ents) if (e.type === EntryType.ConfChange) return true;
      lo += ents.length;
    }
    return false;
  }

  private campaign(t: CampaignType): void {
    let term: Term;
    let voteType: MessageType;
    if (t === 'pre-election') {
      this.becomePreCandidate();
      voteType = MessageType.PreVote;
      // Pre-vote RPCs carry the term we would have; our own term is unchanged.
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      voteType = MessageType.Vote;
      term = this.term;
    }
    const respType = voteType === MessageType.Vote ? MessageType.VoteResp : MessageType.PreVoteResp;
    // Our own vote counts at once: no message leaves before this Ready (with our vote in its
    // HardState) is persisted.
    if (this.poll(this.id, respType, true) === 'won') {
      // A single-voter cluster.
      if (t === 'pre-election') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    for (const id of this.tracker.voterIds()) {
      if (id === this.id) continue;
      this.logger.info(
        `${this.id} [logterm: ${this.raftLog.lastTerm()}, index: ${this.raftLog.lastIndex()}] ` +
          `sent ${name(voteType)} request to ${id} at term ${this.term}`,
      );
      this.send(
        message({
          type: voteType,
          to: id,
          term,
          index: this.raftLog.lastIndex(),
          logTerm: this.raftLog.lastTerm(),
          context: t === 'transfer' ? CAMPAIGN_TRANSFER : EMPTY,
        }),
      );
    }
  }

  private poll(id: NodeId, t: MessageType, granted: boolean) {
    this.logger.info(
      `${this.id} received ${name(t)}${granted ? '' : ' rejection'} from ${id} at term ` +
        `${this.term}`,
    );
    this.tracker.recordVote(id, granted);
    const tally = this.tracker.tallyVotes();
    if (id !== this.id) {
      this.logger.info(
        `${this.id} has received ${tally.granted} ${name(t)} votes and ${tally.rejected} vote ` +
          `rejections`,
      );
    }
    return tally.result;
  }

  // ---------------------------------------------------------------- follower & candidate

  private stepFollower(m: Message): void {
    switch (m.type) {
      case MessageType.Prop:
        if (this.lead === NONE)
          throw new ProposalDroppedError(
            `not the leader, and no leader known at term ${this.term}`);
        if (this.cfg.disableProposalForwarding) {
          throw new ProposalDroppedError('not the leader', this.lead);
        }
        this.send({ ...m, to: this.lead });
        return;
      case MessageType.App:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        return;
      case MessageType.TransferLeader:
        if (this.lead === NONE) {
          this.logger.info(
            `${this.id} no leader at term ${this.term}; dropping leader transfer msg`);
          return;
        }
        this.send({ ...m, to: this.lead, term: 0 });
        return;
      case MessageType.TimeoutNow:
        this.logger.info(
          `${this.id} [term ${this.term}] received MsgTimeoutNow from ${m.from} and starts an ` +
            `election to get leadership`,
        );
        // Skips pre-vote and overrides leases: the leader asked for it.
        this.hup('transfer');
        return;
      case MessageType.ReadIndex:
        if (this.lead === NONE)
          throw new ProposalDroppedError(
            `not the leader, and no leader known at term ${this.term}`);
        this.send({ ...m, to: this.lead });
        return;
      case MessageType.ReadIndexResp:
        this.readStates.push({ index: m.index, context: m.context });
        return;
      default:
        return;
    }
  }

  private stepCandidate(m: Message): void {
    const myVoteResp = this.state === 'pre-candidate' ? MessageType.PreVoteResp
      : MessageType.VoteResp;
    switch (m.type) {
      case MessageType.Prop:
      case MessageType.ReadIndex:
        throw new ProposalDroppedError(`election in progress at term ${this.term}`);
      case MessageType.App:
        this.becomeFollower(m.term, m.from);
        this.handleAppendEntries(m);
        return;
      case MessageType.Heartbeat:
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        return;
      case MessageType.Snap:
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        return;
      case myVoteResp: {
        const result = this.poll(m.from, m.type, !m.reject);
        if (result === 'won') {
          if (this.state === 'pre-candidate') {
            this.campaign('election');
          } else {
            this.becomeLeader();
            this.bcastAppend();
          }
        } else if (result === 'lost') {
          // Pre-vote or vote lost: back to follower in the current term.
          this.becomeFollower(this.term, NONE);
        }
        return;
      }
      default:
        return;
    }
  }

  private handleAppendEntries(m: Message): void {
    const committed = this.raftLog.committed;
    if (m.index < committed) {
      this.send(message({ type: MessageType.AppResp, to: m.from, index: committed }));
      return;
    }
    const lastNew = this.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew !== undefined) {
      // Leaves only after the entries are persisted (the Ready contract).
      this.send(message({ type: MessageType.AppResp, to: m.from, index: lastNew }));
      return;
    }
    // Reject with a hint: our last index <= m.index whose term <= m.logTerm. The leader can
    // jump back a whole term of mismatched entries at once instead of one per round trip.
    const hint =
      this.raftLog.findConflictByTerm(Math.min(m.index, this.raftLog.lastIndex()), m.logTerm);
    this.logger.debug(
      `${this.id} [logterm: ${this.raftLog.termOrZero(m.index)}, index: ${m.index}] rejected ` +
        `MsgApp [logterm: ${m.logTerm}, index: ${m.index}] from ${m.from}`,
    );
    this.send(
      message({
        type: MessageType.AppResp,
        to: m.from,
        index: m.index,
        reject: true,
        rejectHint: hint.index,
        logTerm: hint.term,
      }),
    );
  }

  private handleHeartbeat(m: Message): void {
    // The leader never sends a commit above our acknowledged match, which our log holds. The
    // clamp only matters for a repaired log that lost entries it once acknowledged: the leader
    // still believes the old match until our next rejection corrects it. etcd panics here.
    this.raftLog.commitTo(Math.min(m.commit, this.raftLog.lastIndex()));
    this.send(message({ type: MessageType.HeartbeatResp, to: m.from, context: m.context }));
  }

  private handleSnapshot(m: Message): void {
    const s = m.snapshot;
    assert(s !== null, 'MsgSnap without a snapshot');
    if (this.restore(s)) {
      this.logger.info(
        `${this.id} [commit: ${this.raftLog.committed}] restored snapshot [index: ` +
          `${s.metadata.index}, term: ${s.metadata.term}]`,
      );
      this.send(
        message({ type: MessageType.AppResp, to: m.from, index: this.raftLog.lastIndex() }));
    } else {
      this.logger.info(
        `${this.id} [commit: ${this.raftLog.committed}] ignored snapshot [index: ` +
          `${s.metadata.index}, term: ${s.metadata.term}]`,
      );
      this.send(message({ type: MessageType.AppResp, to: m.from, index: this.raftLog.committed }));
    }
  }

  /** Installs a leader's snapshot unless we already have (and committed) what it holds. */
  private restore(s: Snapshot): boolean {
    const { index, term, confState } = s.metadata;
    if (index <= this.raftLog.committed) return false;
    if (this.state !== 'follower') {
      // Only a leader of our term sends snapshots, and then we are its follower.
      this.logger.warn(
        `${this.id} attempted to restore snapshot as ${this.state}; should never happen`);
      this.becomeFollower(this.term + 1, NONE);
      return false;
    }
    if (!confState.voters.includes(this.id) && !confState.learners.includes(this.id)) {
      this.logger.warn(`${this.id} attempted to restore snapshot but it is not in the ConfState`);
      return false;
    }
    if (this.raftLog.matchTerm(index, term)) {
      // We have the snapshot's last entry: just fast-forward commit.
      this.logger.info(
        `${this.id} fast-forwarded commit to snapshot [index: ${index}, term: ${term}]`);
      this.raftLog.commitTo(index);
      return false;
    }
    this.raftLog.restore(s);
    restoreConfState(this.tracker, confState, this.raftLog.lastIndex());
    this.isLearner = this.tracker.learners.has(this.id);
    this.logger.info(
      `${this.id} switched to configuration ${describeConfState(this.tracker.confState())}`);
    return true;
  }

  // ---------------------------------------------------------------- leader

  private stepLeader(m: Message): void {
    switch (m.type) {
      case MessageType.Beat:
        this.bcastHeartbeat();
        return;
      case MessageType.CheckQuorum:
        if (!this.tracker.quorumActive(this.id)) {
          this.logger.warn(`${this.id} stepped down to follower since quorum is not active`);
          this.becomeFollower(this.term, NONE);
          return;
        }
        // Start a fresh observation window.
        for (const [id, pr] of this.tracker.progress) if (id !== this.id) pr.recentActive = false;
        return;
      case MessageType.Prop:
        this.proposeAsLeader(m);
        return;
      case MessageType.ReadIndex:
        this.readIndexAsLeader(m);
        return;
      default:
        break;
    }
    const pr = this.tracker.progress.get(m.from);
    if (pr === undefined) {
      this.logger.debug(`${this.id} no progress available for ${m.from}`);
      return;
    }
    switch (m.type) {
      case MessageType.AppResp:
        this.handleAppendResponse(m, pr);
        return;
      case MessageType.HeartbeatResp:
        this.handleHeartbeatResponse(m, pr);
        return;
      case MessageType.SnapStatus:
        if (pr.state !== 'snapshot') return;
        // On failure forget the pending snapshot; either way probe again once the follower
        // answers a heartbeat.
        if (m.reject) pr.pendingSnapshot = 0;
        pr.becomeProbe();
        pr.msgAppFlowPaused = true;
        this.logger.debug(
          `${this.id} snapshot ${m.reject ? 'failed' : 'succeeded'} for ${m.from}, probing`);
        return;
      case MessageType.Unreachable:
        // Optimistic streaming is pointless when the peer is unreachable: probe instead.
        if (pr.state === 'replicate') pr.becomeProbe();
        return;
      case MessageType.TransferLeader:
        this.handleTransferLeader(m, pr);
        return;
      default:
        return;
    }
  }

  private proposeAsLeader(m: Message): void {
    assert(m.entries.length > 0, `${this.id} stepped empty MsgProp`);
    if (!this.tracker.progress.has(this.id)) {
      throw new ProposalDroppedError('this node was removed from the cluster');
    }
    if (this.leadTransferee !== NONE) {
      throw new ProposalDroppedError(`leadership is being transferred to ${this.leadTransferee}`);
    }
    const ents = m.entries.slice();
    for (let i = 0; i < ents.length; i++) {
      const e = ents[i]!;
      if (e.type !== EntryType.ConfChange) continue;
      const refusal =
        this.pendingConfIndex > this.raftLog.applied
          ? `configuration change at index ${this.pendingConfIndex} is not applied yet`
          : confChangeRefusal(this.tracker, decodeConfChange(e.data));
      if (refusal === null) {
        this.pendingConfIndex = this.raftLog.lastIndex() + i + 1;
        continue;
      }
      if (m.from === this.id && ents.length === 1) {
        throw new ProposalDroppedError(`configuration change refused: ${refusal}`);
      }
      // A forwarded batch cannot report back: the change becomes an empty entry (etcd).
      this.logger.info(`${this.id} ignoring conf change ${describeEntry(e)}: ${refusal}`);
      ents[i] = { term: 0, index: 0, type: EntryType.Normal, data: EMPTY };
    }
    if (!this.appendEntry(ents)) {
      throw new ProposalDroppedError(
        `too many uncommitted bytes (bound ` +
          `maxUncommittedEntriesBytes=${this.cfg.maxUncommittedEntriesBytes})`,
      );
    }
    this.bcastAppend();
  }

  private readIndexAsLeader(m: Message): void {
    if (this.readOnly.size() + this.pendingReadIndexMessages.length >= PENDING_READ_INDEX_MAX) {
      throw new ProposalDroppedError(
        `too many pending read-index requests (${PENDING_READ_INDEX_MAX})`);
    }
    if (!this.committedEntryInCurrentTerm()) {
      // Our commit index may lag entries committed by earlier leaders until our own first
      // entry commits; reads wait for that.
      this.pendingReadIndexMessages.push(m);
      return;
    }
    this.sendReadIndexResponse(m);
  }

  private sendReadIndexResponse(m: Message): void {
    if (this.tracker.isSingleton()) {
      this.respondToReadIndex(m, this.raftLog.committed);
      return;
    }
    this.readOnly.addRequest(this.raftLog.committed, m);
    this.readOnly.recvAck(this.id, m.context);
    this.bcastHeartbeatWithContext(m.context);
  }

  private respondToReadIndex(req: Message, index: LogIndex): void {
    if (req.from === NONE || req.from === this.id) {
      this.readStates.push({ index, context: req.context });
      return;
    }
    this.send(
      message({ type: MessageType.ReadIndexResp, to: req.from, index, context: req.context }));
  }

  private releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0 || !this.committedEntryInCurrentTerm()) return;
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) this.sendReadIndexResponse(m);
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    if (m.reject) {
      this.handleAppendRejection(m, pr);
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === 'probe')) return;
    if (pr.state === 'probe') {
      pr.becomeReplicate();
    } else if (pr.state === 'snapshot' && pr.match + 1 >= this.raftLog.firstIndex()) {
      // The follower caught up past our compaction point: entries can reach it again.
      this.logger.debug(
        `${this.id} recovered from needing snapshot, resumed sending replication messages to ` +
          `${m.from}`);
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') {
      pr.inflights.freeLE(m.index);
    }
    if (this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.bcastAppend();
    } else if (wasPaused) {
      this.sendAppend(m.from);
    }
    // Freed flow-control room may allow several (size-limited) messages at once; each call
    // either sends entries (advancing next or filling the window) or returns false.
    while (this.maybeSendAppend(m.from, false)) {
      // loop
    }
    if (m.from === this.leadTransferee && pr.match === this.raftLog.lastIndex()) {
      this.logger.info(`${this.id} sent MsgTimeoutNow to ${m.from} after received MsgAppResp`);
      this.send(message({ type: MessageType.TimeoutNow, to: m.from }));
    }
  }

  private handleAppendRejection(m: Message, pr: Progress): void {
    this.logger.debug(
      `${this.id} received MsgAppResp(rejected, hint: (index ${m.rejectHint}, term ` +
        `${m.logTerm})) ` +
        `from ${m.from} for index ${m.index}`,
    );
    if (m.index >= pr.match && m.rejectHint < pr.match) {
      // The follower's log ends below what it acknowledged earlier in this term: its WAL was
      // repaired and lost a tail. Forget the stale match, or every rejection would look stale.
      this.logger.warn(
        `${this.id} follower ${m.from} lost acknowledged entries (match ${pr.match}, its log ` +
          `hint ${m.rejectHint}); resending from there`,
      );
      pr.regressTo(m.rejectHint);
      this.sendAppend(m.from);
      return;
    }
    let nextProbe = m.rejectHint;
    if (m.logTerm > 0) nextProbe = this.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index;
    if (pr.maybeDecrTo(m.index, nextProbe)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      this.sendAppend(m.from);
    }
  }

  private handleHeartbeatResponse(m: Message, pr: Progress): void {
    pr.recentActive = true;
    pr.msgAppFlowPaused = false;
    // A full window with a live follower means its MsgApps were lost: free a slot so the
    // next append can go (etcd does the same); otherwise the follower would stall forever.
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
    if (pr.match < this.raftLog.lastIndex() || pr.state === 'probe') this.sendAppend(m.from);
    if (m.context.length === 0) return;
    const acks = this.readOnly.recvAck(m.from, m.context);
    if (acks === undefined) return;
    const votes = new Map<NodeId, boolean>();
    for (const id of acks) votes.set(id, true);
    if (voteResult(this.tracker.voterIds(), votes) !== 'won') return;
    for (const rs of this.readOnly.advance(m.context)) this.respondToReadIndex(
      rs.request, rs.index);
  }

  private handleTransferLeader(m: Message, pr: Progress): void {
    if (pr.isLearner) {
      this.logger.info(`${this.id} ignored transferring leadership: ${m.from} is a learner`);
      return;
    }
    const transferee = m.from;
    if (this.leadTransferee !== NONE) {
      if (this.leadTransferee === transferee) {
        this.logger.info(
          `${this.id} [term ${this.term}] transfer leadership to ${transferee} is in progress, ` +
            `ignores request to same node`,
        );
        return;
      }
      this.logger.info(
        `${this.id} [term ${this.term}] abort previous transferring leadership to ` +
          `${this.leadTransferee}`);
      this.abortLeaderTransfer();
    }
    if (transferee === this.id) {
      this.logger.info(`${this.id} is already leader; ignored transferring leadership to itself`);
      return;
    }
    this.logger.info(
      `${this.id} [term ${this.term}] starts to transfer leadership to ${transferee}`);
    // The transfer must finish within one election timeout (tickHeartbeat aborts it).
    this.electionElapsed = 0;
    this.leadTransferee = transferee;
    if (pr.match === this.raftLog.lastIndex()) {
      this.logger.info(
        `${this.id} sends MsgTimeoutNow to ${transferee} immediately as ${transferee} already ` +
          `has up-to-date log`);
      this.send(message({ type: MessageType.TimeoutNow, to: transferee }));
    } else {
      this.sendAppend(transferee);
    }
  }

  // ---------------------------------------------------------------- membership

  /** Applies a committed conf change (the driver calls this when applying the entry). */
  applyConfChange(cc: ConfChange): ConfState {
    const refusal = confChangeRefusal(this.tracker, cc);
    if (refusal !== null) {
      // Every node refuses the same committed change against the same configuration.
      this.logger.warn(`${this.id} ignoring committed conf change for ${cc.nodeId}: ${refusal}`);
      return this.tracker.confState();
    }
    applyConfChange(this.tracker, cc, this.raftLog.lastIndex());
    return this.switchToConfig();
  }

  private switchToConfig(): ConfState {
    const cs = this.tracker.confState();
    this.logger.info(`${this.id} switched to configuration ${describeConfState(cs)}`);
    const self = this.tracker.progress.get(this.id);
    this.isLearner = self?.isLearner ?? false;
    if ((self === undefined || this.isLearner) && this.state === 'leader') {
      // Removed (or demoted) leader: step down; the rest elect a new leader.
      this.becomeFollower(this.term, NONE);
      return cs;
    }
    if (this.state !== 'leader' || cs.voters.length === 0) return cs;
    // The quorum changed: maybe more entries are committed now; new members need entries.
    if (this.maybeCommit()) {
      this.releasePendingReadIndexMessages();
      this.bcastAppend();
    } else {
      for (const id of this.tracker.ids()) if (id !== this.id) this.maybeSendAppend(id, false);
    }
    if (this.leadTransferee !== NONE && !this.tracker.voters.has(this.leadTransferee)) {
      this.abortLeaderTransfer();
    }
    return cs;
  }

  // ---------------------------------------------------------------- checks

  checkInvariants(): void {
    this.raftLog.checkInvariants();
    this.tracker.checkInvariants();
    assert(this.raftLog.lastTerm() <= this.term,
      `last log term ${this.raftLog.lastTerm()} > term ${this.term}`);
    if (this.state === 'leader') {
      assert(this.lead === this.id, `leader ${this.id} believes ${this.lead} leads`);
      assert(this.tracker.progress.has(this.id), 'leader without own progress');
      const self = this.tracker.progress.get(this.id)!;
      const persisted = this.raftLog.lastPersistedIndex();
      assert(self.match <= persisted,
        `leader counts unpersisted entries: match ${self.match} > ${persisted}`);
    } else {
      assert(this.leadTransferee === NONE, 'non-leader with a lead transferee');
    }
    if (this.state === 'candidate') assert(
      this.vote === this.id, 'candidate did not vote for itself');
    assert(this.uncommittedSize >= 0, 'negative uncommitted size');
  }
}

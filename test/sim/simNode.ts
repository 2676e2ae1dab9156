/**
 * One simulated node: a RawNode, its disk, its KV state machine, and the driver that runs the
 * Ready loop in docs/design.md's persistence order:
 *
 *   1. snapshot from the leader → disk        2. HardState + entries → WAL, then ONE fsync
 *   3. send messages                          4. apply committed entries, then answer clients
 *   5. advance()
 *
 * The fsync takes simulated time (fsyncLatencyMs). Its writes reach the page cache at once;
 * the syncs are deferred on the disk and performed when the latency is over, so a crash in
 * between loses (or tears) them exactly as a power cut during an fsync would. While the fsync
 * runs, the node keeps stepping messages and ticks (RawNode allows it between ready() and
 * advance()) but takes no new Ready. Only a leader's appends, heartbeats and snapshots leave
 * before the fsync (Raft thesis §10.2.1); votes and append responses wait for it, and the
 * leader counts itself in the quorum only at advance().
 *
 * Planted bugs (options.ts) bend exactly one of these rules each.
 */
import { assert, AssertionError } from '../../src/codec/assert.js';
import type { ConfState, Entry, Message, NodeId, Term } from '../../src/codec/types.js';
import { EntryType, MessageType, NONE } from '../../src/codec/types.js';
import type { ModelOp, ModelResult } from '../../src/check/index.js';
import { ProposalDroppedError, RawNode, type Ready, type StateRole } from '../../src/raft/index.js';
import type { Prng } from '../../src/raft/prng.js';
import type { NodeStore, SimDisk } from './disk.js';
import { SimulatedCrash } from './disk.js';
import { ELECTION_TICKS, HEARTBEAT_TICKS, TICK_MS, type PlantedBugs } from './options.js';
import { SafetyMonitor, SimFailure } from './safety.js';
import { KvMachine, decodeCommand, encodeCommand } from './stateMachine.js';
import type { Trace } from './trace.js';

export interface NodeRequest {
  requestId: number;
  op: ModelOp;
  /** Called at most once: the result, or null when the answer is lost (outcome unknown). */
  onDone(result: ModelResult | null): void;
}

export type SubmitResult =
  | { kind: 'accepted' }
  | { kind: 'rejected'; reason: string; leaderHint: NodeId };

/** What a node needs from the world around it. */
export interface NodeWorld {
  nowMs(): number;
  send(messages: readonly Message[]): void;
  /** Calls `fn` after `delayMs` unless the node restarted meanwhile. */
  later(nodeId: NodeId, incarnation: number, delayMs: number, fn: () => void): void;
  fsyncLatencyMs(): number;
  raftPrng(): Prng;
  readonly safety: SafetyMonitor;
  readonly trace: Trace;
  readonly bugs: PlantedBugs;
  readonly commitRuleCheck: boolean;
  /** The node stopped: 'crash' (power loss) or 'fail-stop' (its fsync failed). */
  onDown(nodeId: NodeId, reason: 'crash' | 'fail-stop', detail: string): void;
}

export interface NodeTuning {
  /** Take a local snapshot every this many applied entries. */
  snapshotEveryEntries: number;
  /** Entries kept in the log behind a snapshot (for slow followers). */
  compactKeepEntries: number;
  maxSizePerMsgBytes: number;
  maxInflightMsgs: number;
}

export type NodeStatus = 'up' | 'down' | 'refused';

interface Outstanding {
  rd: Ready;
  late: Message[];
  becameLeader: boolean;
}

interface PendingRead {
  req: NodeRequest;
  /** Read index once the ReadState arrived; -1 before. */
  index: number;
}

export class SimNode {
  status: NodeStatus = 'down';
  incarnation = 0;
  role: StateRole = 'follower';
  leader: NodeId = NONE;
  term: Term = 0;
  refusal = '';
  private raw: RawNode | null = null;
  private store: NodeStore | null = null;
  private machine = new KvMachine();
  private outstanding: Outstanding | null = null;
  private readonly writes = new Map<number, NodeRequest>();
  private readonly reads = new Map<number, PendingRead>();
  private commitSeen = 0;
  private snapshotIndex = 0;
  stats = { readies: 0, applied: 0, snapshotsCreated: 0, snapshotsInstalled: 0 };

  constructor(
    readonly id: NodeId,
    readonly disk: SimDisk,
    private readonly bootstrap: ConfState,
    private readonly world: NodeWorld,
    private readonly tuning: NodeTuning,
  ) {}

  /** One line about this node for failure reports (role, log, and a leader's progress). */
  describe(): string {
    if (this.raw === null) return `n${this.id}:${this.status}`;
    const st = this.raw.status();
    let text = `n${this.id}:${st.softState.role} term ${st.hardState.term} commit ` +
      `${st.hardState.commit} applied ${st.applied} log [${st.firstIndex},${st.lastIndex}]`;
    if (st.progress !== null) {
      const prs = [...st.progress].map(([id, p]) =>
        `${id}:${p.state} match ${p.match} next ${p.next}${p.recentActive ? '' : ' inactive'}`);
      text += ` progress {${prs.join('; ')}}`;
    }
    return text;
  }

  get isUp(): boolean {
    return this.status === 'up';
  }

  /** The persisted log (for the safety checks); null while down. */
  log(): NodeStore['raftStorage'] | null {
    return this.store === null ? null : this.store.raftStorage;
  }

  // ---- process lifecycle ------------------------------------------------------------------

  /** Starts the node process: recovery from the disk. False if recovery refused. */
  start(): boolean {
    assert(this.status === 'down', `node ${this.id} started while ${this.status}`);
    this.incarnation++;
    let store: NodeStore;
    try {
      store = this.disk.open(this.bootstrap);
    } catch (e) {
      if (e instanceof AssertionError) throw e;
      this.status = 'refused';
      this.refusal = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      return false;
    }
    const snap = store.snapshot();
    this.store = store;
    this.machine = new KvMachine();
    this.machine.restore(snap.metadata.index, snap.data);
    this.snapshotIndex = snap.metadata.index;
    if (snap.metadata.index > 0) {
      this.world.safety.onSnapshotState(this.id, snap.metadata.index, this.machine.digest());
    }
    this.raw = new RawNode({
      id: this.id,
      electionTicks: ELECTION_TICKS,
      heartbeatTicks: HEARTBEAT_TICKS,
      storage: store.raftStorage,
      applied: snap.metadata.index,
      maxSizePerMsgBytes: this.tuning.maxSizePerMsgBytes,
      maxInflightMsgs: this.tuning.maxInflightMsgs,
      checkQuorum: true,
      preVote: true,
      disableProposalForwarding: true,
      random: this.world.raftPrng(),
    });
    const hs = store.raftStorage.initialState().hardState;
    this.term = hs.term;
    this.commitSeen = hs.commit;
    this.role = 'follower';
    this.leader = NONE;
    this.status = 'up';
    this.pump();
    return true;
  }

  /** Power loss: memory is gone, unsynced writes are lost or torn. */
  crash(detail: string): void {
    this.stop('crash', detail);
  }

  private stop(reason: 'crash' | 'fail-stop', detail: string): void {
    if (this.status !== 'up') return;
    this.status = 'down';
    this.incarnation++;
    // A fail-stopped machine reboots too: after a failed fsync the page cache may show data
    // that will never reach the disk, so it must not be read back (fsyncgate).
    this.disk.crash();
    this.raw = null;
    this.store = null;
    this.outstanding = null;
    this.role = 'follower';
    this.leader = NONE;
    const lost = [...this.writes.values(), ...[...this.reads.values()].map((r) => r.req)];
    this.writes.clear();
    this.reads.clear();
    for (const req of lost) req.onDone(null);
    this.world.onDown(this.id, reason, detail);
  }

  // ---- inputs -----------------------------------------------------------------------------

  tick(): void {
    if (this.raw === null) return;
    this.raw.tick();
    this.pump();
  }

  deliver(msg: Message): void {
    if (this.raw === null) return;
    this.raw.step(msg);
    this.pump();
  }

  reportSnapshot(to: NodeId, ok: boolean): void {
    if (this.raw === null) return;
    this.raw.reportSnapshot(to, ok);
    this.pump();
  }

  reportUnreachable(to: NodeId): void {
    if (this.raw === null) return;
    this.raw.reportUnreachable(to);
    this.pump();
  }

  /** Asks this node (a leader) to hand leadership to `to`. */
  transferLeader(to: NodeId): void {
    if (this.raw === null) return;
    this.raw.transferLeader(to);
    this.pump();
  }

  submit(req: NodeRequest): SubmitResult {
    const raw = this.raw;
    if (raw === null) return { kind: 'rejected', reason: 'node down', leaderHint: NONE };
    try {
      if (req.op.kind === 'get') {
        raw.readIndex(contextOf(req.requestId));
        this.reads.set(req.requestId, { req, index: -1 });
      } else {
        if (this.role !== 'leader') {
          return { kind: 'rejected', reason: 'not leader', leaderHint: this.leader };
        }
        raw.propose(encodeCommand({ requestId: req.requestId, op: req.op }));
        this.writes.set(req.requestId, req);
      }
    } catch (e) {
      if (!(e instanceof ProposalDroppedError)) throw e;
      return { kind: 'rejected', reason: e.message, leaderHint: this.leader };
    }
    this.pump();
    return { kind: 'accepted' };
  }

  // ---- the Ready loop ---------------------------------------------------------------------

  private pump(): void {
    while (this.raw !== null && this.outstanding === null && this.raw.hasReady()) {
      this.beginReady(this.raw.ready());
    }
  }

  /** Steps 1-2 (writes reach the page cache) and the sends allowed before the fsync. */
  private beginReady(rd: Ready): void {
    this.stats.readies++;
    const trace = this.world.trace;
    trace.mix(7, this.id, rd.entries.length, rd.committedEntries.length);
    let becameLeader = false;
    if (rd.softState !== null) {
      becameLeader = rd.softState.role === 'leader' && this.role !== 'leader';
      this.role = rd.softState.role;
      this.leader = rd.softState.leader;
    }
    if (rd.hardState !== null) this.term = rd.hardState.term;
    if (becameLeader) {
      this.world.safety.onLeader(this.term, this.id);
      trace.line(this.world.nowMs(), () => `n${this.id} becomes leader of term ${this.term}`);
    }
    const store = this.store!;
    const writes = rd.snapshot !== null || rd.hardState !== null || rd.entries.length > 0;
    try {
      if (rd.snapshot !== null) store.saveSnapshot(rd.snapshot);
      if (rd.hardState !== null || rd.entries.length > 0) store.save(rd.hardState, rd.entries);
    } catch (e) {
      this.diskFailed(e);
      return;
    }
    const bugs = this.world.bugs;
    const leader = this.role === 'leader';
    if (writes && leader && bugs.leaderAdvanceBeforeFsync === true) {
      // PLANTED BUG: advance() (the leader counting itself) before the fsync is done.
      this.disk.lazySyncs = true;
      this.world.send(rd.messages);
      this.scheduleFlush();
      this.finishReady({ rd, late: [], becameLeader });
      return;
    }
    const early: Message[] = [];
    const late: Message[] = [];
    for (const m of rd.messages) {
      const vouches = m.type === MessageType.AppResp || m.type === MessageType.VoteResp ||
        m.type === MessageType.PreVoteResp;
      const earlyOk = leader && (m.type === MessageType.App || m.type === MessageType.Heartbeat ||
        m.type === MessageType.Snap);
      // PLANTED BUG respondBeforeFsync: responses that vouch for the log leave first.
      if (earlyOk || (vouches && bugs.respondBeforeFsync === true)) early.push(m);
      else late.push(m);
    }
    if (early.length > 0) this.world.send(early);
    // A HardState whose only change is the commit index need not be synced before anyone
    // hears of it (the commit index is recomputed after a crash): its sync stays queued until
    // the next write or flush, as etcd skips it (Ready.mustSync false).
    if (!writes || !(rd.mustSync || rd.snapshot !== null || rd.entries.length > 0)) {
      this.finishReady({ rd, late, becameLeader });
      return;
    }
    this.outstanding = { rd, late, becameLeader };
    const incarnation = this.incarnation;
    this.world.later(this.id, incarnation, this.world.fsyncLatencyMs(), () => {
      if (!this.flush()) return;
      const o = this.outstanding!;
      this.finishReady(o);
      this.pump();
    });
  }

  /** Performs the deferred fsyncs; false if the node went down doing it. */
  private flush(): boolean {
    try {
      this.disk.flushDeferredSyncs();
      return true;
    } catch (e) {
      this.diskFailed(e);
      return false;
    }
  }

  /** PLANTED BUG leaderAdvanceBeforeFsync: a lazy fsync, two to six ticks later. */
  private scheduleFlush(): void {
    const delayMs = TICK_MS * (2 + this.world.raftPrng().nextInt(5));
    this.world.later(this.id, this.incarnation, delayMs, () => this.flush());
  }

  private diskFailed(e: unknown): void {
    if (e instanceof AssertionError || e instanceof SimFailure) throw e;
    if (e instanceof SimulatedCrash) {
      this.stop('crash', 'power lost during an fsync');
      return;
    }
    this.stop('fail-stop', e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  }

  /** Steps 3-5, after the fsync. */
  private finishReady(o: Outstanding): void {
    const { rd } = o;
    this.outstanding = null;
    if (o.late.length > 0) this.world.send(o.late);
    if (this.world.bugs.ackBeforeCommit === true && this.role === 'leader') {
      this.ackSpeculatively(rd.entries);
    }
    if (rd.snapshot !== null) {
      const meta = rd.snapshot.metadata;
      this.machine.restore(meta.index, rd.snapshot.data);
      this.snapshotIndex = meta.index;
      this.stats.snapshotsInstalled++;
      this.world.safety.onSnapshotState(this.id, meta.index, this.machine.digest());
    }
    for (const e of rd.committedEntries) this.applyEntry(e);
    this.checkLeaderCommit(rd);
    for (const rs of rd.readStates) {
      const pending = this.reads.get(requestIdOf(rs.context));
      if (pending !== undefined) pending.index = rs.index;
    }
    this.serveReads();
    const raw = this.raw!;
    raw.advance(rd);
    try {
      raw.checkInvariants();
    } catch (e) {
      if (!(e instanceof AssertionError)) throw e;
      throw new SimFailure('raft-invariant', `node ${this.id}: ${e.message}`);
    }
    if (o.becameLeader && this.role === 'leader') {
      this.world.safety.checkLeaderCompleteness(this.id, this.term, this.store!.raftStorage);
    }
    this.maybeSnapshot();
  }

  private applyEntry(e: Entry): void {
    assert(e.index === this.machine.appliedIndex + 1,
      `node ${this.id} applies ${e.index} after ${this.machine.appliedIndex}`);
    this.world.safety.onApply(this.id, this.term, e.index, e.term, e.data);
    this.stats.applied++;
    if (e.type !== EntryType.Normal || e.data.length === 0) {
      this.machine.skip(e.index);
      return;
    }
    const cmd = decodeCommand(e.data);
    const result = this.machine.apply(e.index, cmd.op);
    const req = this.writes.get(cmd.requestId);
    if (req !== undefined) {
      this.writes.delete(cmd.requestId);
      req.onDone(result);
    }
  }

  private serveReads(): void {
    for (const [id, pending] of this.reads) {
      if (pending.index < 0 || pending.index > this.machine.appliedIndex) continue;
      this.reads.delete(id);
      const op = pending.req.op;
      assert(op.kind === 'get', 'only gets wait for a read index');
      pending.req.onDone({ kind: 'get', value: this.machine.read(op.key) });
    }
  }

  /** §5.4.2 as an invariant: a leader's commit index only lands on entries of its term. */
  private checkLeaderCommit(rd: Ready): void {
    const hs = rd.hardState;
    if (hs === null) return;
    const check = this.world.commitRuleCheck;
    if (check && this.role === 'leader' && hs.commit > this.commitSeen && rd.softState === null) {
      let entryTerm: Term | null = null;
      try {
        entryTerm = this.store!.raftStorage.term(hs.commit);
      } catch {
        entryTerm = null;
      }
      this.world.safety.onLeaderCommit(this.id, this.term, hs.commit, entryTerm);
    }
    this.commitSeen = hs.commit;
  }

  /** PLANTED BUG ackBeforeCommit: answer writes once the leader persisted them. */
  private ackSpeculatively(entries: readonly Entry[]): void {
    for (const e of entries) {
      if (e.type !== EntryType.Normal || e.data.length === 0) continue;
      const cmd = decodeCommand(e.data);
      const req = this.writes.get(cmd.requestId);
      if (req === undefined) continue;
      this.writes.delete(cmd.requestId);
      const op = cmd.op;
      const current = this.machine.read(op.key);
      if (op.kind === 'put') req.onDone({ kind: 'put' });
      else if (op.kind === 'del') req.onDone({ kind: 'del', existed: current !== null });
      else if (op.kind === 'cas') req.onDone({ kind: 'cas', swapped: current === op.expected });
    }
  }

  private maybeSnapshot(): void {
    const applied = this.machine.appliedIndex;
    if (applied - this.snapshotIndex < this.tuning.snapshotEveryEntries) return;
    const store = this.store!;
    // Snapshot files rely on write-after-fsync order; even the lazy planted bug keeps it here.
    this.disk.lazySyncs = false;
    try {
      store.createSnapshot(applied, this.bootstrap, this.machine.encode());
      this.snapshotIndex = applied;
      this.stats.snapshotsCreated++;
      this.world.safety.onSnapshotState(this.id, applied, this.machine.digest());
      const compactIndex = applied - this.tuning.compactKeepEntries;
      if (compactIndex >= store.raftStorage.firstIndex()) store.compact(compactIndex);
    } catch (e) {
      this.diskFailed(e);
      return;
    }
    // Snapshotting is not on the latency path: its fsyncs happen now.
    this.flush();
  }
}

function contextOf(requestId: number): Uint8Array {
  const ctx = new Uint8Array(4);
  new DataView(ctx.buffer).setUint32(0, requestId);
  return ctx;
}

function requestIdOf(ctx: Uint8Array): number {
  if (ctx.length !== 4) return -1;
  return new DataView(ctx.buffer, ctx.byteOffset, 4).getUint32(0);
}

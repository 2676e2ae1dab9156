/**
 * NodeBackend: the KvBackend (src/kv/backend.ts) of one Raft node, used by its RESP
 * server. On the leader, writes are proposed through Raft and linearizable reads wait for a
 * ReadIndex round; on a follower they are forwarded to the leader (or refused with the
 * leader's address when forwarding is off, which the server turns into -MOVED). 'local' reads
 * (READONLY connections) are served from this node's own B+ tree, possibly stale.
 */
import type { NodeId } from '../codec/types.js';
import type { BTree, ReadView } from '../btree/index.js';
import { scanView } from './scan.js';
import {
  decodeKvOp, encodeKvOp, NotLeaderError, readKvOp, TryAgainError, type KvBackend, type KvOp,
  type KvResult,
  type PeerInfo, type ReadOptions, type ReplyValue, type RoleInfo, type ScanOptions,
  type ScanResult,
} from '../kv/index.js';
import type { PeerAddress } from './control.js';
import type { RaftNode } from './node.js';
import { Forwarder, type ForwardAnswer, type ForwardRequest } from './forwarding.js';
import type { Transport } from '../transport/index.js';

export interface BackendOptions {
  forward: boolean;
  /** How long a request waits for a leader to be known before failing (retryable). */
  leaderWaitMs: number;
  forwardTimeoutMs: number;
  forwardPendingMax: number;
  /** Scans examining more keys than this run off the node thread (offThreadScan). */
  offThreadScanKeysMin: number;
  /** Runs a scan on a query worker over a read view of `tree` (piscina). */
  offThreadScan?: (tree: BTree, options: ScanOptions) => Promise<ScanResult>;
}

/** Requests waiting for a leader to be elected, at most. */
const leaderWaitersMax = 16_384;

interface LeaderWaiter {
  resolve(leader: NodeId): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class NodeBackend implements KvBackend {
  private readonly forwarder: Forwarder;
  /** Requests waiting for a leader; woken by the node's leader-change notification. */
  private readonly leaderWaiters = new Set<LeaderWaiter>();
  private readonly unsubscribe: () => void;
  admin?: (args: Uint8Array[]) => Promise<ReplyValue>;

  constructor(
    private readonly node: RaftNode,
    transport: Transport,
    private readonly members: () => PeerAddress[],
    private readonly options: BackendOptions,
  ) {
    this.forwarder = new Forwarder(transport, {
      pendingMax: options.forwardPendingMax, timeoutMs: options.forwardTimeoutMs,
    }, (request) => this.serveLocally(request));
    this.unsubscribe = node.onLeaderChange((leader) => this.onLeaderChange(leader));
  }

  /** Forwards pending at the old leader fail at once; requests waiting for a leader go on. */
  private onLeaderChange(leader: NodeId): void {
    this.forwarder.failPendingNotTo(leader);
    if (leader === 0) return;
    for (const waiter of this.leaderWaiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(leader);
    }
    this.leaderWaiters.clear();
  }

  // ---- KvBackend -----------------------------------------------------------------------------

  async write(op: KvOp): Promise<KvResult> {
    // Encoded once, here at the door; forwarding and the log carry these bytes.
    return (await this.route({ method: 'write', op: encodeKvOp(op) })) as KvResult;
  }

  async read(op: KvOp, opts: ReadOptions): Promise<KvResult> {
    if (opts.consistency === 'local') return this.readHere(op);
    return (await this.route({ method: 'read', op: encodeKvOp(op) })) as KvResult;
  }

  /** A read op against this node's applied state, judged by this node's clock (expiry). */
  private readHere(op: KvOp): KvResult {
    return this.withView((v) => readKvOp(v, op, { timeMs: Date.now() }));
  }

  async scan(opts: ScanOptions): Promise<ScanResult> {
    if (opts.consistency === 'local') return this.scanHere(opts);
    return (await this.route({ method: 'scan', options: opts })) as ScanResult;
  }

  /**
   * Large scans go to a query worker: it reads the shared pages at the current version, which
   * is at or past any read index already confirmed, so a linearizable scan stays linearizable.
   */
  private scanHere(opts: ScanOptions): Promise<ScanResult> | ScanResult {
    const offThread = this.options.offThreadScan;
    if (offThread !== undefined && opts.limit > this.options.offThreadScanKeysMin) {
      return offThread(this.node.stateMachine, opts);
    }
    return this.withView((v) => scanView(v, opts));
  }

  role(): RoleInfo {
    const status = this.node.raftStatus();
    const members = this.members();
    const self = members.find((m) => m.id === this.node.id);
    const leaderId = this.node.currentLeader;
    const leader = members.find((m) => m.id === leaderId);
    const progress = status.progress;
    const voters = new Set(status.config.voters);
    const peers: PeerInfo[] = members.filter((m) => m.id !== this.node.id).map((m) => {
      const p = progress?.get(m.id);
      return {
        id: m.id, host: m.host, port: m.port, voter: voters.has(m.id),
        connected: p === undefined ? true : p.recentActive,
        ...(p !== undefined ? { matchIndex: p.match } : {}),
      };
    });
    const role = this.node.currentRole;
    return {
      role: role === 'pre-candidate' ? 'candidate' : role,
      nodeId: this.node.id,
      term: status.hardState.term,
      self: { host: self?.host ?? '127.0.0.1', port: self?.port ?? 0 },
      leaderId,
      ...(leader !== undefined ? { leader: { host: leader.host, port: leader.port } } : {}),
      commitIndex: status.hardState.commit,
      appliedIndex: this.node.stateMachine.appliedIndex,
      peers,
    };
  }

  info(section: string): Record<string, string | number> {
    if (section !== 'raft') return {};
    const status = this.node.raftStatus();
    return {
      raft_node_id: this.node.id,
      raft_role: this.node.currentRole,
      raft_term: status.hardState.term,
      raft_leader_id: this.node.currentLeader,
      raft_commit_index: status.hardState.commit,
      raft_applied_index: this.node.stateMachine.appliedIndex,
      raft_last_index: status.lastIndex,
      raft_first_index: status.firstIndex,
      raft_snapshot_index: this.node.currentSnapshotIndex,
      raft_voters: status.config.voters.join(','),
      raft_learners: status.config.learners.join(','),
    };
  }

  // ---- routing -------------------------------------------------------------------------------

  /** Serves on the leader; forwards from a follower; -MOVED when forwarding is off. */
  private async route(request: ForwardRequest): Promise<ForwardAnswer> {
    const leader = await this.waitForLeader();
    if (leader === this.node.id) return this.serveHere(request);
    if (!this.options.forward) {
      const address = this.members().find((m) => m.id === leader);
      throw new NotLeaderError(leader, address && { host: address.host, port: address.port });
    }
    try {
      return await this.forwarder.forward(leader, request);
    } catch (error) {
      // The leader we forwarded to lost leadership before serving: nothing was applied.
      if (error instanceof NotLeaderError) {
        throw new TryAgainError(
          `leadership moved away from node ${leader} while forwarding; retry`);
      }
      throw error;
    }
  }

  /**
   * A client of this node, served here as the leader. If leadership moves before its request
   * is proposed, a forwarding node says "retry" (the retry is forwarded to the new leader);
   * only with forwarding off is the client redirected.
   */
  private async serveHere(request: ForwardRequest): Promise<ForwardAnswer> {
    try {
      return await this.serveLocally(request);
    } catch (error) {
      if (error instanceof NotLeaderError && this.options.forward) {
        throw new TryAgainError(`leadership moved to node ${error.leaderId} before the request ` +
          'was proposed; retry');
      }
      throw error;
    }
  }

  private waitForLeader(): Promise<NodeId> {
    const leader = this.node.currentLeader;
    if (leader !== 0) return Promise.resolve(leader);
    if (this.leaderWaiters.size >= leaderWaitersMax) {
      return Promise.reject(new TryAgainError(`${this.leaderWaiters.size} requests are ` +
        'already waiting for a leader to be elected; retry shortly'));
    }
    return new Promise((resolve, reject) => {
      const waiter: LeaderWaiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.leaderWaiters.delete(waiter);
          reject(new TryAgainError(`no leader elected within ${this.options.leaderWaitMs} ms ` +
            '(an election is in progress or a quorum is unreachable); retry'));
        }, this.options.leaderWaitMs),
      };
      this.leaderWaiters.add(waiter);
    });
  }

  private async serveLocally(request: ForwardRequest): Promise<ForwardAnswer> {
    if (request.method === 'write') return this.node.write(request.op);
    await this.node.readBarrier();
    switch (request.method) {
      case 'read': return this.readHere(decodeKvOp(request.op));
      case 'scan': return this.scanHere(request.options);
    }
  }

  private withView<T>(read: (view: ReadView) => T): T {
    const view = this.node.stateMachine.read();
    try {
      return read(view);
    } finally {
      view.close();
    }
  }

  close(reason: Error): void {
    this.unsubscribe();
    for (const waiter of this.leaderWaiters) {
      clearTimeout(waiter.timer);
      waiter.reject(reason);
    }
    this.leaderWaiters.clear();
    this.forwarder.close(reason);
  }
}

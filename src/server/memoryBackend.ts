/**
 * MemoryBackend: a complete single-node KvBackend over MemoryKvStore + applyKvOp, applied
 * synchronously (each write is "committed" the moment it is made). The server's tests run
 * against it until the cluster exists; it keeps the full semantics of every op. It can also
 * pretend to be a follower (writes and linearizable reads rejected with NotLeaderError, as a
 * node with forwarding off does) so the -MOVED path is testable.
 */
import { assert } from '../codec/assert.js';
import { applyKvOp, readKvOp } from '../kv/apply.js';
import type {
  KvBackend, PeerInfo, ReadOptions, ReplyValue, RoleInfo, ScanOptions, ScanResult,
} from '../kv/backend.js';
import { NotLeaderError, type HostPort } from '../kv/errors.js';
import { globMatch } from '../kv/glob.js';
import { MemoryKvStore } from '../kv/memoryKvStore.js';
import type { KvOp, KvResult } from '../kv/op.js';

export interface MemoryBackendOptions {
  nodeId?: number;
  self?: HostPort;
  peers?: PeerInfo[];
  /** Default: this node is the leader. */
  leader?: { id: number; address: HostPort } | 'self' | 'none';
  admin?: (args: Uint8Array[]) => Promise<ReplyValue>;
}

const empty = new Uint8Array(0);

export class MemoryBackend implements KvBackend {
  readonly store = new MemoryKvStore();
  private term = 1;
  private appliedIndex = 0;
  private self: HostPort;
  private readonly nodeId: number;
  private peers: PeerInfo[];
  private leader: MemoryBackendOptions['leader'];
  readonly admin?: (args: Uint8Array[]) => Promise<ReplyValue>;

  constructor(options: MemoryBackendOptions = {}) {
    this.nodeId = options.nodeId ?? 1;
    this.self = options.self ?? { host: '127.0.0.1', port: 0 };
    this.peers = options.peers ?? [];
    this.leader = options.leader ?? 'self';
    if (options.admin !== undefined) this.admin = options.admin;
  }

  /** The server's real address, once it listens (port 0 picks one). */
  setSelf(address: HostPort): void {
    this.self = address;
  }

  setLeader(leader: MemoryBackendOptions['leader'], peers?: PeerInfo[]): void {
    this.leader = leader;
    if (peers !== undefined) this.peers = peers;
    this.term++;
  }

  async write(op: KvOp): Promise<KvResult> {
    this.requireLeader();
    this.appliedIndex++;
    return applyKvOp(this.store, op, { index: this.appliedIndex, timeMs: Date.now(), seed: 0 });
  }

  async read(op: KvOp, opts: ReadOptions): Promise<KvResult> {
    this.requireReadable(opts);
    return readKvOp(this.store, op, { timeMs: Date.now() });
  }

  async scan(opts: ScanOptions): Promise<ScanResult> {
    assert(Number.isSafeInteger(opts.limit) && opts.limit >= 1, 'scan limit >= 1');
    this.requireReadable(opts);
    const entries: [Uint8Array, Uint8Array][] = [];
    let examined = 0;
    let lastExamined: Uint8Array | undefined;
    let next: Uint8Array | undefined;
    const range: { start?: Uint8Array; end?: Uint8Array; reverse?: boolean } = {};
    if (opts.start !== undefined) range.start = opts.start;
    if (opts.end !== undefined) range.end = opts.end;
    if (opts.reverse === true) range.reverse = true;
    this.store.forEachInRange(range, (key, value) => {
      if (examined === opts.limit) {
        // One key beyond the page: the range goes on.
        next = opts.reverse === true ? lastExamined : key;
        return false;
      }
      examined++;
      lastExamined = key;
      if (opts.match === undefined || globMatch(opts.match, key)) {
        entries.push([key, opts.keysOnly === true ? empty : value]);
      }
      return true;
    });
    return next === undefined ? { entries } : { entries, next };
  }

  role(): RoleInfo {
    const leader = this.leader;
    const isLeader = leader === 'self' || leader === undefined;
    const info: RoleInfo = {
      role: isLeader ? 'leader' : 'follower',
      nodeId: this.nodeId,
      term: this.term,
      self: this.self,
      leaderId: isLeader ? this.nodeId : leader === 'none' ? 0 : leader.id,
      commitIndex: this.appliedIndex,
      appliedIndex: this.appliedIndex,
      peers: this.peers,
    };
    if (isLeader) info.leader = this.self;
    else if (leader !== 'none') info.leader = leader.address;
    return info;
  }

  info(section: string): Record<string, string | number> {
    if (section === 'raft') return { backend: 'memory' };
    return {};
  }

  private requireLeader(): void {
    const leader = this.leader;
    if (leader === 'self' || leader === undefined) return;
    if (leader === 'none') throw new NotLeaderError(0);
    throw new NotLeaderError(leader.id, leader.address);
  }

  private requireReadable(opts: ReadOptions): void {
    if (opts.consistency === 'linearizable') this.requireLeader();
  }
}

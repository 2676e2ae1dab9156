/**
 * KvBackend: what the RESP server (src/server) needs from a node. It is declared here, below
 * the server, so the node layer can implement it without importing an upper layer; the server
 * re-exports it. src/server/memoryBackend.ts is a complete single-node implementation.
 *
 * Ordering contract: write() calls are applied in the order they are made. The server starts
 * the pipelined writes of one connection without awaiting each (that is where pipelining gets
 * its throughput) and relies on this to keep them in order. It never overlaps a read with a
 * write of the same connection.
 *
 * Errors: an operational failure rejects with NotLeaderError, TryAgainError or
 * RequestTooLargeError (./errors.ts), or with the node layer's own typed errors; the server
 * maps them to -MOVED / -TRYAGAIN / -CLUSTERDOWN / -ERR replies. Per-op semantic errors (INCR of
 * a non-integer) are not rejections: they are KvResult errors.
 */
import type { HostPort } from './errors.js';
import type { KvOp, KvResult } from './op.js';
import type { Reply } from './reply.js';

/** 'linearizable': ReadIndex on the leader (forwarded from a follower). 'local': this node's
 * own applied state, possibly stale (connections that sent READONLY). */
export type ReadConsistency = 'linearizable' | 'local';

export interface ReadOptions {
  consistency: ReadConsistency;
}

export interface ScanOptions extends ReadOptions {
  /** Inclusive lower bound; absent: from the first key. */
  start?: Uint8Array;
  /** Exclusive upper bound; absent: through the last key. */
  end?: Uint8Array;
  /** Most keys to examine in this call (>= 1); every examined key that matches is returned. */
  limit: number;
  /** Descending key order. */
  reverse?: boolean;
  /** A glob (see glob.ts, Redis's rules) the examined keys must match to be returned. */
  match?: Uint8Array;
  /** The caller needs no values (SCAN, KEYS): entries may carry empty values. */
  keysOnly?: boolean;
}

export interface ScanResult {
  /** Matching entries in the requested order. */
  entries: [Uint8Array, Uint8Array][];
  /**
   * Present when keys remain in the range after the examined ones. Ascending: the first key not
   * yet examined (the next call's `start`). Descending: the last key examined (the next call's
   * exclusive `end`).
   */
  next?: Uint8Array;
}

export type NodeRole = 'leader' | 'follower' | 'candidate' | 'learner';

export interface PeerInfo {
  id: number;
  /** RESP address. */
  host: string;
  port: number;
  voter: boolean;
  /** Whether this node hears from that peer now (a leader: it answers heartbeats). */
  connected: boolean;
  /** On the leader: the peer's replicated log index (its replication offset). */
  matchIndex?: number;
}

export interface RoleInfo {
  role: NodeRole;
  nodeId: number;
  term: number;
  /** This node's own RESP address. */
  self: HostPort;
  /** 0 when no leader is known. */
  leaderId: number;
  leader?: HostPort;
  commitIndex: number;
  appliedIndex: number;
  /** Every other member of the cluster. */
  peers: PeerInfo[];
}

/** The reply type commands answer with (./reply.ts); the old name, kept for the admin relay. */
export type ReplyValue = Reply;

export interface KvBackend {
  /**
   * Proposes the op through Raft (encoded once, here or at the leader, and carried as is by
   * forwarding and the log); resolves once it is committed AND applied, with its reply.
   */
  write(op: KvOp): Promise<KvResult>;
  /**
   * A read op (isReadOp) served from a read view: after a read barrier on the leader
   * ('linearizable', forwarded from a follower), or from this node's own state ('local').
   */
  read(op: KvOp, opts: ReadOptions): Promise<KvResult>;
  scan(opts: ScanOptions): Promise<ScanResult>;
  /** This node's view of the cluster, for ROLE, INFO replication, SENTINEL and -MOVED. */
  role(): RoleInfo;
  /** Extra INFO fields for a section ('raft', 'replication', 'server', ...); {} when none. */
  info(section: string): Record<string, string | number>;
  /** `HARMONY <args...>` (args without the word HARMONY); absent: the command is refused. */
  admin?(args: Uint8Array[]): Promise<Reply>;
}

/**
 * The contract between the main thread (src/cluster) and one node worker: what the worker is
 * given at start, the control API it exposes over comlink, and the status it reports.
 * Types only: the worker implements NodeControl, the cluster calls it.
 */
import type { MessagePort } from 'node:worker_threads';
import type { NodeId } from '../codec/types.js';

export interface PeerAddress {
  id: NodeId;
  /** The peer's RESP address, for -MOVED replies and the Sentinel commands. */
  host: string;
  port: number;
  /** The peer's TCP bridge listener, when it has one (a member in another process). */
  bridgeHost?: string;
  bridgePort?: number;
  /** A member in another process: the in-process members reach it over the TCP bridge. */
  remote?: boolean;
}

/** The TCP bridge of a node (docs/bridge.md, docs/membership.md). */
export interface NodeBridgeInit {
  listenHost: string;
  /** null: no listener (a node that only dials; members answer on its connections). */
  listenPort: number | null;
  /** The shared cluster secret (>= 16 bytes). */
  secret: Uint8Array;
  /** Members in other processes to dial at start (their bridgeHost/bridgePort). */
  peers: PeerAddress[];
}

/** A membership change asked of the leader (NodeControl.proposeMember). */
export interface MemberChangeRequest {
  kind: 'addLearner' | 'promote' | 'remove';
  id: NodeId;
  /** The new member's addresses (addLearner only); they go into the ConfChange context. */
  address?: PeerAddress;
}

/** One member as a node sees it (HARMONY STATUS). */
export interface MemberStatus {
  id: NodeId;
  role: 'voter' | 'learner';
  /** RESP address `host:port`, or '' when unknown. */
  address: string;
  /** The leader's match index for it; -1 when this node is not the leader. */
  match: number;
}

export interface RaftTiming {
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
}

export interface NodeWorkerInit {
  id: NodeId;
  clusterId: string;
  /** This node's own directory: `<data>/node-<id>`. */
  nodeDir: string;
  host: string;
  port: number;
  /** Every member's address known at start, this node included. */
  members: PeerAddress[];
  /**
   * The voters a brand-new data directory starts with (ignored when it has state). Default:
   * every id in `members`. Empty for a node that joins a running cluster: it learns the
   * membership from the leader's snapshot.
   */
  bootstrapVoters?: NodeId[];
  timing: RaftTiming;
  /** Forward writes and linearizable reads from a follower to the leader (else -MOVED). */
  forward: boolean;
  /** Seed of the node's PRNG (election jitter); derived from the cluster seed and the id. */
  seed: number;
  /** Take a state-machine snapshot after this many applied entries since the last one. */
  snapshotEntries: number;
  /** The TCP bridge for members in other processes; absent: MessageChannels only. */
  bridge?: NodeBridgeInit;
  /** The password RESP clients must AUTH with; absent: none. */
  requirePass?: string;
  /** Comlink endpoint for NodeControl; parentPort carries NodeEvents. */
  controlPort: MessagePort;
  /** One port per live peer at start; later peers arrive through NodeControl.connectPeer. */
  peerPorts: Record<number, MessagePort>;
}

export type NodeRole = 'follower' | 'candidate' | 'pre-candidate' | 'leader';

export interface NodeStatus {
  id: NodeId;
  port: number;
  role: NodeRole;
  term: number;
  leader: NodeId;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  firstIndex: number;
  snapshotIndex: number;
  walBytes: number;
  keyCount: number;
  /** Client commands completed since start (the UI derives ops/s from two samples). */
  opsCompleted: number;
  /** p99 of client command latency over the last second, in ms. */
  latencyMsP99: number;
  paused: boolean;
  diskDelayMs: number;
  fsyncFailing: boolean;
  /** Leader only: each follower's match index. */
  progress: { id: NodeId; match: number; next: number; state: string }[];
  /** The membership this node has applied, with addresses (leader: with match indexes). */
  members?: MemberStatus[];
  /** Per-peer transport counters. */
  links: {
    peer: NodeId; sentMessages: number; receivedMessages: number; droppedMessages: number;
  }[];
}

export interface LinkFaults {
  /** Peers whose messages to this node are dropped (incoming half of a partition). */
  blockedFrom: NodeId[];
  /** Peers this node's messages are not delivered to. */
  blockedTo: NodeId[];
  dropRate: number;
  delayMs: number;
  delayJitterMs: number;
  duplicateRate: number;
}

export interface NodeControl {
  status(): Promise<NodeStatus>;
  connectPeer(peer: NodeId, port: MessagePort): Promise<void>;
  setLinkFaults(faults: LinkFaults): Promise<void>;
  setDiskDelay(ms: number): Promise<void>;
  setFsyncFailure(failing: boolean): Promise<void>;
  setPaused(paused: boolean): Promise<void>;
  transferLeader(to: NodeId): Promise<void>;
  /**
   * Leader only: proposes one membership change and resolves with its log index once this
   * node has applied it. Rejects with a MembershipError when another change is pending, the
   * change makes no sense (promoting a voter, reusing a removed id), or this is no leader.
   */
  proposeMember(change: MemberChangeRequest): Promise<{ index: number }>;
  /** Clean shutdown: stop the RESP listener, finish the current Ready, fsync, close files. */
  shutdown(): Promise<void>;
}

/** Events the worker posts on parentPort for the event log. */
export type NodeEvent =
  | { kind: 'ready'; id: NodeId; port: number }
  | { kind: 'log'; id: NodeId; atMs: number; text: string }
  | { kind: 'fatal'; id: NodeId; text: string };

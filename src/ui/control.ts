/**
 * What the UI needs from a cluster: a status snapshot, the event log, the load generator's
 * throughput, and one method per key. ClusterUiControl (clusterControl.ts) implements it over a
 * real Cluster; tests pass a fake and check which calls the keys make.
 */
import type { NodeStatus } from '../node/control.js';

export type UiNodeStatus = NodeStatus & { alive: boolean };

export interface UiNetwork {
  /** Directed links `from->to` that deliver nothing. */
  blocked: string[];
  dropRate: number;
  delayMs: number;
  delayJitterMs: number;
}

export interface UiSnapshot {
  /** performance.now() when taken, for rates. */
  atMs: number;
  statuses: UiNodeStatus[];
  network: UiNetwork;
}

export interface UiEvent {
  /** Milliseconds since the cluster started. */
  atMs: number;
  /** 0 = the cluster itself (faults, heal). */
  node: number;
  text: string;
}

export interface UiLoad {
  running: boolean;
  /** Acknowledged ops/s per sample, oldest first (the sparkline). */
  samples: number[];
  opsPerSecond: number;
  failed: number;
  unknown: number;
}

export interface UiControl {
  readonly ids: number[];
  snapshot(): Promise<UiSnapshot>;
  recentEvents(): UiEvent[];
  onEvent(listener: (event: UiEvent) => void): () => void;
  load(): UiLoad;
  kill(id: number): Promise<void>;
  restart(id: number): Promise<void>;
  /** Cut `id` off from every other node, both ways. */
  isolate(id: number): Promise<void>;
  /** Undo every fault (network, disks, pauses). */
  heal(): Promise<void>;
  /** Network delay on/off. */
  toggleDelay(): Promise<void>;
  /** Slow fsyncs on `id` on/off. */
  toggleSlowDisk(id: number): Promise<void>;
  transferLeader(to: number): Promise<void>;
  toggleLoad(): Promise<void>;
  /** Membership: start a new node and add it as a learner. */
  addLearner(): Promise<void>;
  /** Membership: make the learner `id` a voter. */
  promote(id: number): Promise<void>;
  /** Membership: remove `id` from the cluster (the leader too: it steps down). */
  removeMember(id: number): Promise<void>;
}

/**
 * What the RESP server needs from its node for traffic that is not a key-value request:
 * PUBLISH and MONITOR lines relayed to and from the other nodes (over the cluster's own
 * channels, never the Raft log), and the keyspace events this node's apply raises. The node
 * layer implements it (src/node/pubsubRelay.ts) without importing this file: the shapes match.
 * A server started without a bus (tests, MemoryBackend) keeps pub/sub and MONITOR to itself.
 */
import type { KeyspaceEvent } from '../kv/op.js';

/** Where relayed traffic and applied events land in the server. */
export interface ClusterBusHandlers {
  /** A PUBLISH made on another node. */
  published(channel: Uint8Array, message: Uint8Array): void;
  /** A MONITOR line from another node (already formatted, node id included). */
  monitored(line: string): void;
  /** Events raised while this node applied committed entries, in log order. */
  keyspaceEvents(events: KeyspaceEvent[]): void;
}

export interface ClusterBusStats {
  /** Relay batches that could not be sent (peer unreachable, queue full). */
  relayDroppedBatches: number;
  /** Relay batches from a peer that arrived after a gap in its sequence (some were lost). */
  relayGaps: number;
}

export interface ClusterBus {
  /** This node's id, shown in MONITOR lines. */
  readonly nodeId: number;
  /** The largest PUBLISH payload (channel + message bytes) the relay carries. */
  readonly publishBytesMax: number;
  /** Sends a PUBLISH made here to every other node. */
  publish(channel: Uint8Array, message: Uint8Array): void;
  /** Whether some other node has MONITOR clients (only then are lines sent). */
  remoteMonitors(): boolean;
  /** Sends a MONITOR line to the nodes that have MONITOR clients. */
  monitor(line: string): void;
  /** This node has `count` MONITOR clients now (told to the others). */
  setLocalMonitors(count: number): void;
  /** Whether apply should collect keyspace events at all (someone wants them). */
  setKeyspaceEventsWanted(wanted: boolean): void;
  /** The one set of handlers (a second call replaces the first). */
  attach(handlers: ClusterBusHandlers): void;
  stats(): ClusterBusStats;
}

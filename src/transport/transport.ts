/**
 * The Transport interface the node layer drives: Raft message batches to and from peers, and
 * a second, node-level payload kind for request forwarding (a follower forwards a client
 * command to the leader as opaque bytes with a request id, and the leader sends the reply
 * back the same way) and for the pub/sub relay (PUBLISH and MONITOR traffic between nodes,
 * src/node/pubsubRelay.ts; its id is the sender's batch sequence number). Implementations:
 * messageChannelTransport.ts (worker threads in one process); the TCP bridge frames the same
 * encoding.
 */
import type { Message, NodeId } from '../codec/types.js';
import type { FaultRules } from './faultFilter.js';

export type ForwardKind = 'forward' | 'forward-reply' | 'pubsub';

/** Every kind, in wire order (the TCP bridge writes a kind as its index here). */
export const forwardKinds: readonly ForwardKind[] = ['forward', 'forward-reply', 'pubsub'];

export type MessagesHandler = (from: NodeId, messages: Message[]) => void;
export type ForwardHandler = (
  from: NodeId,
  kind: ForwardKind,
  requestId: number,
  payload: Uint8Array,
) => void;

/** Why a batch (or forward) was not sent or not delivered. */
export type DropReason =
  | 'blocked' | 'random' | 'queueFull' | 'unconnected' | 'blockedOnReceive'
  /** TCP bridge only: the encoded batch exceeds the bridge's frame limit (frameBytesMax). */
  | 'tooLarge';

/** Counters for one peer link, from this node's point of view. All counts since start. */
export interface LinkStats {
  peer: NodeId;
  connected: boolean;
  sentBatches: number;
  sentMessages: number;
  sentBytes: number;
  receivedBatches: number;
  receivedMessages: number;
  receivedBytes: number;
  /** Raft messages lost for any reason (sum of `dropped`). */
  droppedMessages: number;
  dropped: Record<DropReason, number>;
  /** Extra copies sent by the duplicate rule; batches held back by delay/reorder. */
  duplicatedBatches: number;
  delayedBatches: number;
  forwardsSent: number;
  forwardsReceived: number;
  forwardsDropped: number;
  /** Received frames that failed to decode or claimed the wrong sender; dropped. */
  invalidFrames: number;
  lastInvalidFrame: string;
  /** Frames/bytes queued (delayed) or posted but not yet acknowledged by the peer. */
  inflightFrames: number;
  inflightBytes: number;
}

export interface Transport {
  /** This node's id. */
  readonly id: NodeId;
  /**
   * Sends one batch of Raft messages to `to`. Never blocks and never throws on network
   * trouble: Raft tolerates loss, so a batch that cannot go (partition, full queue, no
   * connection) is dropped and counted in stats().
   */
  send(to: NodeId, messages: Message[]): void;
  /** The one handler for arriving Raft batches (a second call replaces the first). */
  onMessages(handler: MessagesHandler): void;
  /**
   * Sends an opaque node-level payload (a forwarded client command or its reply) with the
   * caller's request id. Returns false if it was dropped (the caller still needs its own
   * timeout: a delivered request can be lost with its peer). Payloads are copied.
   */
  sendForward(to: NodeId, kind: ForwardKind, requestId: number, payload: Uint8Array): boolean;
  /** Adds a handler for arriving forwards; every handler sees every kind (each takes its own:
   * the forwarder 'forward' and 'forward-reply', the pub/sub relay 'pubsub'). */
  onForward(handler: ForwardHandler): void;
  /** Peers this transport has a link to (connected or not). */
  peers(): NodeId[];
  stats(): LinkStats[];
  /** Replaces the fault rules (cluster controller); `healFaults()` clears them. */
  setFaultRules(rules: FaultRules): void;
  healFaults(): void;
  /** Stops timers, closes every port; later sends are ignored. */
  close(): void;
}

export class TransportError extends Error {
  override name = 'TransportError';
}

/**
 * The pub/sub relay between nodes: PUBLISH and MONITOR traffic travels to the other members
 * over the cluster's own channels (Transport.sendForward, kind 'pubsub'), never through the
 * Raft log, as in Redis Cluster. It is the node's side of the server's ClusterBus
 * (src/server/clusterBus.ts; the shapes match, nothing is imported from the server).
 *
 * Batching and order: records for a peer are appended to its pending batch and sent once per
 * event-loop turn (or as soon as a batch reaches batchBytesMax), so 100,000 PUBLISHes cost a
 * few hundred frames. A peer's link is ordered (MessagePort, TCP), so the messages of one
 * publishing node arrive everywhere in the order it published them. Delivery is at most once:
 * a batch the transport refuses (peer unreachable, queue full) is dropped and counted, and the
 * receiver counts gaps in each sender's batch sequence (the request id).
 *
 * MONITOR interest: a node with MONITOR clients says so to every peer at once and again every
 * interestRefreshMs; a peer believes it for interestTtlMs. Lines are sent only to nodes that
 * want them, so a cluster nobody monitors pays nothing per command.
 *
 * Keyspace events from apply pass through here to the server (the same handler set).
 *
 * Batch payload: records, each `u8 type | u32 LE length | bytes [| u32 LE length | bytes]`:
 *   1 publish   channel, message
 *   2 monitor   line (UTF-8)
 *   3 interest  4 bytes: u32 LE count of MONITOR clients on the sender
 */
import { assert } from '../codec/assert.js';
import type { NodeId } from '../codec/types.js';
import type { KeyspaceEvent } from '../kv/op.js';
import type { Transport } from '../transport/index.js';

/** Where relayed traffic lands; the server's ClusterBusHandlers has this shape. */
export interface RelayHandlers {
  published(channel: Uint8Array, message: Uint8Array): void;
  monitored(line: string): void;
  keyspaceEvents(events: KeyspaceEvent[]): void;
}

export interface PubSubRelayOptions {
  /** A pending batch is sent as soon as it holds this many bytes. */
  batchBytesMax: number;
  /** The largest PUBLISH (channel + message) relayed; larger ones are refused at the door. */
  publishBytesMax: number;
  interestRefreshMs: number;
  interestTtlMs: number;
}

export const defaultRelayOptions: PubSubRelayOptions = {
  batchBytesMax: 1024 * 1024,
  publishBytesMax: 32 * 1024 * 1024,
  interestRefreshMs: 1000,
  interestTtlMs: 3500,
};

const enum RecordType { Publish = 1, Monitor = 2, Interest = 3 }

interface Pending {
  parts: Buffer[];
  bytes: number;
}

export class PubSubRelay {
  readonly publishBytesMax: number;
  private handlers: RelayHandlers | undefined;
  private readonly pending = new Map<NodeId, Pending>();
  private flushScheduled = false;
  private readonly nextSeq = new Map<NodeId, number>();
  private readonly expectedSeq = new Map<NodeId, number>();
  /** Peers with MONITOR clients, and until when we believe it (ms, monotonic). */
  private readonly monitorInterest = new Map<NodeId, number>();
  private localMonitors = 0;
  private interestTimer: ReturnType<typeof setInterval> | undefined;
  private droppedBatches = 0;
  private gaps = 0;
  private invalidBatches = 0;
  /** Read by the node's apply: collect keyspace events only when someone wants them. */
  keyspaceEventsWanted = false;

  constructor(
    private readonly transport: Transport,
    readonly nodeId: NodeId,
    /** Every other member this node can reach (learners included). */
    private readonly peers: () => NodeId[],
    private readonly options: PubSubRelayOptions = defaultRelayOptions,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.publishBytesMax = options.publishBytesMax;
    transport.onForward((from, kind, seq, payload) => {
      if (kind === 'pubsub') this.onBatch(from, seq, payload);
    });
  }

  attach(handlers: RelayHandlers): void {
    this.handlers = handlers;
  }

  // ---- ClusterBus ----------------------------------------------------------------------------

  publish(channel: Uint8Array, message: Uint8Array): void {
    assert(channel.length + message.length <= this.publishBytesMax, 'publish size checked');
    for (const peer of this.peers()) this.append(peer, RecordType.Publish, channel, message);
  }

  remoteMonitors(): boolean {
    if (this.monitorInterest.size === 0) return false;
    const now = this.nowMs();
    for (const [peer, until] of this.monitorInterest) {
      if (until < now) this.monitorInterest.delete(peer);
    }
    return this.monitorInterest.size > 0;
  }

  monitor(line: string): void {
    const bytes = Buffer.from(line, 'utf8');
    for (const peer of this.monitorInterest.keys()) this.append(peer, RecordType.Monitor, bytes);
  }

  setLocalMonitors(count: number): void {
    const changed = (count > 0) !== (this.localMonitors > 0);
    this.localMonitors = count;
    if (!changed) return;
    this.announceInterest();
    if (count > 0 && this.interestTimer === undefined) {
      this.interestTimer = setInterval(() => this.announceInterest(),
        this.options.interestRefreshMs);
      this.interestTimer.unref();
    } else if (count === 0 && this.interestTimer !== undefined) {
      clearInterval(this.interestTimer);
      this.interestTimer = undefined;
    }
  }

  setKeyspaceEventsWanted(wanted: boolean): void {
    this.keyspaceEventsWanted = wanted;
  }

  stats(): { relayDroppedBatches: number; relayGaps: number; relayInvalidBatches: number } {
    return {
      relayDroppedBatches: this.droppedBatches, relayGaps: this.gaps,
      relayInvalidBatches: this.invalidBatches,
    };
  }

  /** Keyspace events from this node's apply (in log order), handed to the server. */
  deliverKeyspaceEvents(events: KeyspaceEvent[]): void {
    this.handlers?.keyspaceEvents(events);
  }

  close(): void {
    if (this.interestTimer !== undefined) clearInterval(this.interestTimer);
    this.interestTimer = undefined;
    this.pending.clear();
  }

  // ---- sending -------------------------------------------------------------------------------

  private announceInterest(): void {
    const count = Buffer.alloc(4);
    count.writeUInt32LE(this.localMonitors);
    for (const peer of this.peers()) this.append(peer, RecordType.Interest, count);
  }

  private append(peer: NodeId, type: RecordType, first: Uint8Array, second?: Uint8Array): void {
    let batch = this.pending.get(peer);
    if (batch === undefined) this.pending.set(peer, (batch = { parts: [], bytes: 0 }));
    const head = Buffer.allocUnsafe(5);
    head.writeUInt8(type, 0);
    head.writeUInt32LE(first.length, 1);
    batch.parts.push(head, toBuffer(first));
    batch.bytes += 5 + first.length;
    if (second !== undefined) {
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32LE(second.length, 0);
      batch.parts.push(len, toBuffer(second));
      batch.bytes += 4 + second.length;
    }
    if (batch.bytes >= this.options.batchBytesMax) this.send(peer, batch);
    else this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const [peer, batch] of this.pending) this.send(peer, batch);
    });
  }

  private send(peer: NodeId, batch: Pending): void {
    this.pending.delete(peer);
    if (batch.bytes === 0) return;
    const seq = (this.nextSeq.get(peer) ?? 0) + 1;
    this.nextSeq.set(peer, seq);
    // A plain Uint8Array of its own: the transport copies it with slice(), which on a Buffer
    // would be a view into Node's shared pool.
    const payload = new Uint8Array(batch.bytes);
    let at = 0;
    for (const part of batch.parts) {
      payload.set(part, at);
      at += part.length;
    }
    const sent = this.transport.sendForward(peer, 'pubsub', seq, payload);
    if (!sent) this.droppedBatches++;
  }

  // ---- receiving -----------------------------------------------------------------------------

  private onBatch(from: NodeId, seq: number, payload: Uint8Array): void {
    const expected = this.expectedSeq.get(from);
    // A sequence that goes backwards is a restarted peer: its stream starts over.
    if (expected !== undefined && seq > expected) this.gaps++;
    this.expectedSeq.set(from, seq + 1);
    const bytes = toBuffer(payload);
    let offset = 0;
    while (offset < bytes.length) {
      const record = readRecord(bytes, offset);
      if (record === undefined) {
        this.invalidBatches++;
        return;
      }
      offset = record.end;
      this.onRecord(from, record.type, record.first, record.second);
    }
  }

  private onRecord(from: NodeId, type: number, first: Buffer, second: Buffer | undefined): void {
    switch (type) {
      case RecordType.Publish:
        this.handlers?.published(first, second!);
        return;
      case RecordType.Monitor:
        this.handlers?.monitored(first.toString('utf8'));
        return;
      case RecordType.Interest: {
        if (first.length !== 4) return;
        if (first.readUInt32LE(0) > 0) {
          this.monitorInterest.set(from, this.nowMs() + this.options.interestTtlMs);
        } else {
          this.monitorInterest.delete(from);
        }
        return;
      }
      default:
        this.invalidBatches++;
    }
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset,
    bytes.byteLength);
}

/** One record at `offset`, or undefined when the bytes do not hold a whole, known record. */
function readRecord(bytes: Buffer, offset: number):
  { type: number; first: Buffer; second: Buffer | undefined; end: number } | undefined {
  if (offset + 5 > bytes.length) return undefined;
  const type = bytes.readUInt8(offset);
  if (type < RecordType.Publish || type > RecordType.Interest) return undefined;
  const firstLength = bytes.readUInt32LE(offset + 1);
  let at = offset + 5;
  if (at + firstLength > bytes.length) return undefined;
  const first = bytes.subarray(at, at + firstLength);
  at += firstLength;
  if (type !== RecordType.Publish) return { type, first, second: undefined, end: at };
  if (at + 4 > bytes.length) return undefined;
  const secondLength = bytes.readUInt32LE(at);
  at += 4;
  if (at + secondLength > bytes.length) return undefined;
  return { type, first, second: bytes.subarray(at, at + secondLength), end: at + secondLength };
}

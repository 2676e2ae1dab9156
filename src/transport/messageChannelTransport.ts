/**
 * The Transport for nodes that are worker threads of one process: one MessagePort per peer.
 * Each Raft batch is encoded with src/codec into ONE ArrayBuffer and transferred, not cloned
 * (postMessage's transfer list), so a batch of entries crosses threads with one copy: the
 * encoding. The fault filter decides each batch's fate on the send side and enforces blocked
 * links again on the receive side (faultFilter.ts). Per-peer flow control: peerLink.ts.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Message, NodeId } from '../codec/types.js';
import { assert } from '../codec/assert.js';
import { CodecError } from '../codec/errors.js';
import { entryDataBytesMax } from '../codec/limits.js';
import { decodeMessageBatch, encodeMessageBatch } from '../codec/topLevel.js';
import { FaultFilter, type FaultRules, type SendDecision, type Traffic } from './faultFilter.js';
import { parseFrame, type Frame } from './frame.js';
import { PeerLink, type DispatchOutcome } from './peerLink.js';
import {
  TransportError, type DropReason, type ForwardHandler, type ForwardKind, type LinkStats,
  type MessagesHandler, type Transport,
} from './transport.js';

export interface MessageChannelTransportOptions {
  id: NodeId;
  /** Seeded random source in [0, 1) for the fault filter (the node passes its PRNG). */
  random: () => number;
  /** Per peer: frames queued or posted and not yet acknowledged. Default 1024. */
  inflightFramesMax?: number;
  /** Per peer: bytes of those frames. Default 64 MiB. */
  inflightBytesMax?: number;
  /** Largest forwarded payload. Default 64 MiB (the largest entry). */
  forwardBytesMax?: number;
}

export const inflightFramesMaxDefault = 1024;
export const inflightBytesMaxDefault = 64 * 1024 * 1024;

export class MessageChannelTransport implements Transport {
  readonly id: NodeId;
  readonly faults: FaultFilter;
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly inflightFramesMax: number;
  private readonly inflightBytesMax: number;
  private readonly forwardBytesMax: number;
  private messagesHandler: MessagesHandler | null = null;
  private readonly forwardHandlers: ForwardHandler[] = [];
  private closed = false;

  constructor(options: MessageChannelTransportOptions, ports: Record<number, MessagePort> = {}) {
    this.id = options.id;
    this.faults = new FaultFilter(options.random);
    this.inflightFramesMax = options.inflightFramesMax ?? inflightFramesMaxDefault;
    this.inflightBytesMax = options.inflightBytesMax ?? inflightBytesMaxDefault;
    this.forwardBytesMax = options.forwardBytesMax ?? entryDataBytesMax;
    checkPositive('id', this.id);
    checkPositive('inflightFramesMax', this.inflightFramesMax);
    checkPositive('inflightBytesMax', this.inflightBytesMax);
    checkPositive('forwardBytesMax', this.forwardBytesMax);
    for (const [peer, port] of Object.entries(ports)) this.connect(Number(peer), port);
  }

  /** Links `peer` to `port`, replacing (and closing) any previous port of that peer. */
  connect(peer: NodeId, port: MessagePort): void {
    assert(!this.closed, 'connect after close');
    checkPositive('peer', peer);
    assert(peer !== this.id, `node ${this.id} cannot connect to itself`);
    this.link(peer).connect(port);
  }

  send(to: NodeId, messages: Message[]): void {
    if (this.closed || messages.length === 0) return;
    for (const m of messages) {
      assert(m.to === to, `message to ${m.to} sent on the link to ${to}`);
      assert(m.from === this.id, `message from ${m.from} sent by node ${this.id}`);
    }
    const link = this.link(to);
    const count = messages.length;
    const decision = this.decide(link, 'raft');
    if (decision === null) {
      this.dropRaft(link, count, 'unconnected');
      return;
    }
    if (decision.kind === 'drop') {
      this.dropRaft(link, count, decision.reason);
      return;
    }
    const encoded = encodeMessageBatch(messages);
    const bytes = encoded.length;
    // A transferred buffer is gone from this thread: every copy is made before the first goes.
    const bufs = decision.delaysMs.map((_, copy) =>
      ownBuffer(copy === 0 ? encoded : encoded.slice()));
    link.stats.duplicatedBatches += bufs.length - 1;
    decision.delaysMs.forEach((delayMs, copy) => {
      const buf = bufs[copy]!;
      this.dispatch(link, { k: 'raft', buf, n: count }, buf, delayMs, {
        onPosted: () => {
          link.stats.sentBatches += 1;
          link.stats.sentMessages += count;
          link.stats.sentBytes += bytes;
        },
        onLost: () => this.dropRaft(link, count, 'unconnected'),
      }, () => this.dropRaft(link, count, 'queueFull'));
    });
  }

  onMessages(handler: MessagesHandler): void {
    this.messagesHandler = handler;
  }

  sendForward(to: NodeId, kind: ForwardKind, requestId: number, payload: Uint8Array): boolean {
    if (this.closed) return false;
    assert(Number.isSafeInteger(requestId) && requestId >= 0, 'request id is a safe integer');
    if (payload.length > this.forwardBytesMax) {
      throw new TransportError(`transport: forwarded ${kind} of ${payload.length} bytes ` +
        `exceeds the limit of ${this.forwardBytesMax} bytes; refuse the request before forwarding`);
    }
    const link = this.link(to);
    const decision = this.decide(link, 'forward');
    if (decision === null || decision.kind === 'drop') {
      link.stats.forwardsDropped += 1;
      return false;
    }
    assert(decision.delaysMs.length === 1, 'forwards are never duplicated');
    const buf = ownBuffer(payload.slice());
    let queued = true;
    this.dispatch(link, { k: 'fwd', kind, id: requestId, buf }, buf, decision.delaysMs[0]!, {
      onPosted: () => {
        link.stats.forwardsSent += 1;
      },
      onLost: () => {
        link.stats.forwardsDropped += 1;
      },
    }, () => {
      link.stats.forwardsDropped += 1;
      queued = false;
    });
    return queued;
  }

  onForward(handler: ForwardHandler): void {
    this.forwardHandlers.push(handler);
  }

  peers(): NodeId[] {
    return [...this.links.keys()].sort((a, b) => a - b);
  }

  stats(): LinkStats[] {
    return this.peers().map((peer) => this.links.get(peer)!.snapshot());
  }

  setFaultRules(rules: FaultRules): void {
    this.faults.setRules(rules);
  }

  healFaults(): void {
    this.faults.heal();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const link of this.links.values()) link.disconnect();
  }

  private link(peer: NodeId): PeerLink {
    let link = this.links.get(peer);
    if (link === undefined) {
      const limits = {
        inflightFramesMax: this.inflightFramesMax,
        inflightBytesMax: this.inflightBytesMax,
      };
      link = new PeerLink(peer, limits, (from, data) => this.onFrame(from, data));
      this.links.set(peer, link);
    }
    return link;
  }

  /** The fault filter's decision, or null when there is no port to send on. */
  private decide(link: PeerLink, traffic: Traffic): SendDecision | null {
    if (!link.connected) return null;
    return this.faults.decideSend(link.peer, traffic);
  }

  private dispatch(
    link: PeerLink,
    frame: Frame,
    buf: ArrayBuffer,
    delayMs: number,
    outcome: DispatchOutcome,
    onFull: () => void,
  ): void {
    if (!link.tryReserve(buf.byteLength)) {
      onFull();
      return;
    }
    link.dispatch(frame, buf, delayMs, outcome);
  }

  private dropRaft(link: PeerLink, count: number, reason: DropReason): void {
    link.stats.dropped[reason] += count;
    link.stats.droppedMessages += count;
  }

  private onFrame(link: PeerLink, data: unknown): void {
    if (this.closed) return;
    const frame = parseFrame(data, this.forwardBytesMax);
    if (typeof frame === 'string') {
      this.invalid(link, frame);
      return;
    }
    if (frame.k === 'ack') {
      const problem = link.applyAck(frame.frames, frame.bytes);
      if (problem !== null) this.invalid(link, problem);
      return;
    }
    link.noteTaken(frame.buf.byteLength);
    if (frame.k === 'raft') this.onRaftFrame(link, frame.buf, frame.n);
    else this.onForwardFrame(link, frame.kind, frame.id, frame.buf);
  }

  private onRaftFrame(link: PeerLink, buf: ArrayBuffer, count: number): void {
    if (!this.faults.acceptFrom(link.peer)) {
      this.dropRaft(link, count, 'blockedOnReceive');
      return;
    }
    let messages: Message[];
    try {
      messages = decodeMessageBatch(new Uint8Array(buf));
    } catch (error) {
      if (!(error instanceof CodecError)) throw error;
      this.invalid(link, error.message);
      return;
    }
    for (const m of messages) {
      if (m.from !== link.peer || m.to !== this.id) {
        this.invalid(link, `message ${m.from}->${m.to} arrived on link ${link.peer}->${this.id}`);
        return;
      }
    }
    link.stats.receivedBatches += 1;
    link.stats.receivedMessages += messages.length;
    link.stats.receivedBytes += buf.byteLength;
    this.messagesHandler?.(link.peer, messages);
  }

  private onForwardFrame(link: PeerLink, kind: ForwardKind, id: number, buf: ArrayBuffer): void {
    if (!this.faults.acceptFrom(link.peer)) {
      link.stats.forwardsDropped += 1;
      return;
    }
    link.stats.forwardsReceived += 1;
    const payload = new Uint8Array(buf);
    for (const handler of this.forwardHandlers) handler(link.peer, kind, id, payload);
  }

  private invalid(link: PeerLink, problem: string): void {
    link.stats.invalidFrames += 1;
    link.stats.lastInvalidFrame = problem;
  }
}

function checkPositive(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TransportError(`transport: ${name} must be a positive integer, got ${value}`);
  }
}

/** The buffer behind `bytes`, which must be exactly `bytes`: it is about to be transferred. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  const buf = bytes.buffer;
  assert(buf instanceof ArrayBuffer, 'frame bytes live in an ArrayBuffer, not a SharedArrayBuffer');
  assert(bytes.byteOffset === 0 && buf.byteLength === bytes.length, 'frame bytes own their buffer');
  return buf;
}

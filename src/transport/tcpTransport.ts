/**
 * The Transport for peers in other processes or on other hosts: the TCP bridge. docs/bridge.md.
 *
 * Connections: for a peer with a known address this node dials, and sends on the connection
 * it dialled; a peer without an address (one that joins by dialling us) is sent to on the
 * connection it opened. Every authenticated connection, whichever side opened it, delivers
 * what arrives on it. So two nodes that know each other's address hold two connections, one
 * per direction of data, and never need to agree on who dials (etcd's rafthttp does the same).
 *
 * Nothing is read from a connection but the handshake until both sides have proven the
 * cluster secret (bridgeHandshake.ts). A connection whose frames are garbage, oversized or out
 * of place is closed, counted and logged; nothing it sent after the bad frame is delivered.
 * Sends go through the same fault filter decisions as the MessageChannel transport and a
 * bounded per-peer queue (bridgePeer.ts); dialers reconnect with capped, jittered backoff.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Message, NodeId } from '../codec/types.js';
import { assert } from '../codec/assert.js';
import { CodecError } from '../codec/errors.js';
import { decodeMessageBatch, encodeMessageBatch } from '../codec/topLevel.js';
import { bridgeConfig, checkAddress, type BridgeConfig, type TcpTransportOptions }
  from './bridgeConfig.js';
import { BridgeConnection, type CloseKind, type ConnectionEvents } from './bridgeConnection.js';
import { BridgePeer, type PeerAddress } from './bridgePeer.js';
import {
  FrameTooLargeError, forwardHead, parseDataFrame, raftHead, type WireFrame,
} from './bridgeWire.js';
import { FaultFilter, type FaultRules } from './faultFilter.js';
import type { DispatchOutcome } from './peerLink.js';
import {
  TransportError, type DropReason, type ForwardHandler, type ForwardKind, type LinkStats,
  type MessagesHandler, type Transport,
} from './transport.js';

/** Listener-level counters: connections that never became (or stopped being) a good peer. */
export interface BridgeStats {
  inboundAccepted: number;
  /** Inbound connections closed at once: too many were still in their handshake. */
  inboundRejectedBusy: number;
  dialAttempts: number;
  authenticated: number;
  /**
   * Handshakes that failed on credentials (bad MAC, other cluster, wrong or refused node id),
   * whichever side noticed; `refusedByPeer` counts those the other side noticed.
   */
  authFailures: number;
  /** Connections closed for garbage, oversized or out-of-place frames. */
  frameErrors: number;
  handshakeTimeouts: number;
  /** Handshakes the other side refused (with a refuse frame). */
  refusedByPeer: number;
  lastRefusal: string;
}

/** Capped exponential backoff with equal jitter: in [base/2, base], base = min·2^attempt. */
export function reconnectDelayMs(attempt: number, minMs: number, maxMs: number,
  random: () => number): number {
  const baseMs = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(baseMs / 2 + random() * (baseMs / 2));
}

export class TcpTransport implements Transport {
  readonly id: NodeId;
  readonly faults: FaultFilter;
  private readonly config: BridgeConfig;
  private readonly links = new Map<NodeId, BridgePeer>();
  private readonly connections = new Set<BridgeConnection>();
  /** The dialer connection (handshaking or open) per peer, and its reconnect timer. */
  private readonly dials = new Map<NodeId, BridgeConnection>();
  private readonly redialTimers = new Map<NodeId, NodeJS.Timeout>();
  private readonly dialAttempt = new Map<NodeId, number>();
  /** The latest authenticated inbound connection per peer (older ones are closed). */
  private readonly inbound = new Map<NodeId, BridgeConnection>();
  private readonly counters: BridgeStats = {
    inboundAccepted: 0, inboundRejectedBusy: 0, dialAttempts: 0, authenticated: 0,
    authFailures: 0, frameErrors: 0, handshakeTimeouts: 0, refusedByPeer: 0, lastRefusal: '',
  };
  private server: Server | null = null;
  private handshaking = 0;
  private messagesHandler: MessagesHandler | null = null;
  private readonly forwardHandlers: ForwardHandler[] = [];
  private closed = false;
  private readonly events: ConnectionEvents = {
    onAuthenticated: (conn) => this.onAuthenticated(conn),
    onData: (conn, frame) => this.onData(conn, frame),
    onClose: (conn, kind, reason) => this.onClose(conn, kind, reason),
  };

  /** Validates the options, then listens (unless `listen: false`) and dials known peers. */
  static async start(options: TcpTransportOptions): Promise<TcpTransport> {
    const transport = new TcpTransport(bridgeConfig(options));
    if (transport.config.listen) await transport.listen();
    for (const [peer, address] of transport.config.peers) transport.addPeer(peer, address);
    return transport;
  }

  private constructor(config: BridgeConfig) {
    this.config = config;
    this.id = config.id;
    this.faults = new FaultFilter(config.random);
  }

  /** Where the listener is bound (the real port when listenPort was 0); null if none. */
  address(): PeerAddress | null {
    const info = this.server?.address();
    if (info === undefined || info === null || typeof info === 'string') return null;
    return { host: (info as AddressInfo).address, port: (info as AddressInfo).port };
  }

  /**
   * Adds (or re-addresses) a peer: with an address this node dials it, reconnecting for as long
   * as the peer is known; with null it waits for the peer to dial in.
   */
  addPeer(peer: NodeId, address: PeerAddress | null): void {
    assert(!this.closed, 'addPeer after close');
    assert(Number.isSafeInteger(peer) && peer >= 1 && peer !== this.id, `peer id ${peer}`);
    if (address !== null) checkAddress(`address of node ${peer}`, address);
    const link = this.link(peer);
    const same = address?.host === link.address?.host && address?.port === link.address?.port;
    if (same && (address === null || this.dials.has(peer))) return;
    link.address = address;
    this.stopDialing(peer, 'peer re-addressed');
    if (address !== null) this.dial(peer);
    else if (this.inbound.has(peer)) link.attach(this.inbound.get(peer)!);
  }

  /** Forgets a peer: closes its connections and loses (counts) what was queued for it. */
  removePeer(peer: NodeId): void {
    const link = this.links.get(peer);
    if (link === undefined) return;
    this.stopDialing(peer, 'peer removed');
    this.inbound.get(peer)?.close('peer removed');
    link.discardAll();
    this.links.delete(peer);
  }

  send(to: NodeId, messages: Message[]): void {
    if (this.closed || messages.length === 0) return;
    for (const m of messages) {
      assert(m.to === to, `message to ${m.to} sent on the link to ${to}`);
      assert(m.from === this.id, `message from ${m.from} sent by node ${this.id}`);
    }
    const link = this.link(to);
    const count = messages.length;
    const decision = this.faults.decideSend(to, 'raft');
    if (decision.kind === 'drop') return this.dropRaft(link, count, decision.reason);
    const batch = encodeMessageBatch(messages);
    const parts = [raftHead(count, batch.length), batch];
    if (!this.fitsFrame(link, parts, 'raft batch')) return this.dropRaft(link, count, 'tooLarge');
    link.stats.duplicatedBatches += decision.delaysMs.length - 1;
    for (const delayMs of decision.delaysMs) {
      if (!link.tryReserve(parts)) {
        this.dropRaft(link, count, 'queueFull');
        continue;
      }
      link.dispatch(parts, delayMs, {
        onPosted: () => {
          link.stats.sentBatches += 1;
          link.stats.sentMessages += count;
          link.stats.sentBytes += batch.length;
        },
        onLost: () => this.dropRaft(link, count, 'unconnected'),
      });
    }
  }

  onMessages(handler: MessagesHandler): void {
    this.messagesHandler = handler;
  }

  sendForward(to: NodeId, kind: ForwardKind, requestId: number, payload: Uint8Array): boolean {
    if (this.closed) return false;
    assert(Number.isSafeInteger(requestId) && requestId >= 0, 'request id is a safe integer');
    if (payload.length > this.config.forwardBytesMax) {
      throw new TransportError(`transport: forwarded ${kind} of ${payload.length} bytes ` +
        `exceeds the limit of ${this.config.forwardBytesMax} bytes; refuse the request ` +
        'before forwarding');
    }
    const link = this.link(to);
    const decision = this.faults.decideSend(to, 'forward');
    const parts = [forwardHead(kind, requestId, payload.length), payload.slice()];
    if (decision.kind === 'drop' || !this.fitsFrame(link, parts, 'forward') ||
      !link.tryReserve(parts)) {
      link.stats.forwardsDropped += 1;
      return false;
    }
    assert(decision.delaysMs.length === 1, 'forwards are never duplicated');
    const outcome: DispatchOutcome = {
      onPosted: () => { link.stats.forwardsSent += 1; },
      onLost: () => { link.stats.forwardsDropped += 1; },
    };
    link.dispatch(parts, decision.delaysMs[0]!, outcome);
    return true;
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

  bridgeStats(): BridgeStats {
    return { ...this.counters };
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
    for (const timer of this.redialTimers.values()) clearTimeout(timer);
    this.redialTimers.clear();
    for (const conn of [...this.connections]) conn.close('transport closed');
    for (const link of this.links.values()) link.discardAll();
    this.server?.close();
  }

  private async listen(): Promise<void> {
    const server = createServer((socket) => this.onInbound(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.listenPort, this.config.listenHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.config.log(`listener error: ${error.message}`));
  }

  private onInbound(socket: Socket): void {
    if (this.closed || this.handshaking >= this.config.handshakingConnectionsMax) {
      this.counters.inboundRejectedBusy += 1;
      socket.destroy();
      return;
    }
    this.counters.inboundAccepted += 1;
    this.handshaking += 1;
    this.track(new BridgeConnection(socket, 'listener', this.connectionConfig(), this.events, 0));
  }

  private dial(peer: NodeId): void {
    const address = this.links.get(peer)?.address;
    if (this.closed || address === undefined || address === null) return;
    this.counters.dialAttempts += 1;
    const socket = connect({ host: address.host, port: address.port });
    const conn = new BridgeConnection(socket, 'dialer', this.connectionConfig(), this.events,
      peer);
    this.dials.set(peer, conn);
    this.track(conn);
    socket.once('connect', () => conn.start());
  }

  private stopDialing(peer: NodeId, reason: string): void {
    const timer = this.redialTimers.get(peer);
    if (timer !== undefined) clearTimeout(timer);
    this.redialTimers.delete(peer);
    const conn = this.dials.get(peer);
    this.dials.delete(peer);
    conn?.close(reason);
  }

  private scheduleRedial(peer: NodeId): void {
    if (this.closed || this.redialTimers.has(peer)) return;
    const attempt = this.dialAttempt.get(peer) ?? 0;
    this.dialAttempt.set(peer, attempt + 1);
    // Jitter is not a fault decision: it uses Math.random so it leaves the seeded stream alone.
    const delayMs = reconnectDelayMs(attempt, this.config.reconnectDelayMsMin,
      this.config.reconnectDelayMsMax, Math.random);
    this.redialTimers.set(peer, setTimeout(() => {
      this.redialTimers.delete(peer);
      this.dial(peer);
    }, delayMs));
  }

  private onAuthenticated(conn: BridgeConnection): void {
    this.counters.authenticated += 1;
    const peer = conn.peer;
    if (conn.role === 'dialer') {
      this.dialAttempt.set(peer, 0);
      this.config.log(`connected to node ${peer}`);
      this.links.get(peer)?.attach(conn);
      return;
    }
    this.handshaking -= 1;
    this.config.log(`node ${peer} connected`);
    // One inbound connection per peer: a newer one means the peer reconnected (or restarted).
    const previous = this.inbound.get(peer);
    this.inbound.set(peer, conn);
    previous?.close(`node ${peer} opened a newer connection`);
    const link = this.link(peer);
    if (link.address === null) link.attach(conn);
  }

  private onData(conn: BridgeConnection, wire: WireFrame): void {
    if (this.closed) return;
    const link = this.links.get(conn.peer);
    if (link === undefined) return conn.close(`node ${conn.peer} was removed`);
    const frame = parseDataFrame(wire, this.config.forwardBytesMax);
    if (typeof frame === 'string') return this.invalid(conn, link, frame);
    if (!this.faults.acceptFrom(link.peer)) {
      if (frame.k === 'raft') this.dropRaft(link, frame.count, 'blockedOnReceive');
      else link.stats.forwardsDropped += 1;
      return;
    }
    if (frame.k === 'fwd') {
      link.stats.forwardsReceived += 1;
      for (const handler of this.forwardHandlers) {
        handler(link.peer, frame.kind, frame.id, frame.payload);
      }
      return;
    }
    let messages: Message[];
    try {
      messages = decodeMessageBatch(frame.batch);
    } catch (error) {
      if (!(error instanceof CodecError)) throw error;
      return this.invalid(conn, link, error.message);
    }
    if (messages.length !== frame.count) {
      return this.invalid(conn, link, `raft frame says ${frame.count} messages, holds ` +
        `${messages.length}`);
    }
    for (const m of messages) {
      if (m.from !== link.peer || m.to !== this.id) {
        return this.invalid(conn, link, `message ${m.from}->${m.to} arrived on link ` +
          `${link.peer}->${this.id}`);
      }
    }
    link.stats.receivedBatches += 1;
    link.stats.receivedMessages += messages.length;
    link.stats.receivedBytes += frame.batch.length;
    this.messagesHandler?.(link.peer, messages);
  }

  private onClose(conn: BridgeConnection, kind: CloseKind, reason: string): void {
    this.connections.delete(conn);
    if (conn.role === 'listener' && !conn.authenticated) this.handshaking -= 1;
    assert(this.handshaking >= 0, 'handshaking count stays >= 0');
    this.count(kind, reason);
    const who = conn.peer === 0 ? 'an unidentified peer' : `node ${conn.peer}`;
    if (kind !== 'local') {
      const side = conn.role === 'dialer' ? 'to' : 'from';
      this.config.log(`connection ${side} ${who} closed (${kind}): ${reason}`);
    }
    this.links.get(conn.peer)?.detach(conn);
    if (this.inbound.get(conn.peer) === conn) this.inbound.delete(conn.peer);
    if (conn.role === 'dialer' && this.dials.get(conn.peer) === conn) {
      this.dials.delete(conn.peer);
      this.scheduleRedial(conn.peer);
    }
  }

  private track(conn: BridgeConnection): void {
    this.connections.add(conn);
  }

  private count(kind: CloseKind, reason: string): void {
    if (kind === 'auth' || kind === 'refused') {
      this.counters.lastRefusal = reason;
      this.counters.authFailures += 1;
      if (kind === 'refused') this.counters.refusedByPeer += 1;
    } else if (kind === 'frame') {
      this.counters.frameErrors += 1;
    } else if (kind === 'timeout') {
      this.counters.handshakeTimeouts += 1;
    }
  }

  private invalid(conn: BridgeConnection, link: BridgePeer, problem: string): void {
    link.stats.invalidFrames += 1;
    link.stats.lastInvalidFrame = problem;
    conn.close(`invalid frame from node ${link.peer}: ${problem}`);
    this.counters.frameErrors += 1;
    this.config.log(`closed the connection of node ${link.peer}: invalid frame: ${problem}`);
  }

  /** Whether a frame fits the bridge's frame limit; logs (sparsely) when it does not. */
  private fitsFrame(link: BridgePeer, parts: Uint8Array[], what: string): boolean {
    const bytes = parts.reduce((sum, part) => sum + part.length, 0);
    if (bytes <= this.config.frameBytesMax) return true;
    const dropped = link.stats.dropped.tooLarge + 1;
    if ((dropped & (dropped - 1)) === 0) {
      const error = new FrameTooLargeError(bytes, this.config.frameBytesMax, `outgoing ${what}`);
      this.config.log(`not sent to node ${link.peer} (${dropped} so far): ${error.message}`);
    }
    return false;
  }

  private dropRaft(link: BridgePeer, count: number, reason: DropReason): void {
    link.stats.dropped[reason] += count;
    link.stats.droppedMessages += count;
  }

  private link(peer: NodeId): BridgePeer {
    let link = this.links.get(peer);
    if (link === undefined) {
      link = new BridgePeer(peer, null, this.config);
      this.links.set(peer, link);
    }
    return link;
  }

  private connectionConfig() {
    return {
      self: this.id, clusterId: this.config.clusterId, secret: this.config.secret,
      frameBytesMax: this.config.frameBytesMax, handshakeTimeoutMs: this.config.handshakeTimeoutMs,
      refusePeer: (peer: NodeId) => this.links.has(peer) || this.config.admitPeer(peer) ? null
        : `node ${peer} is not a member this node admits`,
    };
  }
}

/**
 * One node's Transport over two others: peers in the same process on the MessageChannel
 * transport (`local`), peers elsewhere on the TCP bridge (`remote`). Each send is routed by
 * peer id; arrivals from either are handed to the one handler; stats, peers, fault rules and
 * close span both. The node layer sees one Transport and does not know which peer is where.
 */
import type { Message, NodeId } from '../codec/types.js';
import { assert } from '../codec/assert.js';
import type { FaultRules } from './faultFilter.js';
import type {
  ForwardHandler, ForwardKind, LinkStats, MessagesHandler, Transport,
} from './transport.js';

export interface CompositeTransportOptions {
  local: Transport;
  remote: Transport;
  /** Whether `peer` is reached through `remote`. Default: it is one of remote.peers(). */
  isRemote?: (peer: NodeId) => boolean;
}

export class CompositeTransport implements Transport {
  readonly id: NodeId;
  readonly local: Transport;
  readonly remote: Transport;
  private readonly isRemote: (peer: NodeId) => boolean;

  constructor(options: CompositeTransportOptions) {
    assert(options.local.id === options.remote.id, 'both transports belong to one node');
    this.id = options.local.id;
    this.local = options.local;
    this.remote = options.remote;
    this.isRemote = options.isRemote ?? ((peer) => this.remote.peers().includes(peer));
  }

  /** The transport that carries traffic to `peer`. */
  route(peer: NodeId): Transport {
    return this.isRemote(peer) ? this.remote : this.local;
  }

  send(to: NodeId, messages: Message[]): void {
    this.route(to).send(to, messages);
  }

  onMessages(handler: MessagesHandler): void {
    this.local.onMessages(handler);
    this.remote.onMessages(handler);
  }

  sendForward(to: NodeId, kind: ForwardKind, requestId: number, payload: Uint8Array): boolean {
    return this.route(to).sendForward(to, kind, requestId, payload);
  }

  onForward(handler: ForwardHandler): void {
    this.local.onForward(handler);
    this.remote.onForward(handler);
  }

  peers(): NodeId[] {
    return [...new Set([...this.local.peers(), ...this.remote.peers()])].sort((a, b) => a - b);
  }

  /** One entry per peer: from the transport that routes to it. */
  stats(): LinkStats[] {
    const byPeer = new Map<NodeId, LinkStats>();
    for (const s of this.local.stats()) {
      if (this.route(s.peer) === this.local) byPeer.set(s.peer, s);
    }
    for (const s of this.remote.stats()) {
      if (this.route(s.peer) === this.remote) byPeer.set(s.peer, s);
    }
    return [...byPeer.values()].sort((a, b) => a.peer - b.peer);
  }

  setFaultRules(rules: FaultRules): void {
    this.local.setFaultRules(rules);
    this.remote.setFaultRules(rules);
  }

  healFaults(): void {
    this.local.healFaults();
    this.remote.healFaults();
  }

  close(): void {
    this.local.close();
    this.remote.close();
  }
}

/**
 * The server's pub/sub registry: which connections listen to which channels and patterns,
 * which are MONITORs, and delivery to them. A PUBLISH made here reaches the local listeners
 * at once and goes to every other node through the cluster bus (clusterBus.ts), which hands
 * the other nodes' PUBLISHes back to deliverLocal; keyspace events raised by this node's apply
 * become local publishes on Redis's __keyspace@/__keyevent@ channels.
 *
 * A message is encoded once per protocol (RESP2 array, RESP3 push) and the same bytes are
 * handed to every listener. Each listener bounds what it holds (Connection.deliver: the
 * client-output-buffer-limit for pubsub): a slow one is dropped, never buffered without end.
 *
 * Channel names and patterns are bytes; as map keys they are latin1 strings (one character
 * per byte, so any bytes round-trip).
 */
import { globMatch } from '../kv/glob.js';
import type { KeyspaceEvent } from '../kv/op.js';
import type { ClientState } from './clientState.js';
import type { ClusterBus } from './clusterBus.js';
import { KeyspaceEventFlags, keyspaceMessages } from './keyspaceEvents.js';
import { encodeReply, type RespProtocol, type RespValue } from './respEncoder.js';

/** One push, encoded at most once per protocol. */
export class EncodedPush {
  private resp2: Buffer | undefined;
  private resp3: Buffer | undefined;

  constructor(readonly reply: RespValue) {}

  bytes(protocol: RespProtocol): Buffer {
    if (protocol === 2) return (this.resp2 ??= encodeReply(this.reply, 2));
    return (this.resp3 ??= encodeReply(this.reply, 3));
  }
}

/** A connection that can be handed pushes (pub/sub messages, MONITOR lines). */
export interface PushTarget {
  readonly client: ClientState;
  deliver(push: EncodedPush): void;
}

export interface PubSubStats {
  /** Messages handed to listeners on this node (each listener counted). */
  deliveredMessages: number;
  /** PUBLISH commands executed on this node. */
  publishedMessages: number;
}

export class PubSubHub {
  private readonly channels = new Map<string, Set<PushTarget>>();
  private readonly patterns = new Map<string, Set<PushTarget>>();
  private readonly monitors = new Set<PushTarget>();
  private keyspaceFlags = KeyspaceEventFlags.none;
  readonly stats: PubSubStats = { deliveredMessages: 0, publishedMessages: 0 };

  constructor(private readonly bus: ClusterBus | undefined) {
    bus?.attach({
      published: (channel, message) => this.deliverLocal(asBuffer(channel), asBuffer(message)),
      monitored: (line) => this.pushToMonitors(new EncodedPush({ simple: line })),
      keyspaceEvents: (events) => this.onKeyspaceEvents(events),
    });
  }

  get nodeId(): number {
    return this.bus?.nodeId ?? 0;
  }

  /** The relay's counters for INFO stats (none without a bus). */
  relayStats(): [string, number][] {
    if (this.bus === undefined) return [];
    const s = this.bus.stats();
    return [['pubsub_relay_dropped_batches', s.relayDroppedBatches],
      ['pubsub_relay_gaps', s.relayGaps]];
  }

  /** The largest PUBLISH (channel + message bytes): the relay's, or a bulk's without one. */
  get publishBytesMax(): number {
    return this.bus?.publishBytesMax ?? 512 * 1024 * 1024;
  }

  // ---- subscriptions -------------------------------------------------------------------------

  subscribe(target: PushTarget, channel: Buffer): void {
    const name = channel.toString('latin1');
    if (target.client.channels.has(name)) return;
    target.client.channels.add(name);
    addTo(this.channels, name, target);
  }

  /** Whether the target was subscribed. */
  unsubscribe(target: PushTarget, channel: Buffer): boolean {
    const name = channel.toString('latin1');
    if (!target.client.channels.delete(name)) return false;
    removeFrom(this.channels, name, target);
    return true;
  }

  psubscribe(target: PushTarget, pattern: Buffer): void {
    const name = pattern.toString('latin1');
    if (target.client.patterns.has(name)) return;
    target.client.patterns.add(name);
    addTo(this.patterns, name, target);
  }

  punsubscribe(target: PushTarget, pattern: Buffer): boolean {
    const name = pattern.toString('latin1');
    if (!target.client.patterns.delete(name)) return false;
    removeFrom(this.patterns, name, target);
    return true;
  }

  /** The connection closed: forget everything it listened to. */
  drop(target: PushTarget): void {
    for (const name of target.client.channels) removeFrom(this.channels, name, target);
    for (const name of target.client.patterns) removeFrom(this.patterns, name, target);
    target.client.channels.clear();
    target.client.patterns.clear();
    this.removeMonitor(target);
  }

  // ---- publishing ----------------------------------------------------------------------------

  /** PUBLISH on this node: local listeners now, every other node through the bus. Returns the
   * number of local receivers (what Redis Cluster answers too). */
  publish(channel: Buffer, message: Buffer): number {
    this.stats.publishedMessages++;
    this.bus?.publish(channel, message);
    return this.deliverLocal(channel, message);
  }

  /** Hands a message to this node's listeners; returns how many received it. */
  deliverLocal(channel: Buffer, message: Buffer): number {
    let receivers = 0;
    const name = channel.toString('latin1');
    const direct = this.channels.get(name);
    if (direct !== undefined) {
      const push = new EncodedPush({ push: [messageWord, channel, message] });
      for (const target of direct) target.deliver(push);
      receivers += direct.size;
    }
    for (const [pattern, targets] of this.patterns) {
      if (!globMatch(Buffer.from(pattern, 'latin1'), channel)) continue;
      const push = new EncodedPush({
        push: [pmessageWord, Buffer.from(pattern, 'latin1'), channel, message],
      });
      for (const target of targets) target.deliver(push);
      receivers += targets.size;
    }
    this.stats.deliveredMessages += receivers;
    return receivers;
  }

  // ---- PUBSUB introspection (this node's listeners, as Redis Cluster answers) ----------------

  channelNames(pattern: Buffer | undefined): Buffer[] {
    const names: Buffer[] = [];
    for (const name of this.channels.keys()) {
      const bytes = Buffer.from(name, 'latin1');
      if (pattern === undefined || globMatch(pattern, bytes)) names.push(bytes);
    }
    return names;
  }

  subscriberCount(channel: Buffer): number {
    return this.channels.get(channel.toString('latin1'))?.size ?? 0;
  }

  /** Distinct patterns listened to on this node (PUBSUB NUMPAT). */
  patternCount(): number {
    return this.patterns.size;
  }

  channelCount(): number {
    return this.channels.size;
  }

  // ---- MONITOR -------------------------------------------------------------------------------

  addMonitor(target: PushTarget): void {
    this.monitors.add(target);
    target.client.monitor = true;
    this.bus?.setLocalMonitors(this.monitors.size);
  }

  removeMonitor(target: PushTarget): void {
    if (!this.monitors.delete(target)) return;
    target.client.monitor = false;
    this.bus?.setLocalMonitors(this.monitors.size);
  }

  /** Whether a command executed here must be formatted for some MONITOR, here or elsewhere. */
  monitoring(): boolean {
    return this.monitors.size > 0 || (this.bus?.remoteMonitors() ?? false);
  }

  /** A command executed on this node: to the local MONITORs and the other nodes'. */
  feedMonitors(line: string): void {
    if (this.monitors.size > 0) this.pushToMonitors(new EncodedPush({ simple: line }));
    if (this.bus?.remoteMonitors() === true) this.bus.monitor(line);
  }

  private pushToMonitors(push: EncodedPush): void {
    for (const target of this.monitors) target.deliver(push);
  }

  // ---- keyspace notifications ----------------------------------------------------------------

  get notifyFlags(): KeyspaceEventFlags {
    return this.keyspaceFlags;
  }

  setNotifyFlags(flags: KeyspaceEventFlags): void {
    this.keyspaceFlags = flags;
    this.bus?.setKeyspaceEventsWanted(flags.active);
  }

  /** Events this node's apply raised: published here only (every node raises its own). */
  onKeyspaceEvents(events: KeyspaceEvent[]): void {
    if (!this.keyspaceFlags.active) return;
    for (const event of events) {
      for (const [channel, message] of keyspaceMessages(this.keyspaceFlags, event)) {
        this.deliverLocal(channel, message);
      }
    }
  }
}

const messageWord = Buffer.from('message');
const pmessageWord = Buffer.from('pmessage');

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset,
    bytes.byteLength);
}

function addTo(map: Map<string, Set<PushTarget>>, name: string, target: PushTarget): void {
  let set = map.get(name);
  if (set === undefined) map.set(name, (set = new Set()));
  set.add(target);
}

function removeFrom(map: Map<string, Set<PushTarget>>, name: string, target: PushTarget): void {
  const set = map.get(name);
  if (set === undefined) return;
  set.delete(target);
  if (set.size === 0) map.delete(name);
}

// Proves the pub/sub relay between nodes over real MessageChannel transports: PUBLISHes made on
// one node reach the others exactly once and in the order they were made, batched into a few
// frames per event-loop turn (not one per message); batches larger than batchBytesMax are split
// without reordering; MONITOR lines go only to nodes that announced MONITOR clients, and that
// interest expires when it is not renewed and ends when the count drops to zero; a batch lost
// on a blocked link is counted by the sender and shows as a gap at the receiver; malformed
// batches are counted and ignored; keyspace events pass through to the handlers.
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { PubSubRelay, defaultRelayOptions, type RelayHandlers } from
  '../../src/node/pubsubRelay.js';
import { MessageChannelTransport, NO_FAULTS } from '../../src/transport/index.js';

interface Node {
  relay: PubSubRelay;
  transport: MessageChannelTransport;
  published: string[];
  monitored: string[];
}

const transports: MessageChannelTransport[] = [];
afterEach(() => { for (const t of transports.splice(0)) t.close(); });

/** A full mesh of `n` nodes (ids 1..n), each with a relay recording what it is handed. */
function mesh(n: number, options = defaultRelayOptions, nowMs?: () => number): Node[] {
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const nodes = ids.map((id) => {
    const transport = new MessageChannelTransport({ id, random: () => 0.5 });
    transports.push(transport);
    const relay = new PubSubRelay(transport, id, () => ids.filter((p) => p !== id), options,
      nowMs);
    const node: Node = { relay, transport, published: [], monitored: [] };
    const handlers: RelayHandlers = {
      published: (c, m) => node.published.push(`${Buffer.from(c)}:${Buffer.from(m)}`),
      monitored: (line) => node.monitored.push(line),
      keyspaceEvents: () => undefined,
    };
    relay.attach(handlers);
    return node;
  });
  for (const a of ids) {
    for (const b of ids) {
      if (a >= b) continue;
      const channel = new MessageChannel();
      nodes[a - 1]!.transport.connect(b, channel.port1);
      nodes[b - 1]!.transport.connect(a, channel.port2);
    }
  }
  return nodes;
}

async function waitFor(what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const bytes = (s: string): Buffer => Buffer.from(s);

describe('PubSubRelay', () => {
  it('every node gets every other node\'s PUBLISHes once, in order, in few frames', async () => {
    const nodes = mesh(3);
    for (let i = 0; i < 3000; i++) {
      for (const node of nodes) node.relay.publish(bytes(`c${node.relay.nodeId}`), bytes(`${i}`));
    }
    await waitFor('every message', () => nodes.every((n) => n.published.length === 6000));
    for (const node of nodes) {
      for (const other of nodes) {
        if (other === node) continue;
        const channel = `c${other.relay.nodeId}`;
        const got = node.published.filter((m) => m.startsWith(`${channel}:`));
        expect(got).toEqual(Array.from({ length: 3000 }, (_, i) => `${channel}:${i}`));
      }
      const sent = node.transport.stats().reduce((sum, l) => sum + l.forwardsSent, 0);
      expect(sent).toBeLessThanOrEqual(4);
    }
  });

  it('splits large batches without reordering', async () => {
    const nodes = mesh(2, { ...defaultRelayOptions, batchBytesMax: 1000 });
    const big = 'x'.repeat(300);
    for (let i = 0; i < 50; i++) nodes[0]!.relay.publish(bytes('big'), bytes(`${i}${big}`));
    await waitFor('50 messages', () => nodes[1]!.published.length === 50);
    expect(nodes[1]!.published.map((m) => Number(/^big:(\d+)x/.exec(m)![1]))).toEqual(
      Array.from({ length: 50 }, (_, i) => i));
    // ~316 bytes a record: a batch is sent at its 4th, so 50 records take 13 frames.
    expect(nodes[0]!.transport.stats()[0]!.forwardsSent).toBe(13);
  });

  it('sends MONITOR lines only to nodes that want them, while they want them', async () => {
    let now = 0;
    const nodes = mesh(3, { ...defaultRelayOptions, interestTtlMs: 1000 }, () => now);
    const [a, b, c] = nodes as [Node, Node, Node];
    expect(a.relay.remoteMonitors()).toBe(false);
    b.relay.setLocalMonitors(1);
    await waitFor('interest at a and c', () =>
      a.relay.remoteMonitors() && c.relay.remoteMonitors());
    a.relay.monitor('line one');
    await waitFor('the line at b', () => b.monitored.length === 1);
    expect(b.monitored).toEqual(['line one']);
    expect(c.monitored).toEqual([]);
    now += 1001; // b's interest was not renewed in time
    expect(a.relay.remoteMonitors()).toBe(false);
    b.relay.setLocalMonitors(0);
    b.relay.setLocalMonitors(2);
    await waitFor('renewed interest', () => a.relay.remoteMonitors());
    b.relay.setLocalMonitors(0);
    await waitFor('interest withdrawn', () => !a.relay.remoteMonitors());
    for (const node of nodes) node.relay.close();
  });

  it('counts a batch lost on a blocked link at both ends (dropped, gap)', async () => {
    const [a, b] = mesh(2) as [Node, Node];
    a.relay.publish(bytes('c'), bytes('1'));
    await waitFor('first', () => b.published.length === 1);
    a.transport.setFaultRules({ ...NO_FAULTS, blockedTo: [2] });
    a.relay.publish(bytes('c'), bytes('2'));
    await new Promise((r) => setTimeout(r, 20));
    a.transport.healFaults();
    a.relay.publish(bytes('c'), bytes('3'));
    await waitFor('third', () => b.published.length === 2);
    expect(b.published).toEqual(['c:1', 'c:3']);
    expect(a.relay.stats().relayDroppedBatches).toBe(1);
    expect(b.relay.stats().relayGaps).toBe(1);
  });

  it('ignores malformed batches and passes keyspace events through', async () => {
    const [a, b] = mesh(2) as [Node, Node];
    a.transport.sendForward(2, 'pubsub', 1, new Uint8Array([1, 255, 255, 255, 255]));
    a.transport.sendForward(2, 'pubsub', 2, new Uint8Array([9, 0, 0, 0, 0]));
    a.relay.publish(bytes('after'), bytes('ok'));
    await waitFor('the good batch', () => b.published.length === 1);
    expect(b.relay.stats().relayInvalidBatches).toBe(2);
    const seen: number[] = [];
    b.relay.attach({ published: () => undefined, monitored: () => undefined,
      keyspaceEvents: (events) => seen.push(events.length) });
    b.relay.deliverKeyspaceEvents([{ notifyClass: 'g', event: 'del', db: 0, key: bytes('k') }]);
    expect(seen).toEqual([1]);
  });
});

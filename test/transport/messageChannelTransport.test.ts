// Proves the MessageChannel transport in one thread over real MessageChannels: batches arrive
// intact and are counted on both ends; each batch is one transferred ArrayBuffer (detached on
// the sender); the per-peer in-flight bounds drop (and count) instead of buffering, and
// recover once the peer acknowledges; delay, duplicate and blocked rules act on real traffic;
// forwarded requests round-trip with their ids; malformed frames are counted, never thrown;
// closed ports, reconnects and close() lose frames only in counted ways.
import { afterEach, describe, expect, it } from 'vitest';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import {
  MessageType, encodeMessageBatch, message, type Message,
} from '../../src/codec/index.js';
import {
  MessageChannelTransport, NO_FAULTS, TransportError, type ForwardKind,
  type MessageChannelTransportOptions,
} from '../../src/transport/index.js';
import { appMessage, sleep, waitFor } from './helpers.js';
import { seeded } from './scriptedRandom.js';

const open: MessageChannelTransport[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

function transport(id: number, extra: Partial<MessageChannelTransportOptions> = {})
  : MessageChannelTransport {
  const t = new MessageChannelTransport({ id, random: seeded(id), ...extra });
  open.push(t);
  return t;
}

interface Pair {
  a: MessageChannelTransport;
  b: MessageChannelTransport;
  portA: MessagePort;
  received: Message[][];
}

function pair(extraA: Partial<MessageChannelTransportOptions> = {}): Pair {
  const channel = new MessageChannel();
  const a = transport(1, extraA);
  const b = transport(2);
  a.connect(2, channel.port1);
  b.connect(1, channel.port2);
  const received: Message[][] = [];
  b.onMessages((from, msgs) => {
    expect(from).toBe(1);
    received.push(msgs);
  });
  return { a, b, portA: channel.port1, received };
}

describe('MessageChannelTransport', () => {
  it('delivers batches intact and counts them on both ends', async () => {
    const { a, b, received } = pair();
    const batch = [appMessage(1, 2, 1, 3), message({ type: MessageType.Heartbeat, from: 1,
      to: 2, term: 1, commit: 2 })];
    a.send(2, batch);
    a.send(2, [appMessage(1, 2, 4)]);
    await waitFor('two batches', () => received.length === 2);
    expect(received[0]).toEqual(batch);
    expect(received[1]![0]!.entries[0]!.index).toBe(4);
    const sent = a.stats()[0]!;
    const got = b.stats()[0]!;
    expect(sent).toMatchObject({ peer: 2, connected: true, sentBatches: 2, sentMessages: 3,
      droppedMessages: 0 });
    expect(got).toMatchObject({ peer: 1, receivedBatches: 2, receivedMessages: 3 });
    expect(got.receivedBytes).toBe(sent.sentBytes);
    await waitFor('ack', () => a.stats()[0]!.inflightFrames === 0);
    expect(a.stats()[0]!.inflightBytes).toBe(0);
  });

  it('transfers one ArrayBuffer per batch instead of cloning it', async () => {
    const { a, portA, received } = pair();
    const transfers: ArrayBuffer[][] = [];
    const post = portA.postMessage.bind(portA);
    portA.postMessage = (value: unknown, list?: readonly unknown[]) => {
      transfers.push([...(list ?? [])] as ArrayBuffer[]);
      post(value, list as never);
    };
    a.send(2, [appMessage(1, 2, 1, 4, 1000)]);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]).toHaveLength(1);
    expect(transfers[0]![0]).toBeInstanceOf(ArrayBuffer);
    expect(transfers[0]![0]!.byteLength).toBe(0); // detached: the bytes left this thread
    await waitFor('delivery', () => received.length === 1);
    // Decoded entry data are views into the one transferred buffer.
    const entries = received[0]![0]!.entries;
    expect(entries[0]!.data.buffer).toBe(entries[3]!.data.buffer);
    expect(entries[0]!.data.buffer.byteLength).toBe(a.stats()[0]!.sentBytes);
  });

  it('drops and counts batches beyond the in-flight frame bound, then recovers', async () => {
    const { a, received } = pair({ inflightFramesMax: 8 });
    for (let i = 1; i <= 20; i++) a.send(2, [appMessage(1, 2, i)]);
    expect(a.stats()[0]).toMatchObject({ sentBatches: 8, inflightFrames: 8, droppedMessages: 12,
      dropped: { queueFull: 12, blocked: 0, random: 0, unconnected: 0, blockedOnReceive: 0 } });
    await waitFor('eight batches', () => received.length === 8);
    await waitFor('ack', () => a.stats()[0]!.inflightFrames === 0);
    expect(received.map((msgs) => msgs[0]!.entries[0]!.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    a.send(2, [appMessage(1, 2, 21)]);
    await waitFor('the next batch', () => received.length === 9);
  });

  it('bounds in-flight bytes but lets one oversized frame through when idle', async () => {
    const { a, received } = pair({ inflightBytesMax: 2000 });
    a.send(2, [appMessage(1, 2, 1, 1, 5000)]); // alone: goes despite the limit
    a.send(2, [appMessage(1, 2, 2, 1, 10)]); // refused: 5000+ bytes in flight
    expect(a.stats()[0]).toMatchObject({ sentBatches: 1, dropped: { queueFull: 1 } });
    await waitFor('ack', () => a.stats()[0]!.inflightFrames === 0);
    a.send(2, [appMessage(1, 2, 3, 1, 10)]);
    a.send(2, [appMessage(1, 2, 4, 1, 10)]);
    await waitFor('three batches', () => received.length === 3);
  });

  it('delays, duplicates and blocks real traffic as the rules say', async () => {
    const { a, b, received } = pair();
    a.setFaultRules({ ...NO_FAULTS, delayMs: 60 });
    a.send(2, [appMessage(1, 2, 1)]);
    await new Promise((resolve) => setImmediate(resolve)); // held by the 60 ms timer
    expect(received).toHaveLength(0);
    expect(a.stats()[0]).toMatchObject({ delayedBatches: 1, inflightFrames: 1, sentBatches: 0 });
    await waitFor('delayed batch', () => received.length === 1);

    a.setFaultRules({ ...NO_FAULTS, duplicateRate: 1 });
    a.send(2, [appMessage(1, 2, 2)]);
    await waitFor('both copies', () => received.length === 3);
    expect(received[1]).toEqual(received[2]);
    expect(a.stats()[0]).toMatchObject({ duplicatedBatches: 1, sentBatches: 3 });

    a.setFaultRules({ ...NO_FAULTS, blockedTo: [2] });
    a.send(2, [appMessage(1, 2, 3)]);
    a.healFaults();
    b.setFaultRules({ ...NO_FAULTS, blockedFrom: [1] });
    a.send(2, [appMessage(1, 2, 4)]);
    await waitFor('receive-side drop', () => b.stats()[0]!.dropped.blockedOnReceive === 1);
    expect(a.stats()[0]!.dropped.blocked).toBe(1);
    expect(received).toHaveLength(3);
    b.healFaults();
    a.send(2, [appMessage(1, 2, 5)]);
    await waitFor('healed delivery', () => received.length === 4);
  });

  it('forwards opaque payloads with request ids, copied, both ways', async () => {
    const { a, b } = pair();
    const atB: [number, ForwardKind, number, number[]][] = [];
    const atA: [number, ForwardKind, number, number[]][] = [];
    b.onForward((from, kind, id, payload) => {
      atB.push([from, kind, id, [...payload]]);
      b.sendForward(from, 'forward-reply', id, new Uint8Array([...payload].reverse()));
    });
    a.onForward((from, kind, id, payload) => atA.push([from, kind, id, [...payload]]));
    const payload = new Uint8Array([1, 2, 3]);
    expect(a.sendForward(2, 'forward', 77, payload)).toBe(true);
    payload[0] = 9; // the transport copied it
    await waitFor('reply', () => atA.length === 1);
    expect(atB).toEqual([[1, 'forward', 77, [1, 2, 3]]]);
    expect(atA).toEqual([[2, 'forward-reply', 77, [3, 2, 1]]]);
    expect(a.stats()[0]).toMatchObject({ forwardsSent: 1, forwardsReceived: 1 });
    a.setFaultRules({ ...NO_FAULTS, blockedTo: [2], duplicateRate: 1 });
    expect(a.sendForward(2, 'forward', 78, payload)).toBe(false);
    expect(a.stats()[0]!.forwardsDropped).toBe(1);
    expect(() => a.sendForward(2, 'forward', 79, new Uint8Array(64 * 1024 * 1024 + 1)))
      .toThrow(new TransportError('transport: forwarded forward of 67108865 bytes exceeds the ' +
        'limit of 67108864 bytes; refuse the request before forwarding'));
  });

  it('counts malformed frames instead of throwing', async () => {
    const channel = new MessageChannel();
    const b = transport(2);
    b.connect(1, channel.port2);
    const raw = channel.port1;
    raw.postMessage('hello');
    raw.postMessage({ k: 'raft', buf: new Uint8Array([1, 8, 0]).buffer, n: 1 });
    const forged = encodeMessageBatch([appMessage(3, 2, 1)]);
    const forgedBuf = forged.buffer as ArrayBuffer; // claims to be from node 3, arrives from 1
    raw.postMessage({ k: 'raft', buf: forgedBuf, n: 1 }, [forgedBuf]);
    raw.postMessage({ k: 'ack', frames: 5, bytes: 5 });
    await waitFor('four invalid frames', () => b.stats()[0]!.invalidFrames === 4);
    expect(b.stats()[0]!.receivedMessages).toBe(0);
    expect(b.stats()[0]!.lastInvalidFrame).toBe('ack of 5 frames outside [0, 0]');
    raw.close();
  });

  it('drops to peers without a port and notices a closed peer', async () => {
    const { a, b } = pair();
    a.send(3, [appMessage(1, 3, 1)]);
    expect(a.stats().find((s) => s.peer === 3)).toMatchObject({ connected: false,
      dropped: { unconnected: 1 } });
    b.close();
    await waitFor('close noticed', () => !a.stats()[0]!.connected);
    a.send(2, [appMessage(1, 2, 1)]);
    expect(a.stats()[0]!.dropped.unconnected).toBe(1);
  });

  it('loses held-back frames, counted, on reconnect and close', async () => {
    const { a, received } = pair();
    a.setFaultRules({ ...NO_FAULTS, delayMs: 50 });
    a.send(2, [appMessage(1, 2, 1)]);
    const channel = new MessageChannel();
    a.connect(2, channel.port1);
    expect(a.stats()[0]).toMatchObject({ inflightFrames: 0, dropped: { unconnected: 1 } });
    a.send(2, [appMessage(1, 2, 2)]);
    a.close();
    a.send(2, [appMessage(1, 2, 3)]); // ignored after close
    await sleep(80);
    expect(received).toHaveLength(0);
    expect(a.stats()[0]!.dropped.unconnected).toBe(2);
    channel.port2.close();
  });

  it('asserts that messages match the link they are sent on', () => {
    const { a } = pair();
    expect(() => a.send(2, [appMessage(1, 3, 1)])).toThrow('message to 3 sent on the link to 2');
    expect(() => a.send(2, [appMessage(4, 2, 1)])).toThrow('message from 4 sent by node 1');
  });
});

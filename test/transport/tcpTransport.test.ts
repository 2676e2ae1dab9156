// Proves the TCP bridge over real sockets on 127.0.0.1: three nodes (two that dial each other,
// one that only dials in) exchange Raft batches and forwarded requests intact; a peer with the
// wrong secret is refused in both directions; a handshake recorded off the wire and replayed on
// a new connection (to the same node or another) is refused; garbage bytes, an oversized
// frame, a silent connection and an authenticated peer sending an undecodable batch are each
// closed and counted while good peers keep being served; a dialer reconnects after the remote
// side restarts; sends to a peer that is down are queued up to the bound, then dropped and
// counted, and the queue is flushed on connect; fault rules act on bridge traffic; a
// CompositeTransport routes some peers over MessageChannels and others over TCP.
import { afterEach, describe, expect, it } from 'vitest';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { MessageChannel } from 'node:worker_threads';
import { encodeMessageBatch, type Message } from '../../src/codec/index.js';
import {
  CompositeTransport, MessageChannelTransport, NO_FAULTS, TcpTransport,
  type ForwardKind, type PeerAddress, type TcpTransportOptions,
} from '../../src/transport/index.js';
import {
  computeMac, decodeChallenge, encodeHello, freshNonce, handshakeVersion,
} from '../../src/transport/bridgeHandshake.js';
import { WireType, encodeFrame, raftHead, FrameAssembler } from '../../src/transport/bridgeWire.js';
import { appMessage, sleep, waitFor } from './helpers.js';
import { seeded } from './scriptedRandom.js';

const secret = 'a shared cluster secret, 32 bytes';
const clusterId = 'cluster-test-1';
const open: { close(): void }[] = [];
afterEach(() => {
  for (const t of open.splice(0).reverse()) t.close();
});

interface Node {
  t: TcpTransport;
  logs: string[];
  received: { from: number; messages: Message[] }[];
  forwards: { from: number; kind: ForwardKind; id: number; payload: Uint8Array }[];
  addr: PeerAddress;
}

async function node(id: number, extra: Partial<TcpTransportOptions> = {}): Promise<Node> {
  const logs: string[] = [];
  const t = await TcpTransport.start({
    id, clusterId, secret, random: seeded(id), reconnectDelayMsMin: 20,
    reconnectDelayMsMax: 200, log: (line) => logs.push(line), ...extra,
  });
  open.push(t);
  const received: Node['received'] = [];
  const forwards: Node['forwards'] = [];
  t.onMessages((from, messages) => received.push({ from, messages }));
  t.onForward((from, kind, fid, payload) => forwards.push({ from, kind, id: fid, payload }));
  return { t, logs, received, forwards, addr: t.address()! };
}

function connected(t: TcpTransport, peer: number): boolean {
  return t.stats().find((s) => s.peer === peer)?.connected === true;
}

function rawSocket(addr: PeerAddress): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(addr.port, addr.host, () => resolve(socket));
    socket.on('error', reject);
  });
}

/** Resolves when the node closes `socket`; fails the test if it has not within 5 s. */
function closedPromise(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the node did not close the socket')), 5_000);
    socket.on('close', () => clearTimeout(timer));
    if (socket.destroyed) resolve();
    socket.on('error', () => undefined);
    socket.resume(); // read (and discard) what the node says, so the end is seen
    socket.on('close', () => resolve());
  });
}

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('TcpTransport', () => {
  it('three nodes exchange batches and forwards (dialling peers and a dial-in peer)', async () => {
    const n1 = await node(1);
    const n2 = await node(2, { peers: { 1: n1.addr } });
    n1.t.addPeer(2, n2.addr);
    // Node 3 dials 1 and 2; they know no address for it and answer on its connections.
    const n3 = await node(3, { listen: false, peers: { 1: n1.addr, 2: n2.addr } });
    await waitFor('links up', () => connected(n1.t, 2) && connected(n2.t, 1) &&
      connected(n3.t, 1) && connected(n3.t, 2) && connected(n1.t, 3) && connected(n2.t, 3));
    const batch = [appMessage(1, 2, 1, 3, 100), appMessage(1, 2, 4)];
    n1.t.send(2, batch);
    n1.t.send(3, [appMessage(1, 3, 7)]);
    n3.t.send(2, [appMessage(3, 2, 9, 2)]);
    n2.t.send(3, [appMessage(2, 3, 11)]);
    await waitFor('batches', () => n2.received.length === 2 && n3.received.length === 2);
    expect(n2.received.find((r) => r.from === 1)!.messages).toEqual(batch);
    expect(n2.received.find((r) => r.from === 3)!.messages).toEqual([appMessage(3, 2, 9, 2)]);
    expect(n3.received.map((r) => r.from).sort()).toEqual([1, 2]);
    const s12 = n1.t.stats().find((s) => s.peer === 2)!;
    expect(s12).toMatchObject({ sentBatches: 1, sentMessages: 2, droppedMessages: 0 });
    expect(s12.sentBytes).toBe(encodeMessageBatch(batch).length);
    expect(n2.t.stats().find((s) => s.peer === 1)).toMatchObject({ receivedBatches: 1,
      receivedMessages: 2, receivedBytes: s12.sentBytes });

    expect(n3.t.sendForward(1, 'forward', 42, new Uint8Array([1, 2, 3]))).toBe(true);
    await waitFor('forward', () => n1.forwards.length === 1);
    expect(n1.forwards[0]).toMatchObject({ from: 3, kind: 'forward', id: 42 });
    expect([...n1.forwards[0]!.payload]).toEqual([1, 2, 3]);
    n1.t.sendForward(3, 'forward-reply', 42, new Uint8Array([9]));
    await waitFor('reply', () => n3.forwards.length === 1);
    expect(n3.forwards[0]).toMatchObject({ from: 1, kind: 'forward-reply', id: 42 });
    expect(n1.t.bridgeStats()).toMatchObject({ authFailures: 0, frameErrors: 0 });
  });

  it('refuses a peer with the wrong secret in both directions; nothing is delivered',
    async () => {
      const n1 = await node(1);
      const bad = await node(2, { secret: 'not the cluster secret at all!!', peers: {
        1: n1.addr } });
      n1.t.addPeer(2, bad.addr);
      bad.t.send(1, [appMessage(2, 1, 1)]);
      n1.t.send(2, [appMessage(1, 2, 1)]);
      await waitFor('two refusals seen by node 1', () => n1.t.bridgeStats().authFailures >= 2);
      await sleep(100);
      expect(n1.received).toEqual([]);
      expect(bad.received).toEqual([]);
      expect(connected(n1.t, 2)).toBe(false);
      expect(connected(bad.t, 1)).toBe(false);
      expect(n1.logs.some((l) => /node 2 failed to prove the cluster secret/.test(l)))
        .toBe(true);
      expect(n1.logs.some((l) => /refused the handshake/.test(l))).toBe(true);
      // What node 1 meant for the impostor is still queued, not handed over.
      expect(n1.t.stats().find((s) => s.peer === 2)).toMatchObject({ sentBatches: 0,
        inflightFrames: 1 });
    });

  it('refuses a recorded handshake replayed on a new connection', async () => {
    const n1 = await node(1);
    const n3 = await node(3);
    // A recording proxy between node 2 (dialer) and node 1.
    const recorded: Buffer[] = [];
    const proxy: Server = createServer((client) => {
      const upstream = connect(n1.addr.port, n1.addr.host);
      client.on('data', (chunk: Buffer) => {
        recorded.push(chunk);
        upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.on('close', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    open.push({ close: () => proxy.close() });
    const proxyPort = (proxy.address() as { port: number }).port;
    const n2 = await node(2, { listen: false, peers: { 1: { host: '127.0.0.1',
      port: proxyPort } } });
    n2.t.send(1, [appMessage(2, 1, 1)]);
    await waitFor('good delivery through the proxy', () => n1.received.length === 1);
    n2.t.close();
    const capture = Buffer.concat(recorded);
    const before = n1.t.bridgeStats().authFailures;

    for (const target of [n1, n3]) {
      const socket = await rawSocket(target.addr);
      const closed = closedPromise(socket);
      socket.write(capture);
      await closed;
    }
    await waitFor('both refusals counted', () => n1.t.bridgeStats().authFailures === before + 1 &&
      n3.t.bridgeStats().authFailures === 1);
    expect(n1.received).toHaveLength(1);
    expect(n3.received).toHaveLength(0);
    expect(n1.t.bridgeStats().lastRefusal).toMatch(/replayed handshake/);
    expect(n3.t.bridgeStats().lastRefusal).toBe('hello for node 1 reached node 3');
  });

  it('closes garbage, oversized and silent connections and keeps serving good peers',
    async () => {
      const n1 = await node(1, { handshakeTimeoutMs: 300 });
      const n2 = await node(2, { listen: false, peers: { 1: n1.addr } });
      await waitFor('n2 up', () => connected(n2.t, 1));

      const garbage = await rawSocket(n1.addr);
      const garbageClosed = closedPromise(garbage);
      // Deterministic garbage: a seeded byte stream (its first length field is far above 1 KiB).
      const bytes = seeded(99);
      garbage.write(Buffer.from(Array.from({ length: 64 * 1024 }, () =>
        Math.floor(bytes() * 256))));
      const oversized = await rawSocket(n1.addr);
      const oversizedClosed = closedPromise(oversized);
      const header = Buffer.alloc(5);
      header.writeUInt32BE(0x7fff_ffff, 0);
      oversized.write(header);
      const silent = await rawSocket(n1.addr);
      const silentClosed = closedPromise(silent);
      await Promise.all([garbageClosed, oversizedClosed, silentClosed]);
      const stats = n1.t.bridgeStats();
      expect(stats.frameErrors).toBe(2);
      expect(stats.handshakeTimeouts).toBe(1);
      expect(n1.logs.some((l) => /FrameTooLarge|exceeds the limit of 1024 bytes/.test(l)))
        .toBe(true);
      expect(n1.logs.some((l) => /no handshake within 300 ms/.test(l))).toBe(true);

      n2.t.send(1, [appMessage(2, 1, 5)]);
      await waitFor('good peer still served', () => n1.received.length === 1);
      expect(n1.t.peers()).toEqual([2]);
    });

  it('closes an authenticated peer that sends an oversized frame or an undecodable batch',
    async () => {
      const n1 = await node(1, { frameBytesMax: 64 * 1024 });
      const n2 = await node(2, { listen: false, peers: { 1: n1.addr } });
      await waitFor('n2 up', () => connected(n2.t, 1));
      // An authenticated client with raw access to the socket.
      const raw = await rawHandshake(n1.addr, 3, 1);
      const rawClosed = closedPromise(raw.socket);
      const junk = new Uint8Array([1, 8, 0xff, 0xff, 0xff]);
      raw.socket.write(Buffer.concat([raftHead(1, junk.length), junk]));
      await rawClosed;
      expect(n1.t.stats().find((s) => s.peer === 3)).toMatchObject({ invalidFrames: 1,
        receivedBatches: 0 });
      expect(n1.t.stats().find((s) => s.peer === 3)!.lastInvalidFrame).toMatch(/codec/);

      // Node 2 may send 1 MiB frames; node 1 takes 64 KiB: the connection is closed.
      n2.t.send(1, [appMessage(2, 1, 1, 1, 100 * 1024)]);
      await waitFor('oversized frame refused', () => n1.t.bridgeStats().frameErrors === 2);
      await waitFor('n2 reconnects', () => connected(n2.t, 1));
      n2.t.send(1, [appMessage(2, 1, 2)]);
      await waitFor('small batch delivered', () => n1.received.length === 1);
      expect(n1.received[0]!.messages[0]!.entries[0]!.index).toBe(2);
    });

  it('node 1 refuses to send a batch over its own frame limit (counted tooLarge)', async () => {
    const n1 = await node(1, { frameBytesMax: 4096 });
    const n2 = await node(2, { peers: { 1: n1.addr } });
    n1.t.addPeer(2, n2.addr);
    n1.t.send(2, [appMessage(1, 2, 1, 1, 8192)]);
    expect(n1.t.stats()[0]!.dropped.tooLarge).toBe(1);
    expect(n1.logs.some((l) => /outgoing raft batch frame of \d+ bytes exceeds the limit of 4096/
      .test(l))).toBe(true);
  });

  it('reconnects after the remote side restarts on the same port', async () => {
    const n1 = await node(1);
    const port = n1.addr.port;
    const n2 = await node(2, { listen: false, peers: { 1: n1.addr } });
    n2.t.send(1, [appMessage(2, 1, 1)]);
    await waitFor('first delivery', () => n1.received.length === 1);
    n1.t.close();
    await waitFor('n2 sees the loss', () => !connected(n2.t, 1));
    const again = await node(1, { listenPort: port });
    await waitFor('n2 reconnects', () => connected(n2.t, 1), 5_000);
    n2.t.send(1, [appMessage(2, 1, 2)]);
    await waitFor('delivery after restart', () => again.received.length === 1);
    expect(n2.t.bridgeStats().dialAttempts).toBeGreaterThanOrEqual(2);
  });

  it('queues up to the bound while a peer is down, drops the rest, flushes on connect',
    async () => {
      const port = await freePort();
      const n2 = await node(2, { listen: false, queueFramesMax: 10,
        peers: { 1: { host: '127.0.0.1', port } } });
      for (let i = 1; i <= 25; i++) {
        n2.t.send(1, [appMessage(2, 1, i), appMessage(2, 1, 100 + i)]);
      }
      expect(n2.t.stats()[0]).toMatchObject({ connected: false, inflightFrames: 10,
        droppedMessages: 30 });
      expect(n2.t.stats()[0]!.dropped.queueFull).toBe(30);
      const n1 = await node(1, { listenPort: port });
      await waitFor('queue flushed', () => n1.received.length === 10, 5_000);
      expect(n1.received.map((r) => r.messages[0]!.entries[0]!.index)).toEqual(
        Array.from({ length: 10 }, (_, i) => i + 1));
      await waitFor('nothing in flight', () => n2.t.stats()[0]!.inflightFrames === 0);
      expect(n2.t.stats()[0]).toMatchObject({ sentBatches: 10, sentMessages: 20 });
    });

  it('bounds queued bytes too', async () => {
    const port = await freePort();
    const n2 = await node(2, { listen: false, queueBytesMax: 10_000,
      peers: { 1: { host: '127.0.0.1', port } } });
    for (let i = 1; i <= 5; i++) n2.t.send(1, [appMessage(2, 1, i, 1, 4000)]);
    const s = n2.t.stats()[0]!;
    expect(s.inflightFrames).toBe(2);
    expect(s.inflightBytes).toBeLessThanOrEqual(10_000);
    expect(s.dropped.queueFull).toBe(3);
  });

  it('applies fault rules: blocked links on both ends, delays', async () => {
    const n1 = await node(1);
    const n2 = await node(2, { peers: { 1: n1.addr } });
    n1.t.addPeer(2, n2.addr);
    await waitFor('up', () => connected(n1.t, 2) && connected(n2.t, 1));
    n1.t.setFaultRules({ ...NO_FAULTS, blockedTo: [2] });
    n1.t.send(2, [appMessage(1, 2, 1)]);
    n2.t.setFaultRules({ ...NO_FAULTS, blockedFrom: [1] });
    n1.t.healFaults();
    n1.t.send(2, [appMessage(1, 2, 2)]);
    await waitFor('blocked on receive', () =>
      n2.t.stats()[0]!.dropped.blockedOnReceive === 1);
    expect(n1.t.stats()[0]!.dropped.blocked).toBe(1);
    n2.t.healFaults();
    n1.t.setFaultRules({ ...NO_FAULTS, delayMs: 80 });
    const sentAt = Date.now();
    n1.t.send(2, [appMessage(1, 2, 3)]);
    await waitFor('delayed delivery', () => n2.received.length === 1);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(70);
    expect(n1.t.stats()[0]!.delayedBatches).toBe(1);
  });

  it('CompositeTransport routes local peers over MessageChannels and remote ones over TCP',
    async () => {
      const channel = new MessageChannel();
      const local1 = new MessageChannelTransport({ id: 1, random: seeded(1) });
      const local2 = new MessageChannelTransport({ id: 2, random: seeded(2) });
      open.push(local1, local2);
      local1.connect(2, channel.port1);
      local2.connect(1, channel.port2);
      const remote1 = await node(1);
      const n3 = await node(3, { listen: false, peers: { 1: remote1.addr } });
      const composite = new CompositeTransport({ local: local1, remote: remote1.t });
      const got: { from: number; index: number }[] = [];
      composite.onMessages((from, messages) =>
        got.push({ from, index: messages[0]!.entries[0]!.index }));
      local2.send(1, [appMessage(2, 1, 10)]);
      n3.t.send(1, [appMessage(3, 1, 20)]);
      await waitFor('both arrive', () => got.length === 2);
      expect(got.sort((a, b) => a.from - b.from)).toEqual([{ from: 2, index: 10 },
        { from: 3, index: 20 }]);
      expect(composite.route(2)).toBe(local1);
      expect(composite.route(3)).toBe(remote1.t);
      const seen: number[] = [];
      local2.onMessages((from) => seen.push(from));
      composite.send(2, [appMessage(1, 2, 1)]);
      composite.send(3, [appMessage(1, 3, 1)]);
      await waitFor('routed sends', () => seen.length === 1 && n3.received.length === 1);
      expect(composite.peers()).toEqual([2, 3]);
      expect(composite.stats().map((s) => [s.peer, s.sentBatches])).toEqual([[2, 1], [3, 1]]);
    });
});

/** Does the dialer's half of the handshake by hand (with the right secret). */
async function rawHandshake(addr: PeerAddress, self: number, peer: number)
  : Promise<{ socket: Socket }> {
  const socket = await rawSocket(addr);
  const dialerNonce = freshNonce();
  socket.write(encodeFrame(WireType.Hello, encodeHello({ version: handshakeVersion, from: self,
    to: peer, nonce: dialerNonce, clusterId })));
  const assembler = new FrameAssembler(1024);
  const next = async (): Promise<{ type: number; body: Uint8Array }> => {
    for (;;) {
      const frame = assembler.next();
      if (frame !== null) return frame;
      await new Promise<void>((resolve) => socket.once('data', (chunk: Buffer) => {
        assembler.push(chunk);
        resolve();
      }));
    }
  };
  const challengeFrame = await next();
  expect(challengeFrame.type).toBe(WireType.Challenge);
  const challenge = decodeChallenge(challengeFrame.body);
  if (typeof challenge === 'string') throw new Error(challenge);
  const input = { secret: Buffer.from(secret), clusterId, dialer: self, listener: peer,
    dialerNonce, listenerNonce: challenge.nonce };
  expect(Buffer.from(challenge.mac)).toEqual(computeMac('listener', input));
  socket.write(encodeFrame(WireType.Proof, computeMac('dialer', input)));
  expect((await next()).type).toBe(WireType.Accept);
  return { socket };
}

// Proves the MessageChannel transport between REAL worker threads (compiled peer.worker.js
// from dist/; run `npx tsc -p .` first): batches of entries cross threads intact and in order,
// each as one transferred (detached) ArrayBuffer; a symmetric partition blocks both ways and
// heal restores traffic; a one-way partition blocks one direction only, also when only the
// receiver has the rule; random drops are counted exactly; a stalled receiver makes the
// sender drop (and count) beyond its in-flight bound instead of buffering, and traffic
// resumes when it recovers; forwarded requests round-trip; a terminated peer is noticed.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { NO_FAULTS, type FaultRules, type LinkStats } from '../../src/transport/index.js';
import type { PeerCommand, PeerInit, PeerStats } from './peer.worker.js';
import { eventually, sleep } from './helpers.js';

const workerFile = fileURLToPath(new URL('../../dist/test/transport/peer.worker.js',
  import.meta.url));

class Peer {
  private nextRequestId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();

  constructor(readonly id: number, readonly worker: Worker) {
    worker.on('message', ({ requestId, result }: { requestId: number; result: unknown }) => {
      this.pending.get(requestId)?.(result);
      this.pending.delete(requestId);
    });
  }

  call<T>(command: PeerCommand): Promise<T> {
    const requestId = this.nextRequestId++;
    return new Promise<T>((resolve) => {
      this.pending.set(requestId, resolve as (result: unknown) => void);
      this.worker.postMessage({ requestId, command });
    });
  }

  send(to: number, batches: number, startIndex = 1, entries = 2, dataBytes = 64)
    : Promise<{ transferred: number; notDetached: number }> {
    return this.call({ cmd: 'send', to, batches, entries, dataBytes, startIndex });
  }

  stats(): Promise<PeerStats> {
    return this.call({ cmd: 'stats' });
  }

  async link(peer: number): Promise<LinkStats> {
    return (await this.stats()).links.find((l) => l.peer === peer)!;
  }

  async receivedFrom(peer: number): Promise<number> {
    return (await this.stats()).received[peer]?.batches ?? 0;
  }

  setRules(rules: Partial<FaultRules>): Promise<null> {
    return this.call({ cmd: 'setRules', rules: { ...NO_FAULTS, ...rules } });
  }
}

/** Spawns one worker per id, with a MessageChannel between every pair. */
function spawnMesh(ids: number[], extra: Partial<PeerInit> = {}): Map<number, Peer> {
  const ports = new Map<number, Record<number, MessagePort>>(ids.map((id) => [id, {}]));
  for (const a of ids) {
    for (const b of ids) {
      if (a >= b) continue;
      const channel = new MessageChannel();
      ports.get(a)![b] = channel.port1;
      ports.get(b)![a] = channel.port2;
    }
  }
  const peers = new Map<number, Peer>();
  for (const id of ids) {
    const own = ports.get(id)!;
    const init: PeerInit = { id, seed: 1000 + id, ports: own, ...extra };
    const worker = new Worker(workerFile, { workerData: init, transferList: Object.values(own) });
    peers.set(id, new Peer(id, worker));
  }
  return peers;
}

async function waitReceived(peer: Peer, from: number, batches: number): Promise<void> {
  await eventually(`node ${peer.id} to receive ${batches} batches from ${from}`,
    async () => (await peer.receivedFrom(from)) >= batches);
}

async function waitIdle(peer: Peer, to: number): Promise<void> {
  await eventually(`node ${peer.id}'s frames to ${to} acknowledged`,
    async () => (await peer.link(to)).inflightFrames === 0);
}

beforeAll(() => {
  if (!existsSync(workerFile)) throw new Error(`${workerFile} is missing: run 'npx tsc -p .'`);
});

describe('three workers on a MessageChannel mesh', () => {
  let mesh: Map<number, Peer>;
  const node = (id: number): Peer => mesh.get(id)!;

  beforeAll(() => {
    mesh = spawnMesh([1, 2, 3]);
  });
  afterEach(async () => {
    for (const peer of mesh.values()) await peer.call({ cmd: 'heal' });
  });
  afterAll(async () => {
    for (const peer of mesh.values()) await peer.worker.terminate();
  });

  it('delivers every batch intact, in order, as one transferred ArrayBuffer', async () => {
    for (const from of [1, 2, 3]) {
      for (const to of [1, 2, 3]) {
        if (from === to) continue;
        const result = await node(from).send(to, 10, 1, 3, 200);
        expect(result).toEqual({ transferred: 10, notDetached: 0 });
      }
    }
    for (const to of [1, 2, 3]) {
      for (const from of [1, 2, 3]) {
        if (from === to) continue;
        await waitReceived(node(to), from, 10);
        const received = (await node(to).stats()).received[from]!;
        expect(received.indexes).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
        expect(received.badEntries).toBe(0);
        const sent = await node(from).link(to);
        const got = await node(to).link(from);
        expect(got.receivedBytes).toBe(sent.sentBytes);
        expect(got.receivedMessages).toBe(sent.sentMessages);
      }
    }
  });

  it('a symmetric partition blocks both ways; heal restores traffic', async () => {
    await node(1).setRules({ blockedTo: [2, 3], blockedFrom: [2, 3] });
    await node(2).setRules({ blockedTo: [1], blockedFrom: [1] });
    await node(3).setRules({ blockedTo: [1], blockedFrom: [1] });
    const before = { at2from1: await node(2).receivedFrom(1),
      at1from2: await node(1).receivedFrom(2), at3from2: await node(3).receivedFrom(2) };
    const blockedBefore = (await node(1).link(2)).dropped.blocked;
    await node(1).send(2, 5, 100);
    await node(2).send(1, 5, 100);
    await node(2).send(3, 5, 100);
    await waitReceived(node(3), 2, before.at3from2 + 5); // the majority side still talks
    await sleep(50);
    expect(await node(2).receivedFrom(1)).toBe(before.at2from1);
    expect(await node(1).receivedFrom(2)).toBe(before.at1from2);
    expect((await node(1).link(2)).dropped.blocked).toBe(blockedBefore + 5);

    for (const id of [1, 2, 3]) await node(id).call({ cmd: 'heal' });
    await node(1).send(2, 5, 200);
    await node(2).send(1, 5, 200);
    await waitReceived(node(2), 1, before.at2from1 + 5);
    await waitReceived(node(1), 2, before.at1from2 + 5);
  });

  it('a one-way partition blocks one direction only', async () => {
    await node(1).setRules({ blockedTo: [3] });
    await node(3).setRules({ blockedFrom: [1] });
    const at3 = await node(3).receivedFrom(1);
    const at1 = await node(1).receivedFrom(3);
    await node(1).send(3, 4, 300);
    await node(3).send(1, 4, 300);
    await waitReceived(node(1), 3, at1 + 4);
    await sleep(50);
    expect(await node(3).receivedFrom(1)).toBe(at3);

    // Only the receiver knows the rule yet: the sender sends, the receiver drops on arrival.
    await node(1).call({ cmd: 'heal' });
    const onReceive = (await node(3).link(1)).dropped.blockedOnReceive;
    await node(1).send(3, 4, 400);
    await eventually('receive-side drops',
      async () => (await node(3).link(1)).dropped.blockedOnReceive === onReceive + 4);
    expect(await node(3).receivedFrom(1)).toBe(at3);
  });

  it('counts random drops exactly', async () => {
    await node(2).setRules({ dropRate: 0.3 });
    const before = await node(2).link(3);
    const receivedBefore = await node(3).receivedFrom(2);
    for (let i = 0; i < 5; i++) await node(2).send(3, 40, 1000 + i * 80);
    const after = await node(2).link(3);
    const sent = after.sentBatches - before.sentBatches;
    const dropped = after.dropped.random - before.dropped.random;
    expect(sent + dropped).toBe(200);
    expect(dropped).toBeGreaterThan(30);
    expect(dropped).toBeLessThan(90);
    await waitReceived(node(3), 2, receivedBefore + sent);
  });

  it('forwards requests and relays replies by request id', async () => {
    expect(await node(2).call({ cmd: 'forward', to: 1, requestId: 41, payload: [1, 2, 3] }))
      .toBe(true);
    expect(await node(3).call({ cmd: 'forward', to: 1, requestId: 42, payload: [7] })).toBe(true);
    await eventually('both replies', async () =>
      (await node(2).stats()).replies.length === 1 && (await node(3).stats()).replies.length === 1);
    expect((await node(2).stats()).replies).toEqual([[1, 41, [3, 2, 1]]]);
    expect((await node(3).stats()).replies).toEqual([[1, 42, [7]]]);
  });
});

describe('bounded queues and dead peers between two workers', () => {
  it('drops beyond the in-flight bound while the receiver is stalled, then recovers',
    async () => {
      const gate = new SharedArrayBuffer(4);
      const mesh = spawnMesh([1, 2], { inflightFramesMax: 64, gate });
      const [a, b] = [mesh.get(1)!, mesh.get(2)!];
      try {
        await a.send(2, 1, 1); // both workers are up and linked
        await waitReceived(b, 1, 1);
        await waitIdle(a, 2);
        await b.call({ cmd: 'block' });
        for (let i = 0; i < 10; i++) await a.send(2, 50, 100 + i * 100);
        const stalled = await a.link(2);
        expect(stalled.sentBatches).toBe(1 + 64);
        expect(stalled.dropped.queueFull).toBe(500 - 64);
        expect(stalled.inflightFrames).toBe(64);
        const flag = new Int32Array(gate);
        Atomics.store(flag, 0, 1);
        Atomics.notify(flag, 0);
        await waitReceived(b, 1, 1 + 64);
        await waitIdle(a, 2);
        await a.send(2, 1, 5000);
        await waitReceived(b, 1, 1 + 64 + 1);
        expect(await b.receivedFrom(1)).toBe(66);
      } finally {
        for (const peer of mesh.values()) await peer.worker.terminate();
      }
    });

  it('notices a terminated peer and drops to it, counted', async () => {
    const mesh = spawnMesh([1, 2]);
    const [a, b] = [mesh.get(1)!, mesh.get(2)!];
    try {
      await a.send(2, 1, 1);
      await waitReceived(b, 1, 1);
      await b.worker.terminate();
      await eventually('the closed port noticed', async () => !(await a.link(2)).connected);
      await a.send(2, 3, 10);
      expect((await a.link(2)).dropped.unconnected).toBe(3);
    } finally {
      await a.worker.terminate();
    }
  });
});

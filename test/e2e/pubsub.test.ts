// Proves pub/sub across a real 3-node cluster (worker threads, real sockets, stock clients):
// subscribers on every node, ioredis (RESP2) and node-redis (RESP3, its defaults), by channel
// and by pattern; 100,000 messages published from all three nodes at once reach each
// subscriber exactly once per subscription, in each publisher's order, whichever node the
// publisher and the subscriber are on (the relay between nodes, not the Raft log); then a
// subscriber that stops reading is disconnected at its node's client-output-buffer-limit while
// the subscribers of the same channel on that node and on the others receive everything.
import net from 'node:net';
import { createClient, type RedisClientType } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { client, closeClients, startTestCluster, waitFor } from './helpers.js';

const messagesTotal = 100_000;
const nodeRedisClients: RedisClientType[] = [];

/** Per subscription: the payloads received, by publisher, in arrival order. */
class Received {
  readonly byPublisher = new Map<string, number[]>();
  count = 0;
  add(payload: string): void {
    const [publisher, seq] = payload.split(':') as [string, string];
    let list = this.byPublisher.get(publisher);
    if (list === undefined) this.byPublisher.set(publisher, (list = []));
    list.push(Number(seq));
    this.count++;
  }
}

describe('pub/sub across a 3-node cluster', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
    await cluster.waitForLeader();
  });
  afterAll(async () => {
    for (const c of nodeRedisClients.splice(0)) await c.close().catch(() => undefined);
    await closeClients();
    await cluster?.stop();
  });

  it('delivers 100,000 messages from all nodes to subscribers on every node', async () => {
    const [p1, p2, p3] = cluster.ids.map((id) => cluster.portOf(id)) as [number, number, number];
    // Subscriptions: [node port, kind, name, client]; each gets its own record.
    const subs: { what: string; got: Received; wants: (channel: string) => boolean }[] = [];
    const ioSub = async (port: number, channel: string): Promise<void> => {
      const r = await client(port);
      const got = new Received();
      r.on('message', (_c: string, m: string) => got.add(m));
      await r.subscribe(channel);
      subs.push({ what: `ioredis@${port} ${channel}`, got, wants: (c) => c === channel });
    };
    const nrSub = async (port: number, pattern: string): Promise<void> => {
      const r: RedisClientType = createClient({ socket: { port, reconnectStrategy: false } });
      nodeRedisClients.push(r);
      await r.connect();
      const got = new Received();
      await r.pSubscribe(pattern, (m) => got.add(m));
      subs.push({ what: `node-redis@${port} ${pattern}`, got, wants: () => true });
    };
    await ioSub(p1, 'ps:x');
    await ioSub(p2, 'ps:y');
    await ioSub(p3, 'ps:x');
    await nrSub(p1, 'ps:*');
    await nrSub(p2, 'ps:*');
    await nrSub(p3, 'ps:*');
    const publishers = await Promise.all([p1, p2, p3].map((port) => client(port)));
    const perPublisher = Math.ceil(messagesTotal / 3);
    const channelOf = (seq: number): string => (seq % 2 === 0 ? 'ps:x' : 'ps:y');
    await Promise.all(publishers.map(async (pub, index) => {
      for (let start = 0; start < perPublisher; start += 500) {
        const pipeline = pub.pipeline();
        for (let seq = start; seq < Math.min(start + 500, perPublisher); seq++) {
          pipeline.publish(channelOf(seq), `P${index}:${seq}`);
        }
        await pipeline.exec();
      }
    }));
    const expectedFor = (wants: (channel: string) => boolean): number[] =>
      Array.from({ length: perPublisher }, (_, seq) => seq).filter((s) => wants(channelOf(s)));
    const expectedCount = (wants: (channel: string) => boolean): number =>
      expectedFor(wants).length * 3;
    await waitFor('every subscriber to get its messages', async () =>
      subs.every((s) => s.got.count >= expectedCount(s.wants)) ? true : undefined, 120_000);
    await new Promise((r) => setTimeout(r, 200)); // nothing more may arrive (no duplicates)
    for (const sub of subs) {
      expect(sub.got.count, sub.what).toBe(expectedCount(sub.wants));
      for (let index = 0; index < 3; index++) {
        expect(sub.got.byPublisher.get(`P${index}`), `${sub.what} from P${index}`)
          .toEqual(expectedFor(sub.wants));
      }
    }
    const stats = await publishers[0]!.info('stats');
    expect(stats).toMatch(/pubsub_relay_dropped_batches:0\r\n/);
    expect(stats).toMatch(/pubsub_relay_gaps:0\r\n/);
  }, 300_000);

  it('disconnects a subscriber that stops reading; the others go on', async () => {
    const [p1, p2] = cluster.ids.map((id) => cluster.portOf(id)) as [number, number];
    const admin2 = await client(p2);
    // Bursts (a relay batch is at most 1 MiB) stay below the hard limit, so only a client that
    // does not read can reach it.
    await admin2.config('SET', 'client-output-buffer-limit', 'pubsub 4mb 1mb 60');
    const counts = { local: 0, remote: 0 };
    const local = await client(p2);
    local.on('messageBuffer', () => { counts.local++; });
    await local.subscribe('flood');
    const remote = await client(p1);
    remote.on('messageBuffer', () => { counts.remote++; });
    await remote.subscribe('flood');
    const slow = net.connect(p2, '127.0.0.1');
    slow.on('error', () => undefined);
    let slowClosed = false;
    slow.on('close', () => { slowClosed = true; });
    await new Promise<void>((resolve) => slow.once('connect', () => resolve()));
    slow.write('*2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nflood\r\n');
    await new Promise<void>((resolve) => slow.once('data', () => resolve()));
    slow.pause();
    const publisher = await client(p1);
    const message = Buffer.alloc(16 * 1024, 'm');
    const listenersOn2 = async (): Promise<number> =>
      (await admin2.pubsub('NUMSUB', 'flood') as [string, number])[1];
    let published = 0;
    while (await listenersOn2() === 2 && published < 20_000) {
      const pipeline = publisher.pipeline();
      for (let i = 0; i < 10; i++) pipeline.publish('flood', message);
      await pipeline.exec();
      published += 10;
    }
    expect(await listenersOn2()).toBe(1);
    await waitFor('the reading subscribers to get everything', async () =>
      counts.local === published && counts.remote === published ? true : undefined, 60_000);
    expect(await admin2.info('stats')).toMatch(/client_output_buffer_limit_disconnections:1\r\n/);
    slow.resume();
    await waitFor('the slow subscriber to see the close', async () =>
      slowClosed ? true : undefined);
    await admin2.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
  }, 120_000);
});

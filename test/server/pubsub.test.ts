// Proves pub/sub on one server over real sockets: SUBSCRIBE/PSUBSCRIBE/UNSUBSCRIBE/PUBLISH
// with Redis 7's RESP2 replies (checked against redis-server 7.0.15), the subscribed context
// that refuses other commands, PUBSUB CHANNELS/NUMSUB/NUMPAT; ioredis and node-redis (RESP3
// pushes) receive every message of a 5,000-message stream in order; a subscriber that stops
// reading is disconnected at client-output-buffer-limit while another subscriber of the same
// channel keeps receiving everything; and the cluster bus seam: PUBLISHes go out to the bus,
// relayed ones and keyspace events come in from it (as __keyspace@/__keyevent@ messages under
// notify-keyspace-events) and MONITOR lines travel both ways.
import net from 'node:net';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KeyspaceEvent } from '../../src/kv/index.js';
import type { ClusterBus, ClusterBusHandlers } from '../../src/server/clusterBus.js';
import { rawExchange, resp, startMemoryServer, type Running } from './serverHelpers.js';

const opened: { disconnect(): void }[] = [];
afterEach(() => { for (const c of opened.splice(0)) c.disconnect(); });

function ioredis(port: number): Redis {
  const r = new Redis({ port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  opened.push(r);
  return r;
}

async function waitFor(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('pub/sub on one server', () => {
  let running: Running;
  beforeAll(async () => { running = await startMemoryServer(); });
  afterAll(async () => { await running.server.close(); });

  it('RESP2 replies and the subscribed context, as Redis answers them', async () => {
    const { text } = await rawExchange(running.port, resp('SUBSCRIBE', 'a') + resp('PING')
      + resp('PING', 'x') + resp('GET', 'x') + resp('UNSUBSCRIBE', 'zz') + resp('UNSUBSCRIBE')
      + resp('UNSUBSCRIBE'), { until: (t) => t.endsWith('$-1\r\n:0\r\n') });
    expect(text).toBe('*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n'
      + '*2\r\n$4\r\npong\r\n$1\r\nx\r\n-ERR Can\'t execute \'get\': only (P|S)SUBSCRIBE / '
      + '(P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n'
      + '*3\r\n$11\r\nunsubscribe\r\n$2\r\nzz\r\n:1\r\n'
      + '*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:0\r\n'
      + '*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n');
  });

  it('messages and pattern messages reach subscribers; PUBSUB counts them', async () => {
    const sub = ioredis(running.port);
    const pub = ioredis(running.port);
    const got: string[] = [];
    sub.on('message', (ch: string, m: string) => got.push(`${ch}:${m}`));
    sub.on('pmessage', (p: string, ch: string, m: string) => got.push(`${p}|${ch}:${m}`));
    await sub.subscribe('news', 'sport');
    await sub.psubscribe('n*');
    expect(await pub.publish('news', 'hi')).toBe(2);
    expect(await pub.publish('sport', 'goal')).toBe(1);
    expect(await pub.publish('other', 'x')).toBe(0);
    await waitFor('three messages', () => got.length === 3);
    expect(got).toEqual(['news:hi', 'n*|news:hi', 'sport:goal']);
    expect((await pub.pubsub('CHANNELS')).sort()).toEqual(['news', 'sport']);
    expect(await pub.pubsub('CHANNELS', 's*')).toEqual(['sport']);
    expect(await pub.pubsub('NUMSUB', 'news', 'none')).toEqual(['news', 1, 'none', 0]);
    expect(await pub.pubsub('NUMPAT')).toBe(1);
    await sub.unsubscribe('news');
    expect(await pub.publish('news', 'again')).toBe(1);
  });

  it('ioredis (RESP2) and node-redis (RESP3 pushes) get 5,000 messages in order', async () => {
    const io = ioredis(running.port);
    const ioGot: string[] = [];
    io.on('message', (_ch: string, m: string) => ioGot.push(m));
    await io.subscribe('stream');
    const nr = createClient({ socket: { port: running.port, reconnectStrategy: false } });
    await nr.connect();
    const nrGot: string[] = [];
    await nr.subscribe('stream', (m) => nrGot.push(m));
    const pub = ioredis(running.port);
    const sent = Array.from({ length: 5000 }, (_, i) => `m${i}`);
    const pipeline = pub.pipeline();
    for (const m of sent) pipeline.publish('stream', m);
    await pipeline.exec();
    await waitFor('every message', () => ioGot.length === 5000 && nrGot.length === 5000);
    expect(ioGot).toEqual(sent);
    expect(nrGot).toEqual(sent);
    await nr.close();
  });

  it('drops a subscriber that stops reading at the output limit; the others go on', async () => {
    const admin = ioredis(running.port);
    // Bursts stay far below the hard limit, so only a client that does not read reaches it.
    await admin.config('SET', 'client-output-buffer-limit', 'pubsub 8mb 2mb 60');
    const good = ioredis(running.port);
    let goodCount = 0;
    good.on('messageBuffer', () => { goodCount++; });
    await good.subscribe('flood');
    const slow = net.connect(running.port, '127.0.0.1');
    let slowClosed = false;
    slow.on('close', () => { slowClosed = true; });
    slow.on('error', () => undefined);
    await new Promise<void>((resolve) => slow.once('connect', () => resolve()));
    slow.write(resp('SUBSCRIBE', 'flood'));
    await new Promise<void>((resolve) => slow.once('data', () => resolve()));
    slow.pause();
    const pub = ioredis(running.port);
    const message = Buffer.alloc(16 * 1024, 'x');
    let published = 0;
    // A paused socket does not see its own close: ask the server who still listens.
    const listeners = async (): Promise<number> =>
      (await pub.pubsub('NUMSUB', 'flood') as [string, number])[1];
    while (await listeners() === 2 && published < 20_000) {
      const pipeline = pub.pipeline();
      for (let i = 0; i < 10; i++) pipeline.publish('flood', message);
      await pipeline.exec();
      published += 10;
    }
    expect(await listeners()).toBe(1);
    await waitFor('the good subscriber to get everything', () => goodCount === published);
    slow.resume();
    await waitFor('the slow subscriber to see its connection closed', () => slowClosed);
    const info = await admin.info('stats');
    expect(info).toMatch(/client_output_buffer_limit_disconnections:1\r\n/);
    await admin.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
    slow.destroy();
  });
});

/** A ClusterBus the test drives: records what the server sends, injects what peers send. */
class FakeBus implements ClusterBus {
  readonly nodeId = 7;
  readonly publishBytesMax = 1024;
  handlers!: ClusterBusHandlers;
  readonly published: string[] = [];
  readonly monitorLines: string[] = [];
  localMonitors = 0;
  keyspaceWanted = false;
  peerMonitors = false;
  publish(channel: Uint8Array, message: Uint8Array): void {
    this.published.push(`${Buffer.from(channel)}:${Buffer.from(message)}`);
  }
  remoteMonitors(): boolean { return this.peerMonitors; }
  monitor(line: string): void { this.monitorLines.push(line); }
  setLocalMonitors(count: number): void { this.localMonitors = count; }
  setKeyspaceEventsWanted(wanted: boolean): void { this.keyspaceWanted = wanted; }
  attach(handlers: ClusterBusHandlers): void { this.handlers = handlers; }
  stats() { return { relayDroppedBatches: 0, relayGaps: 0 }; }
}

describe('the cluster bus seam', () => {
  let running: Running;
  const bus = new FakeBus();
  beforeAll(async () => { running = await startMemoryServer({}, {}, { bus }); });
  afterAll(async () => { await running.server.close(); });

  it('PUBLISH goes to the bus; relayed messages reach local subscribers', async () => {
    const sub = ioredis(running.port);
    const got: string[] = [];
    sub.on('message', (ch: string, m: string) => got.push(`${ch}:${m}`));
    await sub.subscribe('c');
    const pub = ioredis(running.port);
    expect(await pub.publish('c', 'local')).toBe(1);
    expect(bus.published).toEqual(['c:local']);
    bus.handlers.published(Buffer.from('c'), Buffer.from('remote'));
    await waitFor('two messages', () => got.length === 2);
    expect(got).toEqual(['c:local', 'c:remote']);
    await expect(pub.publish('c', 'x'.repeat(1100))).rejects.toThrow(
      'ERR PUBLISH of 1101 bytes exceeds the cluster relay\'s limit of 1024 bytes');
  });

  it('keyspace events become __keyspace@/__keyevent@ messages under notify-keyspace-events',
    async () => {
      const admin = ioredis(running.port);
      const sub = ioredis(running.port);
      const got: string[] = [];
      sub.on('pmessage', (_p: string, ch: string, m: string) => got.push(`${ch} ${m}`));
      await sub.psubscribe('__key*__:*');
      const event: KeyspaceEvent = { notifyClass: '$', event: 'set', db: 0,
        key: Buffer.from('k1') };
      bus.handlers.keyspaceEvents([event]);
      expect(bus.keyspaceWanted).toBe(false);
      await admin.config('SET', 'notify-keyspace-events', 'KE$');
      expect(bus.keyspaceWanted).toBe(true);
      expect(await admin.config('GET', 'notify-keyspace-events')).toEqual(
        ['notify-keyspace-events', '$KE']);
      bus.handlers.keyspaceEvents([event, { ...event, notifyClass: 'g', event: 'del' }]);
      await waitFor('two messages', () => got.length === 2);
      expect(got).toEqual(['__keyspace@0__:k1 set', '__keyevent@0__:set k1']);
      await admin.config('SET', 'notify-keyspace-events', '');
      expect(bus.keyspaceWanted).toBe(false);
    });

  it('MONITOR: local lines name this node; lines go to the bus only when a peer monitors',
    async () => {
      const monitor = ioredis(running.port);
      const lines: string[] = [];
      (await monitor.monitor()).on('monitor', (_t: string, args: string[], source: string) => {
        // Only the test's own commands (ioredis sends INFO and the like on connect).
        if (args[1] === 'mk' || args[1] === 'x') lines.push(`${source} ${args.join(' ')}`);
      });
      opened.push(monitor);
      expect(bus.localMonitors).toBe(1);
      const cmd = ioredis(running.port);
      await cmd.set('mk', 'v');
      expect(bus.monitorLines).toEqual([]);
      bus.peerMonitors = true;
      await cmd.get('mk');
      expect(bus.monitorLines.filter((l) => l.includes('"mk"'))).toHaveLength(1);
      expect(bus.monitorLines.at(-1))
        .toMatch(/^\d+\.\d{6} \[0 127\.0\.0\.1:\d+ node=7\] "get" "mk"$/);
      bus.handlers.monitored('1.000000 [0 127.0.0.1:1 node=3] "del" "x"');
      await waitFor('three lines', () => lines.length === 3);
      expect(lines[0]).toMatch(/^127\.0\.0\.1:\d+ set mk v$/);
      expect(lines[2]).toBe('127.0.0.1:1 del x');
    });
});

/**
 * The pub/sub rows of `bench compare`: PUBLISH to 10 subscribers, HarmonyDB (3 nodes in one
 * process; subscribers spread over the nodes, publishers on one node, so most deliveries cross
 * the relay between nodes) against redis-server, in one run. N publisher clients in a closed
 * loop publish 100-byte messages carrying their send time; every subscriber counts what it
 * gets and the delay from PUBLISH to delivery. Prints; asserts nothing.
 */
import { Redis } from 'ioredis';
import { Cluster } from '../../src/cluster/cluster.js';
import { hasCommand, startRedisServer } from './redisTools.js';

export interface PubSubFigures {
  publishesPerSecond: number;
  deliveriesPerSecond: number;
  /** Deliveries per PUBLISH (10 when every subscriber got every message). */
  fanOut: number;
  deliveryP50Ms: number;
  deliveryP99Ms: number;
}

const subscribersCount = 10;

/** Subscribers on `subscriberPorts` (round robin), publishers on `publisherPort`. */
async function measure(subscriberPorts: number[], publisherPort: number, publishers: number,
  seconds: number): Promise<PubSubFigures> {
  const delays: number[] = [];
  let deliveries = 0;
  const subs = Array.from({ length: subscribersCount }, (_, i) =>
    new Redis({ port: subscriberPorts[i % subscriberPorts.length]!, host: '127.0.0.1' }));
  for (const sub of subs) {
    sub.on('message', (_channel: string, message: string) => {
      deliveries++;
      if (delays.length < 1_000_000) delays.push(performance.now() - Number(message.slice(0, 20)));
    });
    await sub.subscribe('bench');
  }
  const pubs = Array.from({ length: publishers }, () =>
    new Redis({ port: publisherPort, host: '127.0.0.1' }));
  await Promise.all(pubs.map((p) => p.ping()));
  const padding = 'p'.repeat(80);
  let published = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(pubs.map(async (pub) => {
    while (performance.now() < end) {
      await pub.publish('bench', `${performance.now().toFixed(3).padStart(20, '0')}${padding}`);
      published++;
    }
  }));
  // Let the last messages land (deliveries still in flight are part of the run).
  const settle = performance.now() + 2000;
  while (deliveries < published * subscribersCount && performance.now() < settle) {
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const c of [...subs, ...pubs]) c.disconnect();
  delays.sort((a, b) => a - b);
  const at = (q: number): number =>
    delays[Math.min(delays.length - 1, Math.floor(q * delays.length))] ?? 0;
  return {
    publishesPerSecond: published / seconds, deliveriesPerSecond: deliveries / seconds,
    fanOut: published === 0 ? 0 : deliveries / published, deliveryP50Ms: at(0.5),
    deliveryP99Ms: at(0.99),
  };
}

function print(rows: [string, PubSubFigures | null][]): void {
  const redis = rows.find(([n]) => n.startsWith('redis'))?.[1] ?? null;
  const out = ['PUBLISH to 10 subscribers        publishes/s  deliveries/s  fan-out  p50 ms  '
    + 'p99 ms  vs redis'];
  for (const [name, f] of rows) {
    if (f === null) {
      out.push(`${name.padEnd(32)} (skipped)`);
      continue;
    }
    const ratio = redis === null || redis.publishesPerSecond === 0 ? '-'
      : `${(f.publishesPerSecond / redis.publishesPerSecond).toFixed(2)}x`;
    out.push(`${name.padEnd(32)} ${f.publishesPerSecond.toFixed(0).padStart(11)} `
      + `${f.deliveriesPerSecond.toFixed(0).padStart(13)} ${f.fanOut.toFixed(2).padStart(8)} `
      + `${f.deliveryP50Ms.toFixed(2).padStart(7)} ${f.deliveryP99Ms.toFixed(2).padStart(7)} `
      + `${ratio.padStart(9)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

/** The pub/sub table: HarmonyDB 3 nodes vs redis-server. */
export async function pubsubRows(publishers: number, seconds: number): Promise<void> {
  const rows: [string, PubSubFigures | null][] = [];
  // No dataDir: a temporary directory that stop() removes.
  const cluster = await Cluster.start({ nodes: 3, basePort: 0 });
  try {
    await cluster.waitForLeader();
    const ports = cluster.ids.map((id) => cluster.portOf(id));
    rows.push(['HarmonyDB 3 nodes, 1 process', await measure(ports, ports[0]!, publishers,
      seconds)]);
  } finally {
    await cluster.stop();
  }
  if (await hasCommand('redis-server')) {
    const redis = await startRedisServer();
    try {
      rows.push(['redis-server', await measure([redis.port], redis.port, publishers, seconds)]);
    } finally {
      await redis.stop();
    }
  } else {
    rows.push(['redis-server', null]);
  }
  print(rows);
}

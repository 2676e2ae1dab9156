/**
 * `npm run bench -- compare [--seconds S] [--clients N]`: one machine, one table. HarmonyDB
 * 3 nodes in one process; HarmonyDB 3 nodes as 3 processes over the TCP bridge (1 worker + 2
 * `harmonydb node` processes joined and promoted); etcd 3 members (Debian's etcd-server on
 * loopback, driven through its HTTP/JSON gateway); redis-server with appendfsync always. Every
 * system gets the same closed-loop driver in this process: N clients, 100-byte values, random
 * keys; durable writes (SET / put), then reads (GET / linearizable range). Prints; asserts
 * nothing. Skips etcd with a message when it is not installed. A second table (lib/pubsubBench.ts)
 * compares PUBLISH to 10 subscribers with redis-server (`--only pubsub` runs it alone).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Cluster } from '../src/cluster/cluster.js';
import {
  freePort, hasCommand, killAndRemove, startRedisServer, waitForPort,
} from './lib/redisTools.js';
import { pubsubRows } from './lib/pubsubBench.js';

interface Figures { writesPerSecond: number; p50Ms: number; p99Ms: number; readsPerSecond: number }
type Op = (client: number, key: string, value: string) => Promise<void>;

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(args[i + 1]);
}

/** N clients, each one request at a time, for `seconds`: ops/s and latency percentiles. */
async function closedLoop(clients: number, seconds: number, op: Op): Promise<{ opsPerSecond: number;
  p50Ms: number; p99Ms: number }> {
  const latencies: number[] = [];
  const value = 'v'.repeat(100);
  const end = performance.now() + seconds * 1000;
  let errors = 0;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    while (performance.now() < end) {
      const key = `key:${Math.floor(Math.random() * 100_000)}`;
      const t0 = performance.now();
      try {
        await op(c, key, value);
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  }));
  if (errors > 0) process.stdout.write(`  (${errors} failed requests not counted)\n`);
  latencies.sort((a, b) => a - b);
  const at =
    (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { opsPerSecond: latencies.length / seconds, p50Ms: at(0.5), p99Ms: at(0.99) };
}

async function measureResp(port: number, clients: number, seconds: number): Promise<Figures> {
  const conns =
    Array.from(
      { length: clients }, () => new Redis({ port, host: '127.0.0.1', lazyConnect: false }));
  await Promise.all(conns.map((c) => c.ping()));
  const w = await closedLoop(clients, seconds, async (c, k, v) => { await conns[c]!.set(k, v); });
  const r = await closedLoop(clients, seconds, async (c, k) => { await conns[c]!.get(k); });
  for (const c of conns) c.disconnect();
  return { writesPerSecond: w.opsPerSecond, p50Ms: w.p50Ms, p99Ms: w.p99Ms,
    readsPerSecond: r.opsPerSecond };
}

async function measureEtcd(port: number, clients: number, seconds: number): Promise<Figures> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const post = (path: string, body: object) => new Promise<void>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent,
      headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end',
        () => (res.statusCode === 200 ? resolve() : reject(new Error(`${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
  const w =
    await closedLoop(
      clients, seconds, (_c, k, v) => post('/v3/kv/put', { key: b64(k), value: b64(v) }));
  const r = await closedLoop(clients, seconds, (_c, k) => post('/v3/kv/range', { key: b64(k) }));
  agent.destroy();
  return { writesPerSecond: w.opsPerSecond, p50Ms: w.p50Ms, p99Ms: w.p99Ms,
    readsPerSecond: r.opsPerSecond };
}

async function startEtcd(): Promise<{ clientPort: number; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'harmony-bench-etcd-'));
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const peers = [0, 1, 2].map((i) => `e${i}=http://127.0.0.1:${ports[3 + i]}`).join(',');
  const children: ChildProcess[] = [0, 1, 2].map((i) => spawn('etcd', [
    '--name', `e${i}`, '--data-dir', join(dir, `e${i}`),
    '--listen-client-urls', `http://127.0.0.1:${ports[i]}`,
    '--advertise-client-urls', `http://127.0.0.1:${ports[i]}`,
    '--listen-peer-urls', `http://127.0.0.1:${ports[3 + i]}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${ports[3 + i]}`,
    '--initial-cluster', peers, '--initial-cluster-state', 'new', '--log-level', 'error',
  ], { stdio: 'ignore' }));
  const stop = () => killAndRemove(children, dir);
  try {
    await Promise.all([0, 1, 2].map((i) => waitForPort(ports[i]!, 20_000)));
  } catch (error) {
    await stop();
    throw error;
  }
  await new Promise((r) => setTimeout(r, 1500)); // leader election
  return { clientPort: ports[0]!, stop };
}

/** 1 in-process worker + 2 `harmonydb node` processes, promoted: 3 voters in 3 processes. */
interface Bridged { cluster: Cluster; stop(): Promise<void> }

async function startBridged(): Promise<Bridged> {
  const dir = mkdtempSync(join(tmpdir(), 'harmony-bench-bridge-'));
  const secret = 'bench-secret-0123456789abcdef';
  const children: ChildProcess[] = [];
  let cluster: Cluster | null = null;
  const stop = async () => {
    await cluster?.stop();
    await killAndRemove(children, dir);
  };
  try {
    writeFileSync(join(dir, 'secret'), secret);
    cluster = await Cluster.start({ nodes: 1, basePort: 0, dataDir: join(dir, 'data'),
      bridge: { host: '127.0.0.1', port: 0, secret: new TextEncoder().encode(secret) } });
    await cluster.waitForLeader();
    for (const id of [2, 3]) await addNodeProcess(cluster, id, dir, children);
    return { cluster, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Starts `harmonydb node --id <id>` joining `cluster`, then promotes it to voter. */
async function addNodeProcess(
  cluster: Cluster, id: number, dir: string, children: ChildProcess[],
): Promise<void> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(process.cwd(), 'bin', 'harmonydb'), 'node', '--id',
    String(id), '--data', join(dir, `n${id}`), '--port', String(port), '--join',
    `127.0.0.1:${cluster.bridgePort}`, '--secret-file', join(dir, 'secret')], { stdio: 'ignore' });
  children.push(child);
  await waitForPort(port, 20_000);
  for (let tries = 0; ; tries++) {
    try {
      await cluster.promote(id);
      return;
    } catch (error) {
      if (tries > 50) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function table(rows: [string, Figures | null][]): void {
  const etcd = rows.find(([n]) => n.startsWith('etcd'))?.[1] ?? null;
  const redis = rows.find(([n]) => n.startsWith('redis'))?.[1] ?? null;
  const ratio =
    (a: number, b: number | undefined) => (
      b === undefined || b === 0 ? '-' : `${(a / b).toFixed(2)}x`);
  const out =
    ['system                           writes/s  p50 ms  p99 ms   reads/s  w vs etcd  w vs redis ' +
      ' r vs etcd'];
  for (const [name, f] of rows) {
    if (f === null) {
      out.push(`${name.padEnd(32)} (skipped)`);
      continue;
    }
    out.push(
      `${name.padEnd(32)} ${f.writesPerSecond.toFixed(0).padStart(8)} ` +
        `${f.p50Ms.toFixed(2).padStart(7)} ` +
      `${f.p99Ms.toFixed(2).padStart(7)} ${f.readsPerSecond.toFixed(0).padStart(9)} ` +
      `${ratio(f.writesPerSecond, etcd?.writesPerSecond).padStart(10)} ` +
      `${ratio(f.writesPerSecond, redis?.writesPerSecond).padStart(11)} ` +
      `${ratio(f.readsPerSecond, etcd?.readsPerSecond).padStart(10)}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

export async function run(args: string[]): Promise<void> {
  const seconds = option(args, 'seconds', 3);
  const clients = option(args, 'clients', 50);
  if (args.includes('--only') && args[args.indexOf('--only') + 1] === 'pubsub') {
    return pubsubRows(clients, seconds);
  }
  process.stdout.write(`compare: ${clients} clients, 100-byte values, ${seconds} s per phase\n`);
  const rows: [string, Figures | null][] = [];

  // No dataDir: a temporary directory that stop() removes.
  const cluster = await Cluster.start({ nodes: 3, basePort: 0 });
  try {
    rows.push(['HarmonyDB 3 nodes, 1 process', await measureResp(
      cluster.portOf(await cluster.waitForLeader()), clients, seconds)]);
  } finally {
    await cluster.stop();
  }

  const bridged = await startBridged();
  try {
    // Node 1 (the in-process worker) forwards to the leader wherever it is.
    rows.push(
      ['HarmonyDB 3 processes, bridge',
        await measureResp(bridged.cluster.portOf(1), clients, seconds)]);
  } finally {
    await bridged.stop();
  }

  if (await hasCommand('etcd')) {
    const etcd = await startEtcd();
    try {
      rows.push(
        ['etcd 3 members (HTTP gateway)', await measureEtcd(etcd.clientPort, clients, seconds)]);
    } finally {
      await etcd.stop();
    }
  } else {
    process.stdout.write(
      'compare: etcd not installed (apt-get install etcd-server); etcd row skipped\n');
    rows.push(['etcd 3 members (HTTP gateway)', null]);
  }

  if (await hasCommand('redis-server')) {
    const redis = await startRedisServer();
    try {
      rows.push(['redis appendfsync always', await measureResp(redis.port, clients, seconds)]);
    } finally {
      await redis.stop();
    }
  } else {
    rows.push(['redis appendfsync always', null]);
  }
  table(rows);
  await pubsubRows(clients, seconds);
}

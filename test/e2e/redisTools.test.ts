// Proves stock Redis tools and clients work unchanged against a real 3-node cluster that has a
// password (requirePass): node-redis with its defaults (RESP3, HELLO 3 AUTH) on a follower;
// ioredis in Sentinel mode with the password; a connection without the password is refused
// everything, HARMONY admin commands included; redis-cli --stat prints real figures (keys,
// memory, clients, requests, connections); redis-cli MONITOR on one node shows the commands
// executed on every node, each line naming its node; redis-benchmark runs without a warning
// (it asks CONFIG GET save and appendonly); cluster.url carries the password, so ioredis and
// node-redis connect with the URL alone. redis-cli and redis-benchmark come from Debian's
// redis-tools, which .ci/run installs.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { client, closeClients, followerOf, startTestCluster, waitFor } from './helpers.js';

const run = promisify(execFile);
// Characters a URL must escape, so cluster.url's encoding is exercised too.
const password = 'e2e secret/pass@word:%';

/** Runs a redis-cli that does not end by itself until `done(output)` holds, then stops it. */
async function watchCli(args: string[], done: (out: string) => boolean,
  meanwhile: () => Promise<void> = async () => undefined): Promise<string> {
  // Line-buffered: redis-cli's MONITOR output to a pipe would otherwise sit in its stdio buffer.
  const child = spawn('stdbuf', ['-oL', 'redis-cli', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { out += chunk.toString(); });
  try {
    await waitFor(`redis-cli ${args.join(' ')}`, async () => {
      if (done(out)) return true;
      await meanwhile();
      return undefined;
    }, 30_000).catch((error: Error) => {
      throw new Error(`${error.message}; it printed:\n${out.slice(-2000)}`);
    });
    return out;
  } finally {
    child.kill();
  }
}

describe('Redis tools against a cluster with a password', () => {
  let cluster: Cluster;
  let leader: number;
  beforeAll(async () => {
    cluster = await startTestCluster({ requirePass: password });
    leader = await cluster.waitForLeader();
  });
  afterAll(async () => {
    await closeClients();
    await cluster?.stop();
  });

  it('refuses a connection without the password, HARMONY included', async () => {
    const port = String(cluster.portOf(leader));
    for (const command of [['GET', 'k'], ['HARMONY', 'STATUS'], ['PUBLISH', 'c', 'm']]) {
      const { stdout } = await run('redis-cli', ['-p', port, ...command]);
      expect(stdout.trim()).toBe('NOAUTH Authentication required.');
    }
    const { stdout } = await run('redis-cli', ['-p', port, '-a', password, '--no-auth-warning',
      'HARMONY', 'STATUS']);
    expect(stdout).not.toContain('NOAUTH');
  });

  it('cluster.url carries the password for ioredis and node-redis', async () => {
    expect(cluster.url).toBe(`redis://default:${encodeURIComponent(password)}@127.0.0.1:`
      + `${cluster.portOf(cluster.ids[0]!)}`);
    const io = new Redis(cluster.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      expect(await io.set('url-key', 'u')).toBe('OK');
    } finally {
      io.disconnect();
    }
    const nr = createClient({ url: cluster.urlOf(cluster.ids[1]!) });
    await nr.connect();
    try {
      expect(await nr.get('url-key')).toBe('u');
    } finally {
      await nr.close();
    }
  });

  it('node-redis with its defaults (RESP3) works through a follower', async () => {
    const follower = await followerOf(cluster, leader);
    const nr = createClient({ socket: { port: cluster.portOf(follower), reconnectStrategy: false },
      password });
    await nr.connect();
    try {
      expect((await nr.hello()).proto).toBe(3);
      expect(await nr.set('nr-key', 'v1')).toBe('OK');
      expect(await nr.get('nr-key')).toBe('v1');
      expect(await nr.incr('nr-counter')).toBe(1);
      expect(await nr.exists(['nr-key', 'nope'])).toBe(1);
      expect(await nr.configGet('appendonly')).toEqual({ appendonly: 'yes' });
      expect(await nr.info('replication')).toContain('role:slave');
      const multi = await nr.multi().set('nr-m', '1').get('nr-m').exec();
      expect(multi).toEqual(['OK', '1']);
    } finally {
      await nr.close();
    }
  });

  it('ioredis in Sentinel mode with the password finds the leader', async () => {
    const sentinel = new Redis({
      sentinels: cluster.ids.map((id) => ({ host: '127.0.0.1', port: cluster.portOf(id) })),
      name: 'harmonydb', password, sentinelPassword: password, maxRetriesPerRequest: 3,
      sentinelRetryStrategy: () => 50, retryStrategy: () => 50,
    });
    sentinel.on('error', () => undefined);
    try {
      expect(await sentinel.set('sentinel-key', 'v1')).toBe('OK');
      expect(await sentinel.get('sentinel-key')).toBe('v1');
      expect((await sentinel.role())[0]).toBe('master');
    } finally {
      sentinel.disconnect();
    }
  });

  it('redis-cli --stat prints real figures', async () => {
    const r = await client(cluster.portOf(leader), { password });
    await r.mset('stat-a', '1', 'stat-b', '2', 'stat-c', '3');
    const out = await watchCli(['-p', String(cluster.portOf(leader)), '-a', password,
      '--no-auth-warning', '--stat', '-i', '0.1'], (o) => o.split('\n').length > 6);
    expect(out).not.toContain('-9223372036854775808');
    const rows = out.split('\n').filter((l) => /^\d+\s/.test(l));
    expect(rows.length).toBeGreaterThan(1);
    const [keys, mem, clients, blocked, requests] = rows[0]!.trim().split(/\s+/);
    expect(Number(keys)).toBeGreaterThanOrEqual(3);
    expect(mem).toMatch(/^[\d.]+[KMG]$/);
    expect(Number(clients)).toBeGreaterThanOrEqual(2);
    expect(blocked).toBe('0');
    expect(Number(requests)).toBeGreaterThan(0);
  });

  it('redis-cli MONITOR on one node shows commands executed on every node', async () => {
    const [a, b, c] = cluster.ids as [number, number, number];
    const onB = await client(cluster.portOf(b), { password });
    const onC = await client(cluster.portOf(c), { password });
    let round = 0;
    const out = await watchCli(['-p', String(cluster.portOf(a)), '-a', password,
      '--no-auth-warning', 'MONITOR'],
    (o) => o.includes(`node=${b}] "set" "mon-b"`) && o.includes(`node=${c}] "get" "mon-c"`)
      && o.includes(`node=${a}] "get" "mon-a"`),
    async () => {
      // MONITOR interest reaches the other nodes within moments; repeat until it shows.
      round++;
      await onB.set('mon-b', String(round));
      await onC.get('mon-c');
      await run('redis-cli', ['-p', String(cluster.portOf(a)), '-a', password,
        '--no-auth-warning', 'get', 'mon-a']);
    });
    const line = out.split('\n').find((l) => l.includes('"mon-b"'))!;
    expect(line).toMatch(new RegExp(`^\\d+\\.\\d{6} \\[0 127\\.0\\.0\\.1:\\d+ node=${b}\\] `
      + '"set" "mon-b" "\\d+"$'));
    expect(out).not.toContain('"auth"');
  });

  it('redis-benchmark runs without a warning', async () => {
    const { stdout, stderr } = await run('redis-benchmark', ['-p', String(cluster.portOf(leader)),
      '-a', password, '-t', 'set,get', '-n', '1000', '-c', '5', '-q']);
    expect(`${stdout}\n${stderr}`).not.toMatch(/warning/i);
    expect(stdout).toMatch(/SET: [\d.]+ requests per second/);
    expect(stdout).toMatch(/GET: [\d.]+ requests per second/);
  });
});

// Proves stock Redis clients work against a real cluster with no code of ours on the client:
// ioredis in Sentinel mode finds the leader through SENTINEL get-master-addr-by-name and keeps
// working across a leader kill; redis-cli runs commands (inline and RESP) against a node; and
// redis-benchmark runs a short SET/GET load against the cluster without errors. redis-cli and
// redis-benchmark come from Debian's redis-tools, which .ci/run installs.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { closeClients, startTestCluster, waitFor } from './helpers.js';

const run = promisify(execFile);

describe('stock Redis clients against a 3-node cluster', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
    await cluster.waitForLeader();
  });
  afterAll(async () => {
    await closeClients();
    await cluster?.stop();
  });

  it('redis-cli runs commands against any node', async () => {
    const port = String(cluster.portOf(1));
    const cli = (...args: string[]) => run('redis-cli', ['-p', port, ...args]);
    expect((await cli('SET', 'cli-key', 'hello world')).stdout.trim()).toBe('OK');
    expect((await cli('GET', 'cli-key')).stdout.trim()).toBe('hello world');
    expect((await cli('DELETE', 'cli-key')).stdout.trim()).toBe('1');
    expect((await cli('PING')).stdout.trim()).toBe('PONG');
    const role = (await run('redis-cli', ['-p', String(cluster.portOf(await cluster.leader())),
      'ROLE'])).stdout;
    expect(role.split('\n')[0]).toBe('master');
  });

  it('redis-benchmark runs a short SET/GET load without errors', async () => {
    const port = String(cluster.portOf(2));
    const { stdout, stderr } = await run('redis-benchmark', ['-p', port, '-t', 'set,get', '-n',
      '2000', '-c', '10', '-d', '100', '-r', '1000', '--csv']);
    expect(stderr).not.toMatch(/error/i);
    const rows = stdout.trim().split('\n').filter((l) => /^"(SET|GET)"/.test(l));
    expect(rows.map((r) => r.split(',')[0])).toEqual(['"SET"', '"GET"']);
    for (const row of rows) expect(Number(row.split(',')[1]!.replace(/"/g, ''))).toBeGreaterThan(0);
  });

  it('ioredis in Sentinel mode follows the leader across a leader kill', async () => {
    const sentinel = new Redis({
      sentinels: cluster.ids.map((id) => ({ host: '127.0.0.1', port: cluster.portOf(id) })),
      name: 'harmonydb', maxRetriesPerRequest: 3, sentinelRetryStrategy: () => 50,
      retryStrategy: () => 50,
    });
    sentinel.on('error', () => undefined);
    try {
      expect(await sentinel.set('sentinel-key', 'v1')).toBe('OK');
      const leader = await cluster.leader();
      await cluster.kill(leader);
      await cluster.waitForLeader(10_000, [leader]);
      await waitFor('a write through Sentinel after the failover', async () =>
        (await sentinel.set('sentinel-key', 'v2')) === 'OK' ? true : undefined, 15_000);
      expect(await sentinel.get('sentinel-key')).toBe('v2');
      await cluster.restart(leader);
    } finally {
      sentinel.disconnect();
    }
  });
});

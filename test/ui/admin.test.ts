/**
 * The HARMONY admin commands against a real 3-node cluster, through ioredis and redis-cli:
 * every fault is observable in behaviour, not just acknowledged. A partitioned follower stops
 * receiving entries and HEAL makes it catch up; KILL and RESTART (also of the node the command
 * was sent to) work; PAUSE freezes a node's log; SLOWDISK, DELAY, DROP, FSYNCFAIL and TRANSFER
 * change what the cluster reports and does; bad input gets a -ERR that says what to type.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { Cluster } from '../../src/cluster/cluster.js';
import { client, closeClients, startTestCluster, waitFor } from '../e2e/helpers.js';

const run = promisify(execFile);

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args], { timeout: 20_000 });
  return stdout.trim();
}

let cluster: Cluster;

async function statusOf(id: number) {
  return (await cluster.status()).find((s) => s.id === id)!;
}

async function leaderAndFollower(): Promise<[number, number]> {
  const leader = await cluster.waitForLeader();
  const follower = cluster.ids.find((id) => id !== leader)!;
  return [leader, follower];
}

async function writeSome(redis: Redis, prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) expect(await redis.set(`${prefix}${i}`, `v${i}`)).toBe('OK');
}

async function caughtUp(id: number): Promise<boolean | undefined> {
  const statuses = await cluster.status();
  const leader = statuses.find((s) => s.role === 'leader' && s.alive);
  const node = statuses.find((s) => s.id === id)!;
  return leader !== undefined && node.alive && node.appliedIndex >= leader.commitIndex || undefined;
}

beforeAll(async () => {
  cluster = await startTestCluster();
  await cluster.waitForLeader();
});

afterAll(async () => {
  await closeClients();
  await cluster?.stop();
});

describe('HARMONY admin commands', () => {
  it('HELP and STATUS describe the cluster; bad input is a -ERR naming the fix', async () => {
    const redis = await client(cluster.portOf(1));
    const help = String(await redis.call('HARMONY', 'HELP'));
    expect(help).toContain('HARMONY FAULT PARTITION <ids> | <ids>');
    const status = await cli(cluster.portOf(2), 'HARMONY', 'STATUS');
    for (const id of cluster.ids) expect(status).toMatch(new RegExp(`node ${id} port \\d+ \\w+`));
    expect(status).toContain('network clean');
    await expect(redis.call('HARMONY', 'BOGUS')).rejects
      .toThrow("ERR unknown HARMONY subcommand 'BOGUS'; try HARMONY HELP");
    await expect(redis.call('HARMONY', 'KILL', '9')).rejects
      .toThrow("ERR no node '9'; the cluster has nodes 1, 2, 3");
    await expect(redis.call('HARMONY', 'FAULT', 'DROP', '140')).rejects
      .toThrow("ERR DROP percent must be a number from 0 to 100, got '140'");
  });

  it('PARTITION stops a follower receiving entries; HEAL makes it catch up', async () => {
    const [leader, follower] = await leaderAndFollower();
    const others = cluster.ids.filter((id) => id !== follower);
    expect(await cli(cluster.portOf(leader), 'HARMONY', 'FAULT', 'PARTITION',
      String(follower), '|', ...others.map(String))).toBe('OK');
    const before = (await statusOf(follower)).lastIndex;
    const redis = await client(cluster.portOf(leader));
    await writeSome(redis, 'part:', 20);
    expect((await statusOf(follower)).lastIndex).toBe(before);
    expect((await statusOf(leader)).lastIndex).toBeGreaterThanOrEqual(before + 20);
    expect(await cli(cluster.portOf(follower), 'HARMONY', 'HEAL')).toBe('OK');
    await waitFor('the healed follower to catch up', () => caughtUp(follower));
    const local = await client(cluster.portOf(follower));
    await local.call('READONLY');
    expect(await local.get('part:19')).toBe('v19');
  });

  it('one-way partition from the leader keeps the follower from hearing it', async () => {
    const [leader, follower] = await leaderAndFollower();
    const redis = await client(cluster.portOf(leader));
    expect(await redis.call('HARMONY', 'FAULT', 'PARTITION-ONEWAY', String(leader), '|',
      String(follower))).toBe('OK');
    const before = (await statusOf(follower)).lastIndex;
    await writeSome(redis, 'oneway:', 5);
    expect((await statusOf(follower)).lastIndex).toBe(before);
    expect(String(await redis.call('HARMONY', 'STATUS'))).toContain(`${leader}->${follower}`);
    expect(await redis.call('HARMONY', 'HEAL')).toBe('OK');
    await waitFor('catch-up after heal', () => caughtUp(follower));
  });

  it('KILL then RESTART a follower; the restarted node catches up', async () => {
    const [leader, follower] = await leaderAndFollower();
    const redis = await client(cluster.portOf(leader));
    expect(await redis.call('HARMONY', 'KILL', String(follower))).toBe('OK');
    expect(cluster.isAlive(follower)).toBe(false);
    expect(String(await redis.call('HARMONY', 'STATUS'))).toContain(`node ${follower} port`);
    await writeSome(redis, 'kill:', 5);
    expect(await redis.call('HARMONY', 'RESTART', String(follower))).toBe('OK');
    expect(cluster.isAlive(follower)).toBe(true);
    await waitFor('the restarted node to catch up', () => caughtUp(follower));
  });

  it('a node told to KILL itself answers first, then dies', async () => {
    const [, follower] = await leaderAndFollower();
    expect(await cli(cluster.portOf(follower), 'HARMONY', 'KILL', String(follower))).toBe('OK');
    await waitFor('the node to die', async () => !cluster.isAlive(follower) || undefined);
    await cluster.restart(follower);
    await waitFor('the node to catch up', () => caughtUp(follower));
  });

  it('PAUSE freezes a follower log, RESUME lets it catch up', async () => {
    const [leader, follower] = await leaderAndFollower();
    const redis = await client(cluster.portOf(leader));
    expect(await redis.call('HARMONY', 'PAUSE', String(follower))).toBe('OK');
    expect((await statusOf(follower)).paused).toBe(true);
    const before = (await statusOf(follower)).lastIndex;
    await writeSome(redis, 'pause:', 5);
    expect((await statusOf(follower)).lastIndex).toBe(before);
    expect(await redis.call('HARMONY', 'RESUME', String(follower))).toBe('OK');
    await waitFor('catch-up after resume', () => caughtUp(follower));
  });

  it('DELAY slows every write; DROP and SLOWDISK are reported; HEAL clears them all', async () => {
    const [leader, follower] = await leaderAndFollower();
    const redis = await client(cluster.portOf(leader));
    expect(await redis.call('HARMONY', 'FAULT', 'DELAY', '60', '10')).toBe('OK');
    const started = performance.now();
    await redis.set('delayed', '1');
    // A write needs a round trip to a follower: two delayed messages.
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    expect(await redis.call('HARMONY', 'FAULT', 'DROP', '20')).toBe('OK');
    expect(await redis.call('HARMONY', 'FAULT', 'SLOWDISK', String(follower), '30')).toBe('OK');
    expect((await statusOf(follower)).diskDelayMs).toBe(30);
    const status = String(await redis.call('HARMONY', 'STATUS'));
    expect(status).toContain('drop 20%, delay 60±10 ms');
    expect(status).toContain('slowdisk 30ms');
    expect(await redis.call('HARMONY', 'HEAL')).toBe('OK');
    expect((await statusOf(follower)).diskDelayMs).toBe(0);
    expect(String(await redis.call('HARMONY', 'STATUS'))).toContain('network clean');
  });

  it('FSYNCFAIL makes a follower fail-stop on its next write', async () => {
    const [leader, follower] = await leaderAndFollower();
    const redis = await client(cluster.portOf(leader));
    expect(await redis.call('HARMONY', 'FAULT', 'FSYNCFAIL', String(follower), 'on')).toBe('OK');
    await writeSome(redis, 'fsync:', 3);
    await waitFor('the follower to fail-stop', async () => !cluster.isAlive(follower) || undefined);
    expect(await redis.call('HARMONY', 'RESTART', String(follower))).toBe('OK');
    await waitFor('catch-up after restart', () => caughtUp(follower));
  });

  it('TRANSFER moves leadership', async () => {
    const [leader, follower] = await leaderAndFollower();
    await waitFor('the follower to catch up', () => caughtUp(follower));
    expect(await cli(cluster.portOf(follower), 'HARMONY', 'TRANSFER', String(follower))).toBe('OK');
    await waitFor('the new leader', async () =>
      (await cluster.leader()) === follower || undefined);
    expect(await cluster.leader()).not.toBe(leader);
  });
});

// Proves a real 3-node cluster (one worker thread per node, real sockets, real disks) serves a
// real Redis client: writes sent to any node are replicated to every node, followers forward
// writes and linearizable reads to the leader, the command set works through a follower, the
// cluster survives a leader kill and the restarted node catches up from its WAL and the leader.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src/cluster/cluster.js';
import { client, closeClients, followerOf, startTestCluster, waitFor } from './helpers.js';

describe('a 3-node cluster', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startTestCluster();
  });
  afterAll(async () => {
    await closeClients();
    await cluster?.stop();
  });

  it('replicates a write sent to a follower to every node', async () => {
    const leader = await cluster.waitForLeader();
    const follower = await followerOf(cluster, leader);
    const c = await client(cluster.portOf(follower));
    expect(await c.set('greeting', 'hello')).toBe('OK');
    expect(await (await client(cluster.portOf(leader))).get('greeting')).toBe('hello');
    for (const id of cluster.ids) {
      const local = await client(cluster.portOf(id));
      expect(await local.call('READONLY')).toBe('OK');
      await waitFor(`node ${id} to apply the write`, async () =>
        (await local.get('greeting')) === 'hello' ? true : undefined);
    }
  });

  it('runs the command set through a follower', async () => {
    const leader = await cluster.waitForLeader();
    const c = await client(cluster.portOf(await followerOf(cluster, leader)));
    expect(await c.incr('counter')).toBe(1);
    expect(await c.incrby('counter', 41)).toBe(42);
    expect(await c.append('counter', '0')).toBe(3);
    expect(await c.mset('k1', 'v1', 'k2', 'v2', 'k3', 'v3')).toBe('OK');
    expect(await c.mget('k1', 'k2', 'nope')).toEqual(['v1', 'v2', null]);
    expect(await c.exists('k1', 'k2', 'nope')).toBe(2);
    expect(await c.call('CAS', 'k1', 'v1', 'v1b')).toBe(1);
    expect(await c.call('CAS', 'k1', 'v1', 'v1c')).toBe(0);
    expect(await c.get('k1')).toBe('v1b');
    expect(await c.call('RANGE', 'k1', 'k3')).toEqual(['k1', 'v1b', 'k2', 'v2']);
    const exec = await c.multi().set('m1', 'a').incr('m2').get('m1').exec();
    expect(exec).toEqual([[null, 'OK'], [null, 1], [null, 'a']]);
    expect(await c.del('k2', 'k3', 'nope')).toBe(2);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await c.scan(cursor, 'MATCH', 'k*', 'COUNT', 2);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    expect(keys.sort()).toEqual(['k1']);
    expect(await c.dbsize()).toBeGreaterThanOrEqual(4);
  });

  it('elects a new leader when the leader is killed, and the old leader catches up', async () => {
    const oldLeader = await cluster.waitForLeader();
    const survivor = await followerOf(cluster, oldLeader);
    const c = await client(cluster.portOf(survivor));
    await c.set('before-kill', '1');
    await cluster.kill(oldLeader);
    const newLeader = await cluster.waitForLeader(10_000, [oldLeader]);
    expect(newLeader).not.toBe(oldLeader);
    await waitFor('a write after the kill', async () =>
      (await c.set('after-kill', '2')) === 'OK' ? true : undefined);
    expect(await c.get('before-kill')).toBe('1');
    await cluster.restart(oldLeader);
    const restarted = await client(cluster.portOf(oldLeader));
    await restarted.call('READONLY');
    await waitFor('the restarted node to catch up', async () =>
      (await restarted.get('after-kill')) === '2' ? true : undefined);
    expect(await restarted.get('greeting')).toBe('hello');
  });
});

describe('a cluster with forwarding off', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startTestCluster({ forward: false });
  });
  afterAll(async () => {
    await closeClients();
    await cluster?.stop();
  });

  it('answers -MOVED with the leader address on a follower, and serves on the leader', async () => {
    const leader = await cluster.waitForLeader();
    const follower = await client(cluster.portOf(await followerOf(cluster, leader)));
    await expect(follower.set('x', '1')).rejects.toThrow(
      `MOVED 0 127.0.0.1:${cluster.portOf(leader)}`);
    await expect(follower.get('x')).rejects.toThrow(`MOVED 0 127.0.0.1:${cluster.portOf(leader)}`);
    expect(await (await client(cluster.portOf(leader))).set('x', '1')).toBe('OK');
  });
});

// The vitest example of docs/api.md, run as a test (the doc includes this file verbatim): one
// cluster per test file on free ports and a temporary directory, an ioredis client on its URL,
// a crash of the leader that loses no acknowledged write, typed status and membership, and
// `await using`, which stops a cluster and removes its directory when the scope ends.
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from 'harmonydb';

describe('an app on a HarmonyDB cluster', () => {
  let cluster: Cluster;
  let redis: Redis;

  beforeAll(async () => {
    cluster = await startCluster(); // 3 nodes, free ports, a temporary directory, a leader
    redis = new Redis(cluster.url); // redis://127.0.0.1:<port>; any node serves every command
    redis.on('error', () => undefined); // while its node is down it reconnects by itself
  });

  afterAll(async () => {
    redis?.disconnect();
    await cluster?.stop(); // fsyncs and closes every node, then removes the directory
  });

  it('stores and reads keys', async () => {
    expect(await redis.set('greeting', 'hello')).toBe('OK');
    expect(await redis.get('greeting')).toBe('hello');
  });

  it('keeps acknowledged writes when the leader crashes', async () => {
    const leader = await cluster.waitForLeader();
    const follower = cluster.ids.find((id) => id !== leader)!;
    const client = new Redis(cluster.urlOf(follower));
    try {
      expect(await client.set('order:1', 'paid')).toBe('OK');
      await cluster.kill(leader); // terminates its worker: nothing is flushed
      expect(await cluster.waitForLeader(10_000, [leader])).not.toBe(leader);
      expect(await client.get('order:1')).toBe('paid');
      await cluster.restart(leader); // recovers from its write-ahead log, then catches up
      const statuses = await cluster.status();
      expect(statuses.filter((s) => s.alive)).toHaveLength(3);
      const members = await cluster.membership();
      expect(members.map((m) => m.role)).toEqual(['voter', 'voter', 'voter']);
    } finally {
      client.disconnect();
    }
  });
});

it('stops the cluster and removes its directory at the end of an `await using` scope', async () => {
  let dataDir: string;
  {
    await using cluster = await startCluster({ nodes: 1 });
    dataDir = cluster.options.dataDir;
    const redis = new Redis(cluster.url);
    expect(await redis.incr('visits')).toBe(1);
    redis.disconnect();
  }
  expect(existsSync(dataDir)).toBe(false);
});

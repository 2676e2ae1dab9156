// Proves snapshots work in the running cluster: with a small snapshot threshold the nodes
// snapshot their B+ tree off-thread (piscina) and compact their WAL; a follower that was down
// while the leader compacted past it catches up through InstallSnapshot; and a whole cluster
// restarted on the same data recovers every key from snapshot + WAL, and serves a large RANGE
// from the query worker.
import { afterAll, describe, expect, it } from 'vitest';
import { Cluster } from '../../src/cluster/cluster.js';
import {
  client, closeClients, followerOf, removeTempDataDirs, tempDataDir, waitFor,
} from './helpers.js';

describe('snapshots in a running cluster', () => {
  const clusters: Cluster[] = [];
  afterAll(async () => {
    await closeClients();
    for (const c of clusters) await c.stop();
    removeTempDataDirs();
  });

  it('catches a lagging follower up by snapshot and recovers from snapshot + WAL', async () => {
    const dataDir = tempDataDir();
    const cluster = await Cluster.start({ nodes: 3, basePort: 0, dataDir, snapshotEntries: 50 });
    clusters.push(cluster);
    const leader = await cluster.waitForLeader();
    const lagging = await followerOf(cluster, leader);
    const c = await client(cluster.portOf(leader));
    for (let i = 0; i < 100; i++) await c.set(`a${i}`, `v${i}`);
    await cluster.kill(lagging);
    const writes = Array.from({ length: 300 }, (_, i) => c.set(`b${i}`, `w${i}`));
    await Promise.all(writes);
    const status = await waitFor('the leader to snapshot past the lagging follower', async () => {
      const s = (await cluster.status()).find((n) => n.id === leader)!;
      return s.snapshotIndex > 150 && s.firstIndex > 150 ? s : undefined;
    });
    expect(status.snapshotIndex).toBeGreaterThan(150);
    await cluster.restart(lagging);
    const follower = await client(cluster.portOf(lagging));
    await follower.call('READONLY');
    await waitFor('the lagging follower to catch up', async () =>
      (await follower.get('b299')) === 'w299' ? true : undefined);
    expect(await follower.get('a0')).toBe('v0');
    const events = cluster.recentEvents().map((e) => `${e.node}: ${e.text}`);
    expect(events.some((e) => e.startsWith(`${lagging}: installed snapshot`))).toBe(true);

    await cluster.stop();
    const again = await Cluster.start({ nodes: 3, basePort: 0, dataDir, snapshotEntries: 50 });
    clusters.push(again);
    const newLeader = await again.waitForLeader();
    const d = await client(again.portOf(newLeader));
    expect(await d.get('a99')).toBe('v99');
    expect(await d.get('b0')).toBe('w0');
    expect(await d.dbsize()).toBe(400);
    // RANGE's default limit (10000 keys) is large: it is served by the piscina query worker.
    const range = (await d.call('RANGE', 'a', 'b')) as string[];
    expect(range.length).toBe(200);
    expect(range.slice(0, 4)).toEqual(['a0', 'v0', 'a1', 'v1']);
  });
});

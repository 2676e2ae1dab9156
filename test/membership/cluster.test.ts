// Proves runtime membership changes in a real in-process cluster (worker threads, real disks,
// real RESP ports): a learner added to a cluster whose log was compacted catches up by
// InstallSnapshot and serves READONLY reads; promoted, it takes writes; a voter and then the
// leader itself are removed and the cluster carries on; HARMONY MEMBER/STATUS drive and show
// the same thing over RESP; cluster.json follows the changes and a removed id is refused; and
// adding and removing members under a history-recording write load loses no acknowledged
// write and keeps the history linearizable (src/check).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLinearizability, describeResult, kv } from '../../src/check/index.js';
import { Cluster } from '../../src/cluster/cluster.js';
import {
  client, closeClients, removeTempDataDirs, tempDataDir, waitFor,
} from '../e2e/helpers.js';
import { Load } from '../e2e/load.js';

describe('runtime membership in the in-process cluster', () => {
  const clusters: Cluster[] = [];
  afterAll(async () => {
    await closeClients();
    for (const c of clusters) await c.stop();
    removeTempDataDirs();
  });

  it('adds a learner by snapshot, promotes it, removes a voter and the leader', async () => {
    const dataDir = tempDataDir();
    const cluster = await Cluster.start({ nodes: 3, basePort: 0, dataDir, snapshotEntries: 20 });
    clusters.push(cluster);
    const leader = await cluster.waitForLeader();
    const c = await client(cluster.portOf(leader));
    for (let i = 0; i < 60; i++) await c.set(`a${i}`, `v${i}`);
    await waitFor('the leader to compact its log', async () => {
      const s = (await cluster.status()).find((n) => n.id === leader)!;
      return s.firstIndex > 20 ? true : undefined;
    });

    const learner = await cluster.addLearner();
    expect(learner).toBe(4);
    const l = await client(cluster.portOf(learner));
    await l.call('READONLY');
    await waitFor('the learner to catch up', async () =>
      (await l.get('a59')) === 'v59' ? true : undefined);
    const events = cluster.recentEvents().map((e) => `${e.node}: ${e.text}`);
    expect(events.some((e) => e.startsWith(`${learner}: installed snapshot`))).toBe(true);
    let status = (await c.call('HARMONY', 'STATUS')) as string;
    expect(status).toContain(`member 4 learner 127.0.0.1:${cluster.portOf(4)} match `);
    const role = (await l.call('ROLE')) as unknown[];
    expect(role[0]).toBe('slave');

    // Promotion over RESP; then node 4 takes writes (forwarded) and shows them locally.
    expect(await c.call('HARMONY', 'MEMBER', 'PROMOTE', '4')).toBe('OK');
    status = (await c.call('HARMONY', 'STATUS')) as string;
    expect(status).toContain('member 4 voter');
    for (let i = 0; i < 10; i++) expect(await l.set(`b${i}`, `w${i}`)).toBe('OK');
    await waitFor('node 4 to apply its writes', async () =>
      (await l.get('b9')) === 'w9' ? true : undefined);

    // A second change while one is pending is refused with a clear message.
    const follower = cluster.ids.find((id) => id !== leader && id !== learner)!;
    const [first, second] = await Promise.allSettled([
      cluster.removeMember(follower), cluster.promote(learner)]);
    expect(first.status).toBe('fulfilled');
    expect(second.status === 'rejected' && String(second.reason)).toMatch(
      /a membership change \(remove node \d\) is in progress; wait for it and retry/);
    expect(cluster.ids).not.toContain(follower);

    // Remove the leader itself: it steps down, a new leader is elected among 3 and 4... and
    // the cluster takes writes again.
    const oldLeader = await cluster.waitForLeader();
    await cluster.removeMember(oldLeader);
    expect(cluster.ids).not.toContain(oldLeader);
    const newLeader = await cluster.waitForLeader(10_000, [oldLeader]);
    const d = await client(cluster.portOf(newLeader));
    await waitFor('a write after removing the leader', async () =>
      (await d.set('after', 'yes').catch(() => undefined)) === 'OK' ? true : undefined);
    expect(await d.get('a0')).toBe('v0');
    expect(await d.get('b9')).toBe('w9');

    const identity = JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8'));
    expect(identity.nodeIds.sort()).toEqual(cluster.ids.sort());
    expect(identity.removedIds).toEqual([follower, oldLeader]);
    await expect(cluster.addLearner({ id: follower })).rejects.toThrow(
      `node id ${follower} belonged to a member that was removed; ids are never reused, ` +
        `pick a new id`);

    // A restart keeps the membership and the addresses (cluster.json + snapshot/WAL).
    await cluster.stop();
    const again = await Cluster.start({ nodes: 3, basePort: 0, dataDir, snapshotEntries: 20 });
    clusters.push(again);
    expect(again.ids.sort()).toEqual(identity.nodeIds.sort());
    const leader2 = await again.waitForLeader();
    const e = await client(again.portOf(leader2));
    expect(await e.get('after')).toBe('yes');
    const status2 = (await e.call('HARMONY', 'STATUS')) as string;
    for (const id of again.ids) expect(status2).toContain(
      `member ${id} voter 127.0.0.1:${again.portOf(id)}`);
  });

  it('adds and removes members under a write load; the history stays linearizable', async () => {
    const cluster = await Cluster.start({ nodes: 3, basePort: 0, dataDir: tempDataDir(),
      snapshotEntries: 200 });
    clusters.push(cluster);
    await cluster.waitForLeader();
    const load = new Load({
      ports: () => cluster.ids.filter((id) => cluster.isAlive(id)).map((id) => cluster.portOf(id)),
      clients: 4, keys: 6, seed: 7,
    });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await sleep(400);
    const added = await cluster.addLearner();
    await sleep(300);
    await cluster.promote(added);
    await sleep(300);
    const victim = cluster.ids.find((id) => id !== added)!;
    await cluster.removeMember(victim);
    await sleep(300);
    await cluster.removeMember(await cluster.waitForLeader());
    await sleep(500);
    const result = await load.stop();

    const leader = await cluster.waitForLeader();
    const c = await client(cluster.portOf(leader));
    const missing: string[] = [];
    for (const [key, value] of result.acknowledged) if ((
      await c.get(key)) !== value) missing.push(key);
    expect(missing).toEqual([]);
    for (let k = 0; k < 6; k++) {
      const id = result.history.invoke(999, kv.get(`k${k}`), performance.now());
      const value = await c.get(`k${k}`);
      result.history.complete(id, { kind: 'ok', result: kv.getResult(value) }, performance.now());
    }
    const check = checkLinearizability(result.history.operations(), { stepBudget: 2_000_000 });
    expect(check.result, describeResult(check)).toBe('ok');
    expect(result.okCount).toBeGreaterThan(50);
  });
});

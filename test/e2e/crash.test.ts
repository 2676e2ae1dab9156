// Proves nothing acknowledged is lost when nodes crash under load: (1) the leader's worker is
// killed mid-load and restarted; (2) the whole cluster process is SIGKILLed mid-load and
// started again on the same data. In both, every acknowledged write is read back afterwards and
// the recorded history (with final reads) is linearizable per src/check.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLinearizability, describeResult, kv } from '../../src/check/index.js';
import type { Cluster } from '../../src/cluster/cluster.js';
import { Load, type LoadResult } from './load.js';
import {
  client, closeClients, removeTempDataDirs, startTestCluster, tempDataDir, waitFor,
} from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads every receipt back and every load key once more, then checks the whole history. */
async function verify(result: LoadResult, port: number, keys: number): Promise<void> {
  const c = await client(port);
  const missing: string[] = [];
  for (const [key, value] of result.acknowledged) {
    if ((await c.get(key)) !== value) missing.push(key);
  }
  expect(missing).toEqual([]);
  for (let k = 0; k < keys; k++) {
    const key = `k${k}`;
    const id = result.history.invoke(999, kv.get(key), performance.now());
    const value = await c.get(key);
    result.history.complete(id, { kind: 'ok', result: kv.getResult(value) }, performance.now());
  }
  const check = checkLinearizability(result.history.operations(), { stepBudget: 2_000_000 });
  expect(check.result, describeResult(check)).toBe('ok');
  expect(result.okCount).toBeGreaterThan(50);
  expect(result.acknowledged.size).toBeGreaterThan(20);
}

describe('crash safety', () => {
  let cluster: Cluster | undefined;
  const children: ChildProcess[] = [];
  afterAll(async () => {
    await closeClients();
    await cluster?.stop();
    await Promise.all(children.map(killAndWait));
    removeTempDataDirs();
  });

  it('keeps every acknowledged write when the leader worker is killed under load', async () => {
    cluster = await startTestCluster();
    const c = cluster;
    const leader = await c.waitForLeader();
    const load = new Load({
      ports: () => c.ids.filter((id) => c.isAlive(id)).map((id) => c.portOf(id)),
      clients: 6, keys: 8, seed: 1,
    });
    await sleep(700);
    await c.kill(leader);
    await c.waitForLeader(10_000, [leader]);
    await sleep(700);
    await c.restart(leader);
    await sleep(500);
    const result = await load.stop();
    await verify(result, c.portOf(await c.waitForLeader()), 8);
  });

  it('keeps every acknowledged write when the whole process is SIGKILLed under load', async () => {
    const dataDir = tempDataDir();
    const basePort = await freeBasePort(3);
    const ports = [basePort, basePort + 1, basePort + 2];
    const start = () => {
      const child = spawn(process.execPath, ['bin/harmonydb', 'cluster', '--data', dataDir,
        '--base-port', String(basePort), '--no-ui'], { stdio: 'ignore' });
      children.push(child);
      return child;
    };
    const first = start();
    await waitFor('the cluster to elect a leader', async () =>
      (await (await client(ports[0]!)).set('probe', '1')) === 'OK' ? true : undefined, 20_000);
    const load = new Load({ ports: () => ports, clients: 6, keys: 8, seed: 2 });
    await sleep(1200);
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const result = await load.stop();
    start();
    await waitFor('the restarted cluster to serve', async () =>
      (await (await client(ports[1]!)).get('probe')) === '1' ? true : undefined, 20_000);
    await verify(result, ports[0]!, 8);
  });
});

/** SIGKILL, then wait until the process is gone (so that its directory can be removed). */
async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** A base port with `count` consecutive free ports after it. */
async function freeBasePort(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(Array.from({ length: count }, (_, i) => isFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free port range found');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

// Proves a node in another OS process joins, serves and survives over the TCP bridge on
// loopback: a 3-node in-process cluster opens its bridge; `harmonydb node` (a child process)
// joins as a learner and catches up by snapshot (the leader's log was compacted), is promoted
// and takes writes; PUBLISH crosses the bridge both ways (the pub/sub relay); kill -9 of that
// process leaves the cluster serving; restarted on its data
// directory it rejoins and catches up. The join refuses a wrong secret, an id already in use,
// and a data directory of another cluster, each with a clear message and no membership change.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cluster } from '../../src/cluster/cluster.js';
import {
  client, closeClients, removeTempDataDirs, tempDataDir, waitFor,
} from '../e2e/helpers.js';

const cli = join(process.cwd(), 'bin', 'harmonydb');

interface NodeProcess { child: ChildProcess; output: string[]; exited: Promise<number | null> }

function startNode(args: string[]): NodeProcess {
  const child =
    spawn(process.execPath, [cli, 'node', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output, exited };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a node in another process over the TCP bridge', () => {
  const children: ChildProcess[] = [];
  let cluster: Cluster | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'harmony-bridge-'));
  afterAll(async () => {
    await closeClients();
    await Promise.all(children.map((c) => {
      if (c.exitCode !== null || c.signalCode !== null) return undefined;
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGKILL');
      return exited;
    }));
    await cluster?.stop();
    removeTempDataDirs();
    rmSync(dir, { recursive: true, force: true });
  });

  it('joins as learner, catches up by snapshot, is promoted, survives kill -9 and restarts',
    async () => {
    const secretFile = join(dir, 'secret');
    writeFileSync(secretFile, 'a-shared-secret-of-32-bytes-long\n');
    cluster = await Cluster.start({
      nodes: 3, basePort: 0, dataDir: tempDataDir(), snapshotEntries: 20,
      bridge: {
        host: '127.0.0.1', port: 0,
          secret: new TextEncoder().encode('a-shared-secret-of-32-bytes-long') },
    });
    const leader = await cluster.waitForLeader();
    const c = await client(cluster.portOf(leader));
    for (let i = 0; i < 60; i++) await c.set(`a${i}`, `v${i}`);
    const bridge = `127.0.0.1:${cluster.bridgePort!}`;

    // Refusals first: nothing about the membership changes.
    const wrongSecret = join(dir, 'wrong');
    writeFileSync(wrongSecret, 'not-the-secret-but-long-enough');
    const bad =
      startNode(['--id', '7', '--data', join(dir, 'n7'), '--port', String(await freePort()),
      '--join', bridge, '--secret-file', wrongSecret]);
    expect(await bad.exited).toBe(2);
    expect(bad.output.join('')).toContain('does not know the cluster secret');
    const reused =
      startNode(['--id', '2', '--data', join(dir, 'n2'), '--port', String(await freePort()),
      '--join', bridge, '--secret-file', secretFile]);
    expect(await reused.exited).toBe(2);
    expect(reused.output.join('')).toContain(
      'join refused by the cluster: node id 2 is already in use by a member of this cluster; ' +
        'pick another --id');
    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'node.json'), JSON.stringify({ clusterId: 'another', nodeId: 8 }));
    const other = startNode(['--id', '8', '--data', foreign, '--port', String(await freePort()),
      '--join', bridge, '--secret-file', secretFile]);
    expect(await other.exited).toBe(2);
    expect(other.output.join('')).toContain("node 8's data directory belongs to cluster another");
    expect(cluster.memberIds.sort()).toEqual([1, 2, 3]);

    const port4 = await freePort();
    const args = ['--id', '4', '--data', join(dir, 'n4'), '--port', String(port4), '--join', bridge,
      '--secret-file', secretFile, '--snapshot-entries', '20'];
    let node4 = startNode(args);
    children.push(node4.child);
    await waitFor('node 4 to serve', async () =>
      node4.output.join('').includes('Redis protocol on') ? true : undefined, 15_000);
    const r4 = await client(port4);
    await r4.call('READONLY');
    await waitFor(
      'node 4 to catch up', async () => (await r4.get('a59')) === 'v59' ? true : undefined);
    expect(node4.output.join('')).toContain('installed snapshot');
    let status = (await c.call('HARMONY', 'STATUS')) as string;
    expect(status).toContain(`member 4 learner 127.0.0.1:${port4}`);

    expect(await c.call('HARMONY', 'MEMBER', 'PROMOTE', '4')).toBe('OK');
    status = (await c.call('HARMONY', 'STATUS')) as string;
    expect(status).toContain(`member 4 voter 127.0.0.1:${port4}`);
    for (let i = 0; i < 10; i++) expect(await r4.set(`b${i}`, `w${i}`)).toBe('OK');
    await waitFor(
      'node 4 to apply its writes', async () => (await r4.get('b9')) === 'w9' ? true : undefined);
    const heard: string[] = [];
    const sub4 = await client(port4);
    sub4.on('message', (_ch: string, m: string) => heard.push(`at 4: ${m}`));
    await sub4.subscribe('across');
    const sub1 = await client(cluster.portOf(1));
    sub1.on('message', (_ch: string, m: string) => heard.push(`at 1: ${m}`));
    await sub1.subscribe('across');
    expect(await c.publish('across', 'from the cluster')).toBeGreaterThanOrEqual(0);
    expect(await r4.publish('across', 'from node 4')).toBe(1);
    await waitFor('both messages on both sides',
      async () => heard.length === 4 ? true : undefined);
    expect(heard.sort()).toEqual(['at 1: from node 4', 'at 1: from the cluster',
      'at 4: from node 4', 'at 4: from the cluster']);

    // kill -9: the other three carry on (3 of 4 voters is a quorum).
    node4.child.kill('SIGKILL');
    await node4.exited;
    r4.disconnect();
    const l = await client(cluster.portOf(await cluster.waitForLeader()));
    for (let i = 0; i < 30; i++) expect(await l.set(`c${i}`, `x${i}`)).toBe('OK');

    node4 = startNode(args);
    children.push(node4.child);
    await waitFor('node 4 to serve again', async () =>
      node4.output.join('').includes('Redis protocol on') ? true : undefined, 15_000);
    const again = await client(port4);
    await again.call('READONLY');
    await waitFor('node 4 to catch up after the restart', async () =>
      (await again.get('c29')) === 'x29' ? true : undefined);
    expect(await again.get('b0')).toBe('w0');
  });
});

// Proves the data directory keeps one cluster's identity: a new directory is initialised, the
// same cluster reopens it, and a directory of another cluster, another member set, a foreign
// non-empty directory or a node directory copied from elsewhere is refused with a message that
// says what to do.
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirError, openDataDir } from '../../src/cluster/dataDir.js';

const made: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'harmony-datadir-'));
  made.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('openDataDir', () => {
  it('initialises an empty directory and reopens it with the same identity', () => {
    const dir = join(fresh(), 'data');
    const first = openDataDir(dir, [1, 2, 3]);
    expect(first.nodeIds).toEqual([1, 2, 3]);
    const node2 = JSON.parse(readFileSync(join(dir, 'node-2', 'node.json'), 'utf8'));
    expect(node2).toEqual({ clusterId: first.clusterId, nodeId: 2 });
    expect(openDataDir(dir, [1, 2, 3]).clusterId).toBe(first.clusterId);
  });

  it('refuses a directory that holds a cluster with another member set', () => {
    const dir = fresh();
    const { clusterId } = openDataDir(dir, [1, 2, 3]);
    expect(() => openDataDir(dir, [1, 2, 3, 4, 5])).toThrow(new DataDirError(
      `${dir} holds cluster ${clusterId} with nodes [1, 2, 3], not [1, 2, 3, 4, 5]; ` +
        'start with --nodes 3, or use another --data directory'));
  });

  it('refuses a non-empty directory that is not a HarmonyDB data directory', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    expect(() => openDataDir(dir, [1])).toThrow(/is not empty and has no cluster.json/);
  });

  it('refuses a node directory copied from another cluster', () => {
    const a = fresh();
    const b = fresh();
    openDataDir(a, [1, 2]);
    const other = openDataDir(b, [1, 2]);
    writeFileSync(join(a, 'node-2', 'node.json'),
      JSON.stringify({ clusterId: other.clusterId, nodeId: 2 }));
    expect(() => openDataDir(a, [1, 2])).toThrow(/belongs to cluster .* node 2, not cluster/);
  });

  it('refuses a damaged identity file', () => {
    const dir = fresh();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cluster.json'), '{"clusterId": 7}');
    expect(() => openDataDir(dir, [1])).toThrow(/not a HarmonyDB cluster identity file/);
  });
});

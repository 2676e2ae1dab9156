/**
 * The embedded cluster as a test suite uses it: startCluster() with no options takes free
 * ports (never 6379) and a temporary directory under os.tmpdir() that stop() removes; a
 * 3-node cluster takes at most 20 MB of disk before the first write (measured like du: blocks
 * allocated); a directory the caller passed is kept by stop() and reopened by the next
 * start; url/urlOf/ports agree with portOf; fault values out of range are refused. A program
 * run as `node --input-type=module -e …` starts a cluster (its workers do not inherit the
 * options that would break them) and, exiting without stop(), still leaves no directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ClusterError, startCluster } from '../../src/cluster/cluster.js';
import { workerExecArgv } from '../../src/cluster/workerArgs.js';

/** Bytes of disk blocks allocated under `path`, like `du -s --block-size=1`. */
function diskUsageBytes(path: string): number {
  const stat = lstatSync(path);
  let bytes = stat.blocks * 512;
  if (stat.isDirectory()) {
    for (const name of readdirSync(path)) bytes += diskUsageBytes(join(path, name));
  }
  return bytes;
}

describe('startCluster for test suites', () => {
  it('uses free ports and a temporary directory of at most 20 MB that stop() removes', async () => {
    const cluster = await startCluster();
    const dataDir = cluster.options.dataDir;
    try {
      expect(cluster.ownsDataDir).toBe(true);
      expect(dataDir.startsWith(join(tmpdir(), 'harmony-cluster-'))).toBe(true);
      expect(cluster.ports).toEqual(cluster.ids.map((id) => cluster.portOf(id)));
      expect(cluster.ports).not.toContain(6379);
      expect(cluster.url).toBe(`redis://127.0.0.1:${cluster.portOf(1)}`);
      expect(cluster.urlOf(2)).toBe(`redis://127.0.0.1:${cluster.portOf(2)}`);
      const usedBytes = diskUsageBytes(dataDir);
      expect(usedBytes).toBeLessThanOrEqual(20 * 1024 * 1024);
      expect(usedBytes).toBeGreaterThan(0);
    } finally {
      await cluster.stop();
    }
    expect(existsSync(dataDir)).toBe(false);
    await cluster.stop(); // a second stop is harmless
  });

  it('keeps a directory the caller passed, and a new start reopens it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'harmony-embedded-'));
    try {
      const dataDir = join(root, 'data');
      const first = await startCluster({ nodes: 1, dataDir });
      const clusterId = first.clusterId;
      expect(first.ownsDataDir).toBe(false);
      await first.stop();
      expect(existsSync(join(dataDir, 'cluster.json'))).toBe(true);
      const again = await startCluster({ nodes: 1, dataDir });
      await again.stop();
      expect(again.clusterId).toBe(clusterId);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses fault values out of range before touching the network', async () => {
    await using cluster = await startCluster({ nodes: 1 });
    await expect(cluster.setNetwork({ dropRate: 1.5 }))
      .rejects.toThrow(new ClusterError('dropRate must be a number from 0 to 1, got 1.5'));
    await expect(cluster.setNetwork({ delayMs: -1 }))
      .rejects.toThrow(new ClusterError('delayMs must be a number from 0 to 10000, got -1'));
    await expect(cluster.setDiskDelay(1, 20_000))
      .rejects.toThrow(new ClusterError('disk delay must be from 0 to 10000 ms, got 20000'));
    expect(cluster.networkFaults().dropRate).toBe(0);
  });

  it('runs from `node --input-type=module -e` and removes its directory on exit without stop()',
    () => {
      const entry = join(import.meta.dirname, '..', '..', 'dist', 'src', 'index.js');
      const program = `import { startCluster } from ${JSON.stringify(entry)};\n` +
        'const cluster = await startCluster({ nodes: 1 });\n' +
        'console.log(cluster.options.dataDir);\nprocess.exit(0);\n';
      const result = spawnSync(process.execPath, ['--input-type=module', '-e', program],
        { encoding: 'utf8', timeout: 30_000 });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      const dataDir = result.stdout.trim();
      expect(dataDir.startsWith(join(tmpdir(), 'harmony-cluster-'))).toBe(true);
      expect(existsSync(dataDir)).toBe(false);
    });

  it('gives workers the parent\'s Node options except those for the main script only', () => {
    expect(workerExecArgv(['--input-type=module', '-e', 'code', '--enable-source-maps']))
      .toEqual(['--enable-source-maps']);
    expect(workerExecArgv(['--input-type', 'module', '--print', 'x', '--max-old-space-size=64']))
      .toEqual(['--max-old-space-size=64']);
  });
});

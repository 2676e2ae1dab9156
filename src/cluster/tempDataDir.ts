/**
 * Temporary data directories for clusters started without `dataDir` (the library default, made
 * for test suites): created under os.tmpdir() as harmony-cluster-*, removed by Cluster.stop(),
 * and, should a program exit without stopping its cluster, removed on process exit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const tempDataDirPrefix = 'harmony-cluster-';

const owned = new Set<string>();
let exitHookInstalled = false;

function removeAllOnExit(): void {
  for (const dir of owned) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Exiting anyway; a worker may still hold a file open.
    }
  }
}

export function createTempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), tempDataDirPrefix));
  owned.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', removeAllOnExit);
  }
  return dir;
}

export function removeTempDataDir(dir: string): void {
  owned.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

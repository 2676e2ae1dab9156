/**
 * The cluster's identity on disk. `<data>/cluster.json` names the cluster (a random id) and
 * its members; each `<data>/node-<id>/node.json` names the cluster and node that own it.
 * Starting on a directory of another cluster (or with another member set) is refused: merging
 * two clusters' logs would silently corrupt both.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';

export interface ClusterIdentity {
  clusterId: string;
  nodeIds: number[];
}

export class DataDirError extends Error {
  override name = 'DataDirError';
}

const identityFile = 'cluster.json';

function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { flush: true });
  renameSync(tmp, path);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new DataDirError(`${path}: unreadable (${(error as Error).message}); ` +
      'move the data directory aside or pass another --data');
  }
}

function parseIdentity(path: string, raw: unknown): ClusterIdentity {
  const value = raw as Partial<ClusterIdentity>;
  const ok = typeof value.clusterId === 'string' && Array.isArray(value.nodeIds) &&
    value.nodeIds.every((id) => Number.isInteger(id) && id > 0);
  if (!ok) throw new DataDirError(`${path}: not a HarmonyDB cluster identity file`);
  return { clusterId: value.clusterId!, nodeIds: value.nodeIds! };
}

export function nodeDirOf(dataDir: string, id: number): string {
  return join(dataDir, `node-${id}`);
}

/**
 * Opens (or creates) the data directory for a cluster of `nodeIds`. Returns its identity.
 * Throws DataDirError when the directory belongs to something else.
 */
export function openDataDir(dataDir: string, nodeIds: number[]): ClusterIdentity {
  const path = join(dataDir, identityFile);
  if (existsSync(path)) {
    const identity = parseIdentity(path, readJson(path));
    const same = identity.nodeIds.length === nodeIds.length &&
      identity.nodeIds.every((id, i) => id === nodeIds[i]);
    if (!same) {
      throw new DataDirError(
        `${dataDir} holds cluster ${identity.clusterId} with nodes ` +
          `[${identity.nodeIds.join(', ')}], not [${nodeIds.join(', ')}]; ` +
          `start with --nodes ${identity.nodeIds.length}, or use another --data directory`,
      );
    }
    checkNodeDirs(dataDir, identity);
    return identity;
  }
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
    throw new DataDirError(
      `${dataDir} is not empty and has no ${identityFile}: it is not a HarmonyDB data ` +
        'directory; pass an empty or new --data directory',
    );
  }
  mkdirSync(dataDir, { recursive: true });
  const identity: ClusterIdentity = { clusterId: randomUUID(), nodeIds: [...nodeIds] };
  for (const id of nodeIds) {
    mkdirSync(nodeDirOf(dataDir, id), { recursive: true });
    writeJsonAtomic(join(nodeDirOf(dataDir, id), 'node.json'), {
      clusterId: identity.clusterId,
      nodeId: id,
    });
  }
  writeJsonAtomic(path, identity);
  return identity;
}

function checkNodeDirs(dataDir: string, identity: ClusterIdentity): void {
  for (const id of identity.nodeIds) {
    const path = join(nodeDirOf(dataDir, id), 'node.json');
    if (!existsSync(path)) throw new DataDirError(`${path} is missing; the data directory is damaged`);
    const node = readJson(path) as { clusterId?: unknown; nodeId?: unknown };
    if (node.clusterId !== identity.clusterId || node.nodeId !== id) {
      throw new DataDirError(
        `${path} belongs to cluster ${String(node.clusterId)} node ${String(node.nodeId)}, ` +
          `not cluster ${identity.clusterId} node ${id}; it was copied from elsewhere`,
      );
    }
  }
}

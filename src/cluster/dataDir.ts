/**
 * The cluster's identity on disk. `<data>/cluster.json` names the cluster (a random id) and
 * its members; each `<data>/node-<id>/node.json` names the cluster and node that own it.
 * Starting on a directory of another cluster (or with another member set) is refused: merging
 * two clusters' logs would silently corrupt both.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync,
  renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describeStartupFailure } from './startupFailure.js';

export interface ClusterIdentity {
  clusterId: string;
  /** The current members (after every membership change). */
  nodeIds: number[];
  /** Set once membership changed at run time: nodeIds, not --nodes, says who the members are. */
  membershipChanged?: boolean;
  /** Ids added at run time: a fresh directory of one starts with an empty membership. */
  addedIds?: number[];
  /** Ids of removed members: never reused. */
  removedIds?: number[];
  /** Members in other processes (joined over the bridge), with their addresses, by id. */
  remote?: Record<string, { id: number; host: string; port: number; bridgeHost?: string;
    bridgePort?: number; remote?: boolean }>;
  /** RESP port of each member (when the cluster uses fixed ports), by id. */
  ports?: Record<string, number>;
}

export class DataDirError extends Error {
  override name = 'DataDirError';
}

/** Runs `body`; a file-system failure (EACCES, ENOSPC...) becomes a one-line DataDirError. */
function withFsFailures<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    const line = describeStartupFailure(error);
    if (line === null) throw error;
    throw new DataDirError(line, { cause: error });
  }
}

const identityFile = 'cluster.json';

function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { flush: true });
  } catch (error) {
    // A failed write(2) (ENOSPC) names no file; say which one.
    const e = error as { path?: string };
    if (e.path === undefined) e.path = tmp;
    throw error;
  }
  renameSync(tmp, path);
}

/**
 * mkdir -p, one level at a time: a recursive mkdirSync reports ENOENT on a read-only file
 * system, where the error that says what is wrong is EROFS.
 */
function makeDirs(dir: string): void {
  const parent = dirname(dir);
  if (parent !== dir && !existsSync(parent)) makeDirs(parent);
  try {
    mkdirSync(dir);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const line = describeStartupFailure(error);
    if (line !== null) throw new DataDirError(line, { cause: error });
    throw new DataDirError(`${path}: unreadable (${(error as Error).message}); ` +
      'move the data directory aside or pass another --data');
  }
}

function parseIdentity(path: string, raw: unknown): ClusterIdentity {
  const value = raw as Partial<ClusterIdentity>;
  const ok = typeof value.clusterId === 'string' && Array.isArray(value.nodeIds) &&
    value.nodeIds.every((id) => Number.isInteger(id) && id > 0);
  if (!ok) throw new DataDirError(`${path}: not a HarmonyDB cluster identity file`);
  return { ...(value as ClusterIdentity), clusterId: value.clusterId!, nodeIds: value.nodeIds! };
}

export function nodeDirOf(dataDir: string, id: number): string {
  return join(dataDir, `node-${id}`);
}

/**
 * Opens (or creates) the data directory for a cluster of `nodeIds`. Returns its identity.
 * Throws DataDirError when the directory belongs to something else.
 */
export function openDataDir(dataDir: string, nodeIds: number[]): ClusterIdentity {
  return withFsFailures(() => openOrCreate(dataDir, nodeIds));
}

function openOrCreate(dataDir: string, nodeIds: number[]): ClusterIdentity {
  const path = join(dataDir, identityFile);
  if (existsSync(path)) {
    const identity = parseIdentity(path, readJson(path));
    if (identity.membershipChanged === true) {
      checkNodeDirs(dataDir, identity);
      return identity;
    }
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
  makeDirs(dataDir);
  const identity: ClusterIdentity = { clusterId: randomUUID(), nodeIds: [...nodeIds] };
  for (const id of nodeIds) {
    makeDirs(nodeDirOf(dataDir, id));
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
    if (!existsSync(path))
      throw new DataDirError(`${path} is missing; the data directory is damaged`);
    const node = readJson(path) as { clusterId?: unknown; nodeId?: unknown };
    if (node.clusterId !== identity.clusterId || node.nodeId !== id) {
      throw new DataDirError(
        `${path} belongs to cluster ${String(node.clusterId)} node ${String(node.nodeId)}, ` +
          `not cluster ${identity.clusterId} node ${id}; it was copied from elsewhere`,
      );
    }
  }
}

/** Rewrites cluster.json after a membership change (atomically: tmp file + rename). */
export function saveIdentity(dataDir: string, identity: ClusterIdentity): void {
  withFsFailures(
    () => writeJsonAtomic(join(dataDir, identityFile), { ...identity, membershipChanged: true }));
}

/**
 * Creates the directory of a member being added. A removed member's id, or an id whose
 * directory exists, is refused: a node directory is never reused.
 */
export function createNodeDir(dataDir: string, identity: ClusterIdentity, id: number): string {
  if (identity.nodeIds.includes(id)) {
    throw new DataDirError(`node id ${id} is already a member of cluster ${identity.clusterId}`);
  }
  if ((identity.removedIds ?? []).includes(id)) {
    throw new DataDirError(`node id ${id} belonged to a member that was removed; ids are never ` +
      'reused, pick a new id');
  }
  const dir = nodeDirOf(dataDir, id);
  if (existsSync(dir)) {
    throw new DataDirError(
      `${dir} already exists; a node directory is never reused, pick a new id`);
  }
  withFsFailures(() => {
    makeDirs(dir);
    writeJsonAtomic(join(dir, 'node.json'), { clusterId: identity.clusterId, nodeId: id });
  });
  return dir;
}

/** Marks a removed member's node.json so the directory is recognisably retired. */
export function retireNodeDir(dataDir: string, identity: ClusterIdentity, id: number): void {
  const path = join(nodeDirOf(dataDir, id), 'node.json');
  if (!existsSync(path)) return;
  writeJsonAtomic(path, { clusterId: identity.clusterId, nodeId: id, removed: true });
}

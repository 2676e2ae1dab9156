/**
 * Shared pieces of the end-to-end tests: a real cluster on free ports in a temp directory,
 * ioredis clients that fail fast instead of retrying behind the test's back, and polling.
 * A cluster from startTestCluster removes its directory when stopped; a directory from
 * tempDataDir (for tests that restart a cluster on the same data) is removed by
 * removeTempDataDirs, which such a file calls in afterAll once its clusters are stopped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { Cluster } from '../../src/cluster/cluster.js';
import type { ClusterOptions } from '../../src/cluster/options.js';

const tempRoots: string[] = [];

export function tempDataDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'harmony-e2e-'));
  tempRoots.push(root);
  return join(root, 'data');
}

/** Removes every directory tempDataDir made (call it after stopping the clusters on them). */
export function removeTempDataDirs(): void {
  for (const root of tempRoots.splice(0)) rmSync(root, { recursive: true, force: true });
}

/** 3 nodes on free ports in a temporary directory that stop() removes. */
export async function startTestCluster(options: Partial<ClusterOptions> = {}): Promise<Cluster> {
  return Cluster.start({ nodes: 3, basePort: 0, ...options });
}

const clients: Redis[] = [];

/**
 * A connected client that reports every error instead of reconnecting and retrying on its own
 * (the tests decide when to retry).
 */
export async function client(port: number, options: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis({
    port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: false,
    retryStrategy: () => null, lazyConnect: false, ...options,
  });
  redis.on('error', () => undefined);
  clients.push(redis);
  return ready(redis);
}

export async function closeClients(): Promise<void> {
  for (const c of clients.splice(0)) c.disconnect();
}

/** Resolves once connected; rejects if the connection fails first (no retries here). */
export async function ready(redis: Redis): Promise<Redis> {
  if (redis.status === 'ready') return redis;
  await new Promise<void>((resolve, reject) => {
    redis.once('ready', () => resolve());
    redis.once('end', () => reject(new Error(`cannot connect to port ${redis.options.port}`)));
  });
  return redis;
}

export async function waitFor<T>(
  what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` +
    (lastError ? ` (last error: ${(lastError as Error).message})` : ''));
}

export async function followerOf(cluster: Cluster, leader: number): Promise<number> {
  const follower = cluster.ids.find((id) => id !== leader && cluster.isAlive(id));
  if (follower === undefined) throw new Error('no live follower');
  return follower;
}

/**
 * Cluster actions built from several Cluster calls, shared by the admin commands and the UI
 * keys so both do exactly the same thing.
 */
import type { Cluster } from './cluster.js';

/**
 * Undo every fault: a clean network, normal disks, no paused node, no failing fsync. A node
 * that died of an injected fsync failure stays down (it fail-stopped); restart it.
 */
export async function healAll(cluster: Cluster): Promise<void> {
  await cluster.heal();
  const statuses = await cluster.status();
  await Promise.all(statuses.filter((s) => s.alive).map(async (s) => {
    if (s.diskDelayMs > 0) await cluster.setDiskDelay(s.id, 0);
    if (s.fsyncFailing) await cluster.setFsyncFailure(s.id, false);
    if (s.paused) await cluster.setPaused(s.id, false);
  }));
}

/** Cuts one node off from every other node, both ways. */
export async function isolate(cluster: Cluster, id: number): Promise<void> {
  await cluster.isolate(id);
}

/**
 * HarmonyDB as a library: start a whole replicated cluster from a Node program or a test,
 * break it on purpose, and check histories.
 *
 *   import { startCluster } from 'harmonydb';
 *   const cluster = await startCluster({ nodes: 3, basePort: 0, dataDir: './tmp-data' });
 *   await cluster.waitForLeader();
 *   // ... any Redis client on cluster.portOf(id) ...
 *   await cluster.stop();
 */
export { Cluster, ClusterError, startCluster, type ClusterEvent } from './cluster/cluster.js';
export {
  ClusterConfigError, defaultClusterOptions, defaultTiming, type ClusterOptions,
} from './cluster/options.js';
export { DataDirError } from './cluster/dataDir.js';
export type { NodeStatus, RaftTiming } from './node/control.js';
export {
  HistoryRecorder, checkLinearizability, describeResult, kv, type Operation,
} from './check/index.js';

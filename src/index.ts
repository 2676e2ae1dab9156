/**
 * HarmonyDB as a library: start a whole replicated cluster from a Node program or a test
 * suite, break it on purpose, and check histories. docs/api.md has the whole API and a
 * complete vitest example.
 *
 *   import { startCluster } from 'harmonydb';
 *   await using cluster = await startCluster();   // free ports, a temporary directory
 *   const redis = new Redis(cluster.url);          // redis://127.0.0.1:<port>
 */
export {
  Cluster, ClusterError, startCluster, type ClusterEvent, type ClusterNodeStatus,
} from './cluster/cluster.js';
export {
  ClusterConfigError, defaultClusterOptions, defaultTiming, type ClusterBridgeOptions,
  type ClusterOptions,
} from './cluster/options.js';
export { DataDirError } from './cluster/dataDir.js';
export type { NetworkFaults } from './cluster/faults.js';
export type { MemberStatus, NodeRole, NodeStatus, RaftTiming } from './node/control.js';
export {
  HistoryRecorder, checkLinearizability, describeResult, kv, type Operation,
} from './check/index.js';

/**
 * What the server needs from a node. Declared in src/kv/backend.ts (below this layer, so
 * the node can implement it) and re-exported here as the server's public face.
 */
export type {
  KvBackend, NodeRole, PeerInfo, ReadConsistency, ReadOptions, ReplyValue, RoleInfo,
  ScanOptions, ScanResult,
} from '../kv/backend.js';
export type { KvOp, KvResult } from '../kv/op.js';

/** The replicated key-value state machine: ops, their codec, apply, and the backend contract. */
export type {
  ApplyContext, KeyspaceEvent, KvOp, KvOpType, KvResult, NotifyClass, PutCondition, ReadContext,
} from './op.js';
export {
  formatDouble, isErrorReply, nullArrayReply, okReply, type Reply,
} from './reply.js';
export { int64Max, int64Min, kvErrors, valueBytesMax } from './op.js';
export type { KvReadStore, KvStore } from './store.js';
export { applyKvOp, bytesEqual, compareBytes, isReadOp, readKvOp } from './apply.js';
export { decodeKvOp, encodeKvOp, KvOpDecodeError, kvOpVersion } from './codec.js';
export { MemoryKvStore, keyString } from './memoryKvStore.js';
export { globMatch } from './glob.js';
export { parseInt64, parseSafeInteger } from './integer.js';
export {
  errorFromName, NodeStoppedError, NotLeaderError, OutcomeUnknownError, OverloadedError,
  RequestTooLargeError, TryAgainError, type HostPort,
} from './errors.js';
export type {
  KvBackend, NodeRole, PeerInfo, ReadConsistency, ReadOptions, ReplyValue, RoleInfo,
  ScanOptions, ScanResult,
} from './backend.js';

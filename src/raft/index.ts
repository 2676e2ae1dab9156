/**
 * The public face of the pure Raft core (docs/raft.md). Nothing here does I/O or reads a
 * clock; the driver (src/node, test/sim) owns persistence, the network and time.
 */
export { RawNode } from './rawNode.js';
export type { RaftConfig, RaftLogger, ResolvedRaftConfig } from './config.js';
export { validateConfig, DEFAULT_MAX_COMMITTED_SIZE_PER_READY_BYTES,
  DEFAULT_MAX_UNCOMMITTED_ENTRIES_BYTES } from './config.js';
export type { RaftStorage } from './storage.js';
export { MemoryStorage } from './storage.js';
export { Prng, seededRandom } from './prng.js';
export {
  ProposalDroppedError,
  CompactedError,
  UnavailableError,
  SnapshotTemporarilyUnavailableError,
  SnapshotOutOfDateError,
  ConfigError,
} from './errors.js';
export type {
  Ready, SoftState, ReadState, RaftStatus, ProgressStatus, StateRole } from './ready.js';
export type { ProgressState } from './progress.js';
export { encodeConfChange, decodeConfChange } from './confChangeCodec.js';
export {
  describeMessage,
  describeEntry,
  describeReady,
  describeSnapshot,
  describeHardState,
  describeBytes,
  messageTypeName,
} from './describe.js';
export { entrySizeBytes, payloadBytes, limitSize } from './entrySize.js';

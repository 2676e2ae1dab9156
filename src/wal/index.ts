/**
 * src/wal: the segmented write-ahead log (format, recovery table, failure policy: docs/wal.md)
 * and the file-system interface all persistence goes through.
 */
export { Wal, type Recovered, type RecoveryReport } from './wal.js';
export {
  RECORD_BYTES_MAX_DEFAULT, SEGMENT_SIZE_BYTES_MAX_DEFAULT, WAL_PAGE_BYTES, resolveWalOptions,
  type WalOptions,
} from './options.js';
export {
  WalCorruptionError, WalFailedError, WalOptionsError, WalRecordTooLargeError, WalWriteError,
} from './errors.js';
export {
  FsError, NodeFileSystem, errorCode, joinPath, writeFileDurably, type FileHandle,
  type FileSystem,
} from './fs.js';
export { SimFileSystem, type CrashMode, type SimFileSystemOptions } from './simFileSystem.js';
export { FaultyFileSystem } from './faultyFileSystem.js';
export type { FaultOptions, WriteFaultOptions } from './faults.js';
export {
  RECOVERY_TABLE, RecoveryRow, analyzeWal, readWhole, type RecoveryOutcome, type SegmentSummary,
  type WalAnalysis, type WalProblem,
} from './recovery.js';
export { RecordType, RECORD_HEADER_BYTES, crc32 } from './record.js';
export { SEGMENT_HEADER_BYTES, parseSegmentName, segmentName } from './segment.js';
export { repairWal, type RepairResult } from './repair.js';

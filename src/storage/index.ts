/**
 * src/storage: the Raft log over the WAL and snapshot files (docs/storage.md).
 */
export {
  DiskStorage, type DiskStorageOptions, type StorageRecoveryReport,
} from './diskStorage.js';
export { StorageCorruptionError } from './errors.js';
export { parseSnapFileName, readSnapFile, snapFileName, writeSnapFile } from './snapFile.js';

/**
 * src/btree: HarmonyDB's state machine, a copy-on-write B+ tree in SharedArrayBuffer pages.
 * See docs/btree.md for the page format, commit order and reader protocol.
 */
export {
  BTree,
  BTreeReader,
  KEY_BYTES_MAX_DEFAULT,
  VALUE_BYTES_MAX,
  validateOptions,
  type BTreeHandle,
  type BTreeOptions,
  type BTreeStats,
} from './tree.js';
export { WriteTxn } from './writeTxn.js';
export type { SortedLoader } from './bulkLoad.js';
export { ReadView, type KeyValue, type ScanOptions } from './readView.js';
export {
  decodeSnapshot,
  encodeSnapshot,
  SNAPSHOT_CHUNK_BYTES,
  SNAPSHOT_FORMAT_VERSION,
  type DecodeOptions,
  type SnapshotInfo,
} from './snapshot.js';
export {
  BTreeOptionsError,
  KeyTooLargeError,
  ReaderExpiredError,
  SnapshotCorruptError,
  TooManyReadersError,
  TreeFullError,
  ValueTooLargeError,
} from './errors.js';
export { KEY_BYTES_LIMIT } from './keys.js';
export { KEY_INLINE_BYTES_MAX, PAGE_SIZE_BYTES } from './page.js';
export { READER_SLOTS_MAX } from './header.js';

/**
 * src/codec: the binary encoding shared by the WAL and the wire, plus the shared data model
 * (types.ts) and the assert helper. Layouts, versioning and limits: docs/codec.md.
 */
export * from './types.js';
export { assert, AssertionError, unreachable } from './assert.js';
export { CodecError } from './errors.js';
export type { DecodeOptions } from './reader.js';
export {
  FORMAT_VERSION,
  Kind,
  batchMessagesMax,
  confStateMembersMax,
  contextBytesMax,
  entryDataBytesMax,
  messageEntriesMax,
  snapshotDataBytesMax,
} from './limits.js';
export {
  decodeConfChange,
  decodeConfState,
  decodeEntry,
  decodeHardState,
  decodeMessage,
  decodeMessageBatch,
  decodeSnapshot,
  decodeSnapshotMetadata,
  encodeConfChange,
  encodeConfState,
  encodeEntry,
  encodeHardState,
  encodeMessage,
  encodeMessageBatch,
  encodeSnapshot,
  encodeSnapshotMetadata,
  entryPayloadBytes,
  messagePayloadBytes,
} from './topLevel.js';

/**
 * The codec's format version, top-level kind tags and bounds. Every bound is checked when
 * encoding (so we never write what we would refuse to read) and when decoding (before any
 * allocation). docs/codec.md lists them with the byte layouts.
 */
import { assert } from './assert.js';

/** First byte of every top-level encoding. Bumped on any incompatible layout change. */
export const FORMAT_VERSION = 1;

/** Second byte of every top-level encoding: which value follows. Never renumber. */
export enum Kind {
  Entry = 1,
  HardState = 2,
  ConfChange = 3,
  ConfState = 4,
  SnapshotMetadata = 5,
  Snapshot = 6,
  Message = 7,
  MessageBatch = 8,
}
export const KIND_MAX = Kind.MessageBatch;

/** Version byte + kind byte. */
export const HEADER_BYTES = 2;

/** Largest value a u64 field may carry: numbers travel as JS safe integers. */
export const U64_SAFE_MAX = Number.MAX_SAFE_INTEGER; // 2^53 - 1
export const U32_MAX = 0xffff_ffff;

/** Entry.data: one command or one encoded ConfChange. Client values are far smaller. */
export const entryDataBytesMax = 64 * 1024 * 1024;
/** ConfChange.context (a member's address) and Message.context (ReadIndex ctx). */
export const contextBytesMax = 64 * 1024;
/** Snapshot.data: the encoded state machine travels in one Snap message. */
export const snapshotDataBytesMax = 1024 * 1024 * 1024;
/** Voters, and separately learners, in one ConfState. */
export const confStateMembersMax = 1024;
/** Entries in one Message (raft's flow control keeps real batches far below this). */
export const messageEntriesMax = 65_536;
/** Messages in one batch (one Ready's messages to one peer). */
export const batchMessagesMax = 65_536;

assert(Number.isSafeInteger(U64_SAFE_MAX), 'U64_SAFE_MAX is a safe integer');
assert(entryDataBytesMax <= U32_MAX, 'entry data limit fits the u32 length field');
assert(snapshotDataBytesMax <= U32_MAX, 'snapshot data limit fits the u32 length field');
assert(contextBytesMax <= entryDataBytesMax, 'context limit below entry data limit');

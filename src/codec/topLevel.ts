/**
 * Top-level encodings: `version u8 | kind u8 | body`. The version lets a future layout be told
 * apart from this one; the kind catches a buffer decoded as the wrong type (a HardState record
 * read as an Entry) instead of yielding a plausible wrong value. A top-level decode must
 * consume the whole buffer: trailing bytes are an error.
 *
 * Encoders size the output exactly before writing, so each result owns an ArrayBuffer of
 * exactly its length (the transport transfers it whole), and assert the size they predicted.
 */
import { assert } from './assert.js';
import { invalidError, unencodableError } from './errors.js';
import { ByteReader, type DecodeOptions } from './reader.js';
import { ByteWriter } from './writer.js';
import { FORMAT_VERSION, HEADER_BYTES, Kind, KIND_MAX, batchMessagesMax } from './limits.js';
import type {
  ConfChange, ConfState, Entry, HardState, Message, Snapshot, SnapshotMetadata,
} from './types.js';
import {
  HARD_STATE_BYTES, entryBodyBytes, readEntry, readHardState, writeEntry, writeHardState,
} from './entry.js';
import {
  confChangeBodyBytes, confStateBodyBytes, readConfChange, readConfState, writeConfChange,
  writeConfState,
} from './conf.js';
import {
  readSnapshot, readSnapshotMetadata, snapshotBodyBytes, snapshotMetadataBodyBytes,
  writeSnapshot, writeSnapshotMetadata,
} from './snapshot.js';
import { MESSAGE_FIXED_BYTES, messageBodyBytes, readMessage, writeMessage } from './message.js';

/** Field names per kind, built once: the encode path is hot (every WAL entry, every batch). */
const KIND_NAMES: readonly string[] =
  Array.from({ length: KIND_MAX + 1 }, (_, k) => Kind[k] ?? '');

function encodeTopLevel<T>(
  kind: Kind,
  value: T,
  bodyBytes: number,
  write: (w: ByteWriter, value: T) => void,
): Uint8Array {
  const totalBytes = HEADER_BYTES + bodyBytes;
  const w = new ByteWriter(totalBytes);
  w.header(FORMAT_VERSION, kind);
  write(w, value);
  const wroteBytes = w.length;
  if (wroteBytes !== totalBytes) {
    assert(false, `${KIND_NAMES[kind]}: sized ${totalBytes}, wrote ${wroteBytes}`);
  }
  return w.finish();
}

function decodeTopLevel<T>(
  kind: Kind,
  buf: Uint8Array,
  options: DecodeOptions | undefined,
  read: (r: ByteReader) => T,
): T {
  const name = KIND_NAMES[kind]!;
  const r = new ByteReader(buf, options);
  const version = r.u8(`${name} version`);
  if (version !== FORMAT_VERSION) {
    throw invalidError(`${name} version`, 0, `format version ${FORMAT_VERSION}`, String(version));
  }
  const got = r.u8(`${name} kind`);
  if (got !== kind) {
    const gotName = got >= 1 && got <= KIND_MAX ? ` (${Kind[got]})` : ' (unknown kind)';
    throw invalidError(`${name} kind`, 1, `${kind} (${name})`, `${got}${gotName}`);
  }
  const value = read(r);
  r.expectEnd(name);
  return value;
}

export function encodeEntry(e: Entry): Uint8Array {
  return encodeTopLevel(Kind.Entry, e, entryBodyBytes(e), writeEntry);
}
export function decodeEntry(buf: Uint8Array, options?: DecodeOptions): Entry {
  return decodeTopLevel(Kind.Entry, buf, options, readEntry);
}

export function encodeHardState(hs: HardState): Uint8Array {
  return encodeTopLevel(Kind.HardState, hs, HARD_STATE_BYTES, writeHardState);
}
export function decodeHardState(buf: Uint8Array): HardState {
  return decodeTopLevel(Kind.HardState, buf, undefined, readHardState);
}

export function encodeConfChange(cc: ConfChange): Uint8Array {
  return encodeTopLevel(Kind.ConfChange, cc, confChangeBodyBytes(cc), writeConfChange);
}
export function decodeConfChange(buf: Uint8Array, options?: DecodeOptions): ConfChange {
  return decodeTopLevel(Kind.ConfChange, buf, options, readConfChange);
}

export function encodeConfState(cs: ConfState): Uint8Array {
  return encodeTopLevel(Kind.ConfState, cs, confStateBodyBytes(cs), writeConfState);
}
export function decodeConfState(buf: Uint8Array): ConfState {
  return decodeTopLevel(Kind.ConfState, buf, undefined, readConfState);
}

export function encodeSnapshotMetadata(meta: SnapshotMetadata): Uint8Array {
  const bodyBytes = snapshotMetadataBodyBytes(meta);
  return encodeTopLevel(Kind.SnapshotMetadata, meta, bodyBytes, writeSnapshotMetadata);
}
export function decodeSnapshotMetadata(buf: Uint8Array): SnapshotMetadata {
  return decodeTopLevel(Kind.SnapshotMetadata, buf, undefined, readSnapshotMetadata);
}

export function encodeSnapshot(snap: Snapshot): Uint8Array {
  return encodeTopLevel(Kind.Snapshot, snap, snapshotBodyBytes(snap), writeSnapshot);
}
export function decodeSnapshot(buf: Uint8Array, options?: DecodeOptions): Snapshot {
  return decodeTopLevel(Kind.Snapshot, buf, options, readSnapshot);
}

export function encodeMessage(m: Message): Uint8Array {
  return encodeTopLevel(Kind.Message, m, messageBodyBytes(m), writeMessage);
}
export function decodeMessage(buf: Uint8Array, options?: DecodeOptions): Message {
  return decodeTopLevel(Kind.Message, buf, options, readMessage);
}

/** Batch body: messageCount u32 | Message body * messageCount. */
export function encodeMessageBatch(msgs: readonly Message[]): Uint8Array {
  if (msgs.length > batchMessagesMax) {
    throw unencodableError('MessageBatch count', `<= ${batchMessagesMax}`, `${msgs.length}`);
  }
  let bodyBytes = 4;
  for (const m of msgs) bodyBytes += messageBodyBytes(m);
  return encodeTopLevel(Kind.MessageBatch, msgs, bodyBytes, writeBatch);
}
export function decodeMessageBatch(buf: Uint8Array, options?: DecodeOptions): Message[] {
  return decodeTopLevel(Kind.MessageBatch, buf, options, readBatch);
}

function writeBatch(w: ByteWriter, msgs: readonly Message[]): void {
  w.u32(msgs.length, 'MessageBatch count');
  for (const m of msgs) writeMessage(w, m);
}

function readBatch(r: ByteReader): Message[] {
  const count = r.count('MessageBatch', batchMessagesMax, MESSAGE_FIXED_BYTES);
  const msgs: Message[] = new Array<Message>(count);
  for (let i = 0; i < count; i++) msgs[i] = readMessage(r);
  return msgs;
}

/** Encoded size of an entry inside a message (exact): what raft's flow control budgets. */
export function entryPayloadBytes(e: Entry): number {
  return entryBodyBytes(e);
}

/** Encoded size of a message inside a batch (exact). */
export function messagePayloadBytes(m: Message): number {
  return messageBodyBytes(m);
}

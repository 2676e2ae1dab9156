/**
 * Body layout of a Raft Message. Every field of types.ts's Message travels, in this order:
 *
 *   type u8 | to u64 | from u64 | term u64 | logTerm u64 | index u64 | commit u64
 *   | flags u8 (bit 0 reject, bit 1 snapshot present; other bits must be 0)
 *   | rejectHint u64 | context (u32 length | bytes)
 *   | entryCount u32 | Entry * entryCount
 *   | Snapshot (only when flag bit 1 is set)
 */
import type { ByteReader } from './reader.js';
import type { ByteWriter } from './writer.js';
import { MessageType, type Entry, type Message } from './types.js';
import { contextBytesMax, messageEntriesMax } from './limits.js';
import { invalidError, unencodableError } from './errors.js';
import { ENTRY_FIXED_BYTES, entryBodyBytes, readEntry, writeEntry } from './entry.js';
import { readSnapshot, snapshotBodyBytes, writeSnapshot } from './snapshot.js';

export const MESSAGE_FIXED_BYTES = 1 + 6 * 8 + 1 + 8 + 4 + 4;
export const MESSAGE_TYPE_MAX = MessageType.PreVoteResp;

const FLAG_REJECT = 1 << 0;
const FLAG_SNAPSHOT = 1 << 1;
const FLAGS_KNOWN = FLAG_REJECT | FLAG_SNAPSHOT;

export function messageBodyBytes(m: Message): number {
  let total = MESSAGE_FIXED_BYTES + m.context.length;
  for (const entry of m.entries) total += entryBodyBytes(entry);
  if (m.snapshot !== null) total += snapshotBodyBytes(m.snapshot);
  return total;
}

export function writeMessage(w: ByteWriter, m: Message): void {
  w.enumValue(m.type, 'Message.type', 'MessageType', MESSAGE_TYPE_MAX);
  w.u64(m.to, 'Message.to');
  w.u64(m.from, 'Message.from');
  w.u64(m.term, 'Message.term');
  w.u64(m.logTerm, 'Message.logTerm');
  w.u64(m.index, 'Message.index');
  w.u64(m.commit, 'Message.commit');
  const flags = (m.reject ? FLAG_REJECT : 0) | (m.snapshot !== null ? FLAG_SNAPSHOT : 0);
  w.u8(flags, 'Message.flags');
  w.u64(m.rejectHint, 'Message.rejectHint');
  w.bytesField(m.context, 'Message.context', contextBytesMax);
  if (m.entries.length > messageEntriesMax) {
    const got = `${m.entries.length}`;
    throw unencodableError('Message.entries count', `<= ${messageEntriesMax}`, got);
  }
  w.u32(m.entries.length, 'Message.entries count');
  for (const entry of m.entries) writeEntry(w, entry);
  if (m.snapshot !== null) writeSnapshot(w, m.snapshot);
}

export function readMessage(r: ByteReader): Message {
  const type = r.enumValue('Message.type', 'MessageType', MESSAGE_TYPE_MAX) as MessageType;
  const to = r.u64('Message.to');
  const from = r.u64('Message.from');
  const term = r.u64('Message.term');
  const logTerm = r.u64('Message.logTerm');
  const index = r.u64('Message.index');
  const commit = r.u64('Message.commit');
  const flagsAt = r.position;
  const flags = r.u8('Message.flags');
  if ((flags & ~FLAGS_KNOWN) !== 0) {
    throw invalidError('Message.flags', flagsAt, 'only bits 0..1 set', `0x${flags.toString(16)}`);
  }
  const rejectHint = r.u64('Message.rejectHint');
  const context = r.bytesField('Message.context', contextBytesMax);
  const entryCount = r.count('Message.entries', messageEntriesMax, ENTRY_FIXED_BYTES);
  const entries: Entry[] = new Array<Entry>(entryCount);
  for (let i = 0; i < entryCount; i++) entries[i] = readEntry(r);
  const snapshot = (flags & FLAG_SNAPSHOT) !== 0 ? readSnapshot(r) : null;
  const reject = (flags & FLAG_REJECT) !== 0;
  return {
    type, to, from, term, logTerm, index, entries, commit, snapshot, reject, rejectHint, context,
  };
}

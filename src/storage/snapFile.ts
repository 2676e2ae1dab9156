/**
 * Snapshot files: `<nodeDir>/snap/<term:16 hex>-<index:16 hex>.snap`.
 *
 * Layout, little-endian: `magic "HSNP" u32 | version u32 | crc u32 | reserved u32 |
 * bodyBytes u64 | body`, body = encodeSnapshot(snapshot) (src/codec), crc = CRC-32 of body.
 * Written as `<name>.tmp`, fsynced, renamed, directory fsynced: a snapshot file exists whole
 * or not at all, and only then is its WAL marker written (docs/design.md, persistence order).
 */
import { assert } from '../codec/assert.js';
import { CodecError, decodeSnapshot, encodeSnapshot } from '../codec/index.js';
import type { Snapshot } from '../codec/types.js';
import { crc32, joinPath, readWhole, writeFileDurably, type FileSystem } from '../wal/index.js';
import { StorageCorruptionError } from './errors.js';

const SNAP_MAGIC = 0x504e5348; // "HSNP" as a little-endian u32
const SNAP_VERSION = 1;
const SNAP_HEADER_BYTES = 24;
export const SNAP_SUFFIX = '.snap';
export const SNAP_TMP_SUFFIX = '.snap.tmp';
const namePattern = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

export function snapFileName(term: number, index: number): string {
  const hex = (v: number): string => v.toString(16).padStart(16, '0');
  return `${hex(term)}-${hex(index)}${SNAP_SUFFIX}`;
}

export function parseSnapFileName(name: string): { term: number; index: number } | null {
  const match = namePattern.exec(name);
  if (match === null) return null;
  return { term: Number.parseInt(match[1]!, 16), index: Number.parseInt(match[2]!, 16) };
}

/** Writes the snapshot file durably (tmp, fsync, rename, fsync dir); returns its path. */
export function writeSnapFile(fs: FileSystem, snapDir: string, snapshot: Snapshot): string {
  const body = encodeSnapshot(snapshot);
  const bytes = new Uint8Array(SNAP_HEADER_BYTES + body.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, SNAP_MAGIC, true);
  view.setUint32(4, SNAP_VERSION, true);
  view.setUint32(8, crc32(body, 0), true);
  view.setBigUint64(16, BigInt(body.length), true);
  bytes.set(body, SNAP_HEADER_BYTES);
  const { term, index } = snapshot.metadata;
  const file = joinPath(snapDir, snapFileName(term, index));
  const tmp = `${file}.tmp`;
  if (fs.exists(tmp)) fs.unlink(tmp);
  writeFileDurably(fs, tmp, bytes);
  fs.rename(tmp, file);
  fs.fsyncDir(snapDir);
  return file;
}

/** Reads and validates a snapshot file; throws StorageCorruptionError if it does not. */
export function readSnapFile(fs: FileSystem, file: string): Snapshot {
  const bytes = readWhole(fs, file);
  const fail = (reason: string): never => {
    throw new StorageCorruptionError(file, reason);
  };
  if (bytes.length < SNAP_HEADER_BYTES) fail(
    `file is ${bytes.length} bytes, shorter than its header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (view.getUint32(0, true) !== SNAP_MAGIC) fail('bad magic');
  if (view.getUint32(4, true) !== SNAP_VERSION) fail(
    `unsupported version ${view.getUint32(4, true)}`);
  const bodyBytes = Number(view.getBigUint64(16, true));
  if (bodyBytes !== bytes.length - SNAP_HEADER_BYTES) {
    fail(`body is ${bytes.length - SNAP_HEADER_BYTES} bytes, header says ${bodyBytes}`);
  }
  const body = bytes.subarray(SNAP_HEADER_BYTES);
  const stored = view.getUint32(8, true);
  const computed = crc32(body, 0);
  if (stored !== computed) {
    fail(`CRC mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)})`);
  }
  try {
    const snapshot = decodeSnapshot(body, { copyBytes: false });
    assert(snapshot.metadata.index >= 0, 'snapshot index');
    return snapshot;
  } catch (error) {
    if (error instanceof CodecError) return fail(`body does not decode: ${error.message}`);
    throw error;
  }
}

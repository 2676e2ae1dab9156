/**
 * The WAL record: `length u32 | crc u32 | type u8 | payload`, little-endian.
 *
 * - `length` counts the type byte and the payload (so it is >= 1): a zero length can only be
 *   the zero fill of a preallocated segment, which is how the reader finds the end of data.
 * - `crc` is CRC-32 (package crc-32) over type and payload, seeded with the previous record's
 *   crc. crc-32's seeding makes this the CRC of every record's type+payload since the chain
 *   began, so a record cannot be moved, dropped or replayed without breaking the chain. The
 *   SegmentHeader record is seeded with 0 (each segment validates alone) and carries the last
 *   crc of the previous segment in its payload, which chains the segments (segment.ts).
 *
 * Records are not aligned or padded: the chain, not alignment, tells a torn tail apart.
 */
import CRC32 from 'crc-32';
import { assert } from '../codec/assert.js';

export enum RecordType {
  SegmentHeader = 1,
  HardState = 2,
  Entry = 3,
  SnapshotMarker = 4,
}
const recordTypeMax = RecordType.SnapshotMarker;

/** length u32 + crc u32 + type u8. */
export const RECORD_HEADER_BYTES = 9;
/** Bytes of the length and crc fields, which the crc does not cover. */
const crcCoverageOffset = 8;

export function isRecordType(value: number): value is RecordType {
  return Number.isInteger(value) && value >= 1 && value <= recordTypeMax;
}

/** Total on-disk bytes of a record with `payloadBytes` of payload. */
export function recordBytes(payloadBytes: number): number {
  return RECORD_HEADER_BYTES + payloadBytes;
}

/** CRC-32 of `bytes` seeded with `seed`, as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, seed: number): number {
  return CRC32.buf(bytes, seed | 0) >>> 0;
}

/**
 * Writes one record into `into` at `offset` and returns its crc (the next record's seed).
 * The caller has checked that it fits.
 */
export function writeRecord(
  into: Uint8Array,
  offset: number,
  type: RecordType,
  payload: Uint8Array,
  prevCrc: number,
): number {
  const totalBytes = recordBytes(payload.length);
  assert(offset + totalBytes <= into.length, 'writeRecord: record does not fit the buffer');
  assert(isRecordType(type), `writeRecord: bad record type ${type}`);
  const view = new DataView(into.buffer, into.byteOffset + offset, totalBytes);
  view.setUint32(0, 1 + payload.length, true);
  view.setUint8(crcCoverageOffset, type);
  into.set(payload, offset + RECORD_HEADER_BYTES);
  const crc = crc32(into.subarray(offset + crcCoverageOffset, offset + totalBytes), prevCrc);
  view.setUint32(4, crc, true);
  return crc;
}

export interface ValidRecord {
  kind: 'record';
  type: RecordType;
  /** A view into the scanned buffer. */
  payload: Uint8Array;
  offset: number;
  totalBytes: number;
  crc: number;
}

export interface BadRecord {
  kind: 'bad';
  offset: number;
  reason: string;
  /** The crc field as stored, when the record was long enough to have one. */
  storedCrc: number | null;
  /** The crc computed over the record's claimed extent, when it had one. */
  computedCrc: number | null;
}

export interface ZeroLength {
  kind: 'zero';
  offset: number;
}

export type ReadResult = ValidRecord | BadRecord | ZeroLength;

/**
 * Reads the record at `offset` of `bytes` (which ends at the end of the file), validating it
 * against `prevCrc`. Never reads out of bounds; never throws on bad data.
 */
export function readRecord(
  bytes: Uint8Array,
  offset: number,
  prevCrc: number,
  recordBytesMax: number,
): ReadResult {
  const leftBytes = bytes.length - offset;
  if (leftBytes < 4) {
    return allZero(bytes, offset, bytes.length)
      ? { kind: 'zero', offset }
      : bad(offset, `record header cut short: ${leftBytes} bytes left in the file`, null, null);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, leftBytes);
  const length = view.getUint32(0, true);
  if (length === 0) return { kind: 'zero', offset };
  if (leftBytes < RECORD_HEADER_BYTES) {
    return bad(offset, `record header cut short: ${leftBytes} bytes left in the file`, null, null);
  }
  const storedCrc = view.getUint32(4, true);
  const totalBytes = crcCoverageOffset + length;
  if (totalBytes > recordBytesMax) {
    return bad(
      offset, `record length ${length} above the maximum ${recordBytesMax}`, storedCrc, null);
  }
  if (totalBytes > leftBytes) {
    return bad(
      offset, `record length ${length} runs past the end of the file (${leftBytes} bytes left)`,
      storedCrc, null,
    );
  }
  const computedCrc =
    crc32(bytes.subarray(offset + crcCoverageOffset, offset + totalBytes), prevCrc);
  if (computedCrc !== storedCrc) return bad(offset, 'CRC mismatch', storedCrc, computedCrc);
  const type = view.getUint8(crcCoverageOffset);
  // A valid CRC over an unknown type is not a torn write: the caller reports it as corruption.
  if (!isRecordType(type))
    return bad(offset, `unknown record type ${type}`, storedCrc, computedCrc);
  const payload = bytes.subarray(offset + RECORD_HEADER_BYTES, offset + totalBytes);
  return { kind: 'record', type, payload, offset, totalBytes, crc: computedCrc };
}

/**
 * Whether a record that validates starts anywhere in [fromOffset, bytes.length): the
 * "scan on" of the recovery table. Without the chain seed a lone record cannot be checked, so
 * a record counts as valid when (a) it validates against one of `seeds` (the bad record's
 * stored and computed crc: a flipped bit leaves the next record chained to one of them), or
 * (b) it and the record right after it validate as a chain (seed = the first one's stored
 * crc): two records of garbage chaining by chance has odds of 2^-32. Returns the offset of
 * the first such record, or -1. Zero bytes are skipped fast (a zero length is no record).
 */
export function findValidRecord(
  bytes: Uint8Array,
  fromOffset: number,
  seeds: readonly number[],
  recordBytesMax: number,
): number {
  // A record starts with a non-zero length, so no record starts at or after the last
  // non-zero byte; scanning stops there instead of at the end of a 64 MiB zero fill.
  const scanEnd = Math.min(nonZeroEnd(bytes, fromOffset), bytes.length - RECORD_HEADER_BYTES);
  for (let offset = fromOffset; offset < scanEnd; offset++) {
    if (bytes[offset] === 0 && isZeroLengthAt(bytes, offset)) continue;
    if (!isRecordType(bytes[offset + crcCoverageOffset]!)) continue;
    for (const seed of seeds) {
      if (readRecord(bytes, offset, seed, recordBytesMax).kind === 'record') return offset;
    }
    if (chainsWithNext(bytes, offset, recordBytesMax)) return offset;
  }
  return -1;
}

function chainsWithNext(bytes: Uint8Array, offset: number, recordBytesMax: number): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, RECORD_HEADER_BYTES);
  const length = view.getUint32(0, true);
  const type = view.getUint8(crcCoverageOffset);
  if (length === 0 || !isRecordType(type)) return false;
  const totalBytes = crcCoverageOffset + length;
  if (totalBytes > recordBytesMax || offset + totalBytes >= bytes.length) return false;
  const storedCrc = view.getUint32(4, true);
  return readRecord(bytes, offset + totalBytes, storedCrc, recordBytesMax).kind === 'record';
}

function isZeroLengthAt(bytes: Uint8Array, offset: number): boolean {
  return bytes[offset + 1] === 0 && bytes[offset + 2] === 0 && bytes[offset + 3] === 0;
}

/** Whether bytes[from, to) are all zero. */
export function allZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** One past the last non-zero byte in [from, bytes.length), or `from` if all are zero. */
export function nonZeroEnd(bytes: Uint8Array, from: number): number {
  for (let i = bytes.length - 1; i >= from; i--) if (bytes[i] !== 0) return i + 1;
  return from;
}

function bad(
  offset: number,
  reason: string,
  storedCrc: number | null,
  computedCrc: number | null,
): BadRecord {
  return { kind: 'bad', offset, reason, storedCrc, computedCrc };
}

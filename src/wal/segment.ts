/**
 * A WAL segment: its file name, its header record, and the scan of its bytes.
 *
 * File name `<seq:16 hex>-<firstIndex:16 hex>.wal`: `seq` counts segments from 1 without gaps;
 * `firstIndex` is the index the next entry was expected to have when the segment was created
 * (lastIndex + 1), which lets releaseTo() decide from names alone that a segment holds only
 * entries below a snapshot.
 *
 * Header record (type SegmentHeader, crc seeded with 0), payload 28 bytes, little-endian:
 *   magic "HWAL" | version u32 | seq u64 | firstIndex u64 | prevCrc u32
 * `prevCrc` is the crc of the last record of segment seq-1 (0 for a brand new WAL); the first
 * record after the header is seeded with the header's crc.
 */
import { assert } from '../codec/assert.js';
import {
  RECORD_HEADER_BYTES, RecordType, findValidRecord, nonZeroEnd, readRecord, recordBytes,
  writeRecord, type BadRecord, type ValidRecord,
} from './record.js';

export const SEGMENT_MAGIC = 0x4c415748; // "HWAL" read as a little-endian u32
export const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_PAYLOAD_BYTES = 28;
export const SEGMENT_HEADER_BYTES = recordBytes(SEGMENT_HEADER_PAYLOAD_BYTES);
export const SEGMENT_SUFFIX = '.wal';
/** Suffix of a segment being created; renamed into place once its header is durable. */
export const SEGMENT_TMP_SUFFIX = '.wal.tmp';

export interface SegmentHeader {
  seq: number;
  firstIndex: number;
  prevCrc: number;
}

const namePattern = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

function hex16(value: number): string {
  assert(Number.isSafeInteger(value) && value >= 0, `segment name field ${value} out of range`);
  return value.toString(16).padStart(16, '0');
}

export function segmentName(seq: number, firstIndex: number): string {
  return `${hex16(seq)}-${hex16(firstIndex)}${SEGMENT_SUFFIX}`;
}

/** `{seq, firstIndex}` of a segment file name, or null if the name is not a segment's. */
export function parseSegmentName(name: string): { seq: number; firstIndex: number } | null {
  const match = namePattern.exec(name);
  if (match === null) return null;
  const seq = Number.parseInt(match[1]!, 16);
  const firstIndex = Number.parseInt(match[2]!, 16);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(firstIndex)) return null;
  return { seq, firstIndex };
}

export function encodeSegmentHeader(header: SegmentHeader): Uint8Array {
  const payload = new Uint8Array(SEGMENT_HEADER_PAYLOAD_BYTES);
  const view = new DataView(payload.buffer);
  view.setUint32(0, SEGMENT_MAGIC, true);
  view.setUint32(4, SEGMENT_VERSION, true);
  view.setBigUint64(8, BigInt(header.seq), true);
  view.setBigUint64(16, BigInt(header.firstIndex), true);
  view.setUint32(24, header.prevCrc >>> 0, true);
  return payload;
}

/** The header's fields, or a reason it is not a header this code can read. */
export function decodeSegmentHeader(payload: Uint8Array): SegmentHeader | string {
  if (payload.length !== SEGMENT_HEADER_PAYLOAD_BYTES) {
    return `segment header payload is ${payload.length} bytes, expected ` +
      `${SEGMENT_HEADER_PAYLOAD_BYTES}`;
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  const magic = view.getUint32(0, true);
  if (magic !== SEGMENT_MAGIC) return `bad segment magic 0x${magic.toString(16)}`;
  const version = view.getUint32(4, true);
  if (version !== SEGMENT_VERSION) {
    return `unsupported segment version ${version} (this build reads ${SEGMENT_VERSION})`;
  }
  const seq = Number(view.getBigUint64(8, true));
  const firstIndex = Number(view.getBigUint64(16, true));
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(firstIndex)) {
    return 'segment header seq or firstIndex above 2^53';
  }
  return { seq, firstIndex, prevCrc: view.getUint32(24, true) };
}

/** Writes the header record at the start of `into`; returns its crc. */
export function writeSegmentHeader(into: Uint8Array, header: SegmentHeader): number {
  return writeRecord(into, 0, RecordType.SegmentHeader, encodeSegmentHeader(header), 0);
}

/** What scanning one segment's bytes found. */
export interface SegmentScan {
  /** Null when the header record is missing or bad (`problem` says why). */
  header: SegmentHeader | null;
  /** Valid records after the header, in order. Payloads are views into the scanned bytes. */
  records: ValidRecord[];
  /** Offset just past the last valid record (where the next record would go). */
  endOffset: number;
  /** crc of the last valid record (the header's if there are none). */
  lastCrc: number;
  /** The first problem, or null if the records end cleanly in zeros or at end of file. */
  problem: SegmentProblem | null;
}

export interface SegmentProblem {
  kind: 'header' | 'record';
  offset: number;
  reason: string;
  storedCrc: number | null;
  computedCrc: number | null;
  /** Offset of a valid record after the bad one (scan on), or -1 if none follows. */
  validRecordOffset: number;
  /** One past the last non-zero byte at or after `offset`: what a repair would drop. */
  dirtyEndOffset: number;
}

/**
 * Scans a whole segment. Never throws on bad bytes: every outcome is in the result, and the
 * recovery table (recovery.ts) decides what it means. A loop, not recursion.
 */
export function scanSegment(bytes: Uint8Array, recordBytesMax: number): SegmentScan {
  const first = readRecord(bytes, 0, 0, Math.max(recordBytesMax, SEGMENT_HEADER_BYTES));
  if (first.kind !== 'record' || first.type !== RecordType.SegmentHeader) {
    const reason = first.kind === 'bad' ? first.reason
      : first.kind === 'zero' ? 'segment header missing (zero length)'
      : `first record is type ${RecordType[first.type]}, not SegmentHeader`;
    return headerProblem(bytes, reason, first.kind === 'bad' ? first : null);
  }
  const header = decodeSegmentHeader(first.payload);
  if (typeof header === 'string') return headerProblem(bytes, header, null);
  const records: ValidRecord[] = [];
  let offset = first.totalBytes;
  let lastCrc = first.crc;
  for (;;) {
    const result = readRecord(bytes, offset, lastCrc, recordBytesMax);
    if (result.kind === 'record') {
      if (result.type === RecordType.SegmentHeader) {
        const problem = recordProblem(bytes, badHeaderInside(result), recordBytesMax);
        return { header, records, endOffset: offset, lastCrc, problem };
      }
      records.push(result);
      offset += result.totalBytes;
      lastCrc = result.crc;
      continue;
    }
    if (result.kind === 'zero' && nonZeroEnd(bytes, offset) === offset) {
      return { header, records, endOffset: offset, lastCrc, problem: null };
    }
    const badRecord: BadRecord = result.kind === 'bad' ? result : {
      kind: 'bad', offset, reason: 'zero length followed by non-zero bytes',
      storedCrc: null, computedCrc: null,
    };
    const problem = recordProblem(bytes, badRecord, recordBytesMax);
    return { header, records, endOffset: offset, lastCrc, problem };
  }
}

function badHeaderInside(record: ValidRecord): BadRecord {
  return {
    kind: 'bad', offset: record.offset, reason: 'SegmentHeader record inside a segment',
    storedCrc: record.crc, computedCrc: record.crc,
  };
}

function recordProblem(
  bytes: Uint8Array,
  bad: BadRecord,
  recordBytesMax: number,
): SegmentProblem {
  const seeds: number[] = [];
  if (bad.storedCrc !== null) seeds.push(bad.storedCrc);
  if (bad.computedCrc !== null && bad.computedCrc !== bad.storedCrc) seeds.push(bad.computedCrc);
  return {
    kind: 'record',
    offset: bad.offset,
    reason: bad.reason,
    storedCrc: bad.storedCrc,
    computedCrc: bad.computedCrc,
    validRecordOffset: findValidRecord(bytes, bad.offset + 1, seeds, recordBytesMax),
    dirtyEndOffset: nonZeroEnd(bytes, bad.offset),
  };
}

function headerProblem(bytes: Uint8Array, reason: string, bad: BadRecord | null): SegmentScan {
  return {
    header: null,
    records: [],
    endOffset: 0,
    lastCrc: 0,
    problem: {
      kind: 'header',
      offset: 0,
      reason,
      storedCrc: bad?.storedCrc ?? null,
      computedCrc: bad?.computedCrc ?? null,
      validRecordOffset: -1,
      dirtyEndOffset: nonZeroEnd(bytes, 0),
    },
  };
}

assert(SEGMENT_HEADER_BYTES === RECORD_HEADER_BYTES + SEGMENT_HEADER_PAYLOAD_BYTES, 'header size');

/**
 * Recovery on a real disk, row by row of the decision table (src/wal/recovery.ts,
 * docs/wal.md), plus the exhaustive cases the issue asks for:
 * - cutting the last segment at EVERY byte offset reopens to exactly the longest valid prefix
 *   (entries and HardState), with the torn tail reported and truncated;
 * - flipping one bit in each record in turn is corruption naming that file and offset, except
 *   in the last record, where nothing valid follows, which the table calls a torn tail;
 * - zeroing a region that has valid records after it is corruption, never a truncation.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  closeSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { encodeEntry, encodeHardState } from '../../src/codec/index.js';
import type { Entry, HardState } from '../../src/codec/types.js';
import {
  RECOVERY_TABLE, RecordType, RecoveryRow, SEGMENT_HEADER_BYTES, Wal, WalCorruptionError,
  analyzeWal, crc32, segmentName,
} from '../../src/wal/index.js';
import { writeRecord } from '../../src/wal/record.js';
import { entries, entry, hardState, indexes, nodeFs, smallSegments, tempDir,
  writeWal } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
});
afterEach(() => cleanup());

const oneSegment = { segmentSizeBytesMax: 8192, recordBytesMax: 4096 };

/** What the writer put on disk, record by record: end offset and the state after it. */
interface ModelRecord {
  offset: number;
  end: number;
  entries: number[];
  hardState: HardState;
}

/** Writes ~40 records in batches into one segment and returns the model of every record. */
function writeModel(): { file: string; bytes: Uint8Array; model: ModelRecord[] } {
  const batches: Array<{ hs: HardState | null; ents: Entry[] }> = [];
  for (let i = 1; i <= 30; i += 3) batches.push({ hs: hardState(1, i), ents: entries(i, i + 2) });
  batches.push({ hs: null, ents: [entry(31)] });
  writeWal(nodeFs, dir, batches, oneSegment);
  const model: ModelRecord[] = [];
  let offset = SEGMENT_HEADER_BYTES;
  let state: HardState = { term: 0, vote: 0, commit: 0 };
  let ents: number[] = [];
  const push = (payload: Uint8Array): void => {
    const end = offset + 9 + payload.length;
    model.push({ offset, end, entries: ents.slice(), hardState: state });
    offset = end;
  };
  push(encodeHardState(state)); // the segment prefix
  for (const b of batches) {
    for (const e of b.ents) {
      ents = [...ents, e.index];
      push(encodeEntry(e));
    }
    if (b.hs !== null) {
      state = b.hs;
      push(encodeHardState(state));
    }
  }
  const file = join(dir, segmentName(1, 1));
  return { file, bytes: new Uint8Array(readFileSync(file)), model };
}

function expectCorrupt(row: RecoveryRow, file: string, offset: number): WalCorruptionError {
  let caught: unknown = null;
  try {
    Wal.open(nodeFs, dir, oneSegment).wal.close();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(WalCorruptionError);
  const error = caught as WalCorruptionError;
  expect({ row: error.row, file: error.file, offset: error.offset }).toEqual({ row, file, offset });
  expect(error.message).toContain(`${file} offset ${offset}:`);
  expect(error.message).toContain(`Run 'harmonydb wal inspect ${dir}'`);
  expect(error.message).toContain(`'harmonydb wal repair --force ${dir}'`);
  return error;
}

/** Appends a raw record with a valid chained CRC at the end of the last segment. */
function appendRaw(file: string, type: RecordType, payload: Uint8Array): void {
  const analysis = analyzeWal(nodeFs, dir, { recordBytesMax: 8192 });
  const last = analysis.segments[analysis.segments.length - 1]!;
  const bytes = new Uint8Array(readFileSync(file));
  writeRecord(bytes, last.endOffset, type, payload, last.lastCrc);
  writeFileSync(file, bytes);
}

describe('recovery decision table', () => {
  test('every row of the table has an outcome', () => {
    expect(Object.keys(RECOVERY_TABLE).sort()).toEqual(Object.values(RecoveryRow).sort());
  });

  test(`row ${RecoveryRow.Clean}: clean WAL reopens with everything`, () => {
    const { model } = writeModel();
    const { wal, recovered } = Wal.open(nodeFs, dir, oneSegment);
    expect(recovered.report).toMatchObject({ outcome: 'clean', truncated: null });
    expect(indexes(recovered.entries)).toEqual(model[model.length - 1]!.entries);
    wal.close();
  });

  /**
   * Reopens and checks the state is exactly the model's prefix of intact records: those that
   * end by `cut`, or whose bytes from `cut` on were zeros anyway (a HardState ends in zeros).
   */
  function expectPrefix(
    model: ModelRecord[], bytes: Uint8Array, file: string, cut: number, zeroFilled: boolean,
  ): void {
    const { wal, recovered } = Wal.open(nodeFs, dir, oneSegment);
    const intact = (r: ModelRecord): boolean =>
      r.end <= cut || (zeroFilled && allZero(bytes, cut, r.end));
    const kept = model.filter(intact);
    const last = kept[kept.length - 1];
    const want = { entries: last?.entries ?? [], hardState: last?.hardState ?? hardState(0, 0, 0) };
    const got = { entries: indexes(recovered.entries), hardState: recovered.hardState };
    if (JSON.stringify(got) !== JSON.stringify(want)) expect({ cut, ...got }).toEqual(
      { cut, ...want });
    const torn = model.some((r) => r.offset < cut && !intact(r) && !allZero(bytes, r.offset, cut));
    expect(recovered.report.outcome).toBe(torn ? 'torn-tail-truncated' : 'clean');
    if (torn) expect(recovered.report.truncated).toMatchObject(
      { file, offset: last?.end ?? SEGMENT_HEADER_BYTES });
    wal.close();
  }

  test(`row ${RecoveryRow.TornTail}: data lost after EVERY byte offset of the last segment`, () => {
    // The preallocated file keeps its size; everything from `cut` on reads as zeros, which is
    // what a crash leaves when the unsynced pages of a preallocated segment are lost.
    const { file, bytes, model } = writeModel();
    const fullEnd = model[model.length - 1]!.end;
    expect(fullEnd).toBeGreaterThan(1500);
    const fd = openSync(file, 'r+');
    try {
      for (let cut = SEGMENT_HEADER_BYTES; cut <= fullEnd; cut++) {
        writeSync(fd, bytes, 0, fullEnd, 0);
        writeSync(fd, new Uint8Array(fullEnd - cut), 0, fullEnd - cut, cut);
        expectPrefix(model, bytes, file, cut, true);
      }
    } finally {
      closeSync(fd);
    }
  });

  test(`row ${RecoveryRow.TornTail}: the file itself cut short (every record boundary, +-1, ` +
    `every 5th byte)`, () => {
    const { file, bytes, model } = writeModel();
    const fullEnd = model[model.length - 1]!.end;
    const cuts = new Set<number>();
    for (const r of model) for (const d of [-1, 0, 1]) cuts.add(r.end + d);
    for (let cut = SEGMENT_HEADER_BYTES; cut <= fullEnd; cut += 5) cuts.add(cut);
    for (const cut of [...cuts].filter((c) => c >= SEGMENT_HEADER_BYTES && c <= fullEnd)) {
      writeFileSync(file, bytes.subarray(0, cut));
      expectPrefix(model, bytes, file, cut, false);
      expect(statSync(file).size).toBe(oneSegment.segmentSizeBytesMax); // zero fill restored
    }
  });

  test('cut inside the segment header is corruption (headers are written whole, via ' +
    'rename)', () => {
    const { file, bytes } = writeModel();
    for (let cut = 0; cut < SEGMENT_HEADER_BYTES; cut++) {
      writeFileSync(file, bytes.subarray(0, cut));
      expectCorrupt(RecoveryRow.BadSegmentHeader, file, 0);
    }
  });

  test(`rows ${RecoveryRow.BadRecordBeforeValid} / ${RecoveryRow.TornTail}: one bit flipped in ` +
    `each record in turn`, () => {
    const { file, bytes, model } = writeModel();
    const fields = [0, 1, 4, 6, 8, 9, 12]; // length, crc, type, payload
    for (let i = 0; i < model.length; i++) {
      const record = model[i]!;
      const flipped = bytes.slice();
      const at =
        record.offset + Math.min(fields[i % fields.length]!, record.end - record.offset - 1);
      flipped[at]! ^= 1 << (i % 8);
      writeFileSync(file, flipped);
      if (i < model.length - 1) {
        expectCorrupt(RecoveryRow.BadRecordBeforeValid, file, record.offset);
        continue;
      }
      const { wal, recovered } = Wal.open(nodeFs, dir, oneSegment);
      expect(recovered.report.outcome).toBe('torn-tail-truncated');
      expect(recovered.report.truncated?.offset).toBe(record.offset);
      expect(indexes(recovered.entries)).toEqual(model[i - 1]!.entries);
      wal.close();
    }
  });

  test(`row ${RecoveryRow.BadSegmentHeader}: a bit flip in the segment header`, () => {
    const { file, bytes } = writeModel();
    for (const at of [0, 5, 8, 12, 30]) {
      const flipped = bytes.slice();
      flipped[at]! ^= 0x10;
      writeFileSync(file, flipped);
      const error = expectCorrupt(RecoveryRow.BadSegmentHeader, file, 0);
      expect(error.message).toMatch(/^WAL corrupt: /);
    }
  });

  test(`row ${RecoveryRow.BadRecordBeforeValid}: a zeroed region with valid records after ` +
    `it`, () => {
    const { file, bytes, model } = writeModel();
    for (const [from, to] of [[5, 8], [10, 11], [3, 20]] as const) {
      const zeroed = bytes.slice();
      zeroed.fill(0, model[from]!.offset, model[to]!.offset);
      writeFileSync(file, zeroed);
      const error = expectCorrupt(RecoveryRow.BadRecordBeforeValid, file, model[from]!.offset);
      expect(error.reason).toMatch(
        /zero length followed by non-zero bytes \(a valid record follows at offset \d+\)/);
    }
  });

  test(`row ${RecoveryRow.TornTail}: zeros then garbage with nothing valid after is a torn ` +
    `tail`, () => {
    const { file, bytes, model } = writeModel();
    const end = model[model.length - 1]!.end;
    const torn = bytes.slice();
    torn.fill(0, model[model.length - 3]!.offset, end);
    for (let i = end; i < end + 40; i++) torn[i] = (i * 37) & 0xff;
    writeFileSync(file, torn);
    const { wal, recovered } = Wal.open(nodeFs, dir, oneSegment);
    expect(recovered.report.truncated).toEqual({
      file, offset: model[model.length - 3]!.offset,
        droppedBytes: end + 40 - model[model.length - 3]!.offset,
    });
    wal.close();
    // The garbage was zeroed: a second open is clean.
    const again = Wal.open(nodeFs, dir, oneSegment);
    expect(again.recovered.report.outcome).toBe('clean');
    again.wal.close();
  });

  describe('several segments', () => {
    function writeSegments(): string[] {
      const batches = [];
      for (let i = 1; i <= 400; i += 10) batches.push(
        { hs: hardState(1, i), ents: entries(i, i + 9, 1, 100) });
      writeWal(nodeFs, dir, batches, smallSegments);
      const names = readdirSync(dir).sort();
      expect(names.length).toBeGreaterThanOrEqual(3);
      return names.map((n) => join(dir, n));
    }
    const open = (): void => Wal.open(nodeFs, dir, smallSegments).wal.close();
    function corruptionOf(): WalCorruptionError {
      try {
        open();
      } catch (error) {
        if (error instanceof WalCorruptionError) return error;
        throw error;
      }
      throw new Error('expected WalCorruptionError');
    }

    test(`row ${RecoveryRow.BadRecordInEarlierSegment}: a bad LAST record of an earlier ` +
      `segment`, () => {
      const files = writeSegments();
      const analysis = analyzeWal(nodeFs, dir, { recordBytesMax: 1 << 20 });
      const first = analysis.segments[0]!;
      const bytes = new Uint8Array(readFileSync(files[0]!));
      bytes[first.endOffset - 3]! ^= 1; // inside the last record's payload
      writeFileSync(files[0]!, bytes);
      const error = corruptionOf();
      expect(error.row).toBe(RecoveryRow.BadRecordInEarlierSegment);
      expect(error.file).toBe(files[0]);
      expect(error.storedCrc).not.toBe(error.computedCrc);
      expect(error.message).toMatch(
        /CRC mismatch \(stored CRC 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)/);
    });

    test(`row ${RecoveryRow.BadRecordInEarlierSegment}: garbage after the data of an earlier ` +
      `segment`, () => {
      const files = writeSegments();
      const bytes = new Uint8Array(readFileSync(files[0]!));
      bytes[bytes.length - 10] = 7;
      writeFileSync(files[0]!, bytes);
      expect(corruptionOf().row).toBe(RecoveryRow.BadRecordInEarlierSegment);
    });

    test(`row ${RecoveryRow.SegmentNameMismatch}: file renamed to another firstIndex`, () => {
      const files = writeSegments();
      const renamed = files[1]!.replace(/-[0-9a-f]{16}\.wal$/, '-00000000000000ff.wal');
      renameSync(files[1]!, renamed);
      const error = corruptionOf();
      expect(error.row).toBe(RecoveryRow.SegmentNameMismatch);
      expect(error.file).toBe(renamed);
      expect(error.reason).toMatch(/file name says seq 2 firstIndex 255/);
    });

    test(`row ${RecoveryRow.MissingSegment}: a segment deleted from the middle`, () => {
      const files = writeSegments();
      unlinkSync(files[1]!);
      const error = corruptionOf();
      expect(error.row).toBe(RecoveryRow.MissingSegment);
      expect(error.file).toBe(files[2]);
      expect(error.reason).toBe('segment seq 3 follows seq 1: 1 segment(s) missing');
    });

    test(`row ${RecoveryRow.BrokenChain}: records missing at the end of an earlier segment`, () => {
      const files = writeSegments();
      const analysis = analyzeWal(nodeFs, dir, { recordBytesMax: 1 << 20 });
      const bytes = new Uint8Array(readFileSync(files[0]!));
      // Zero the last record whole: segment 1 now ends cleanly, one record early.
      const records = analysis.segments[0]!;
      const lastStart = findLastRecordStart(bytes, records.endOffset);
      bytes.fill(0, lastStart, records.endOffset);
      writeFileSync(files[0]!, bytes);
      const error = corruptionOf();
      expect(error.row).toBe(RecoveryRow.BrokenChain);
      expect(error.file).toBe(files[1]);
    });

    test(`row ${RecoveryRow.BadSegmentHeader}: bad header of a middle segment`, () => {
      const files = writeSegments();
      const bytes = new Uint8Array(readFileSync(files[1]!));
      bytes[14]! ^= 4;
      writeFileSync(files[1]!, bytes);
      const error = corruptionOf();
      expect(error.row).toBe(RecoveryRow.BadSegmentHeader);
      expect(error.file).toBe(files[1]);
      expect(error.offset).toBe(0);
    });
  });

  test(`row ${RecoveryRow.UndecodablePayload}: a valid CRC over a payload that does not ` +
    `decode`, () => {
    writeWal(nodeFs, dir, [{ hs: hardState(1, 1), ents: entries(1, 3) }], oneSegment);
    const file = join(dir, segmentName(1, 1));
    const endOffset = analyzeWal(nodeFs, dir, { recordBytesMax: 8192 }).segments[0]!.endOffset;
    appendRaw(file, RecordType.Entry, new Uint8Array([1, 2, 3]));
    const error = expectCorrupt(RecoveryRow.UndecodablePayload, file, endOffset);
    expect(error.reason).toMatch(/^record with a valid CRC does not decode: codec: /);
  });

  test(`row ${RecoveryRow.MissingEntries}: entries that resume after a gap with no ` +
    `snapshot`, () => {
    writeWal(nodeFs, dir, [{ hs: hardState(1, 1), ents: entries(1, 3) }], oneSegment);
    const file = join(dir, segmentName(1, 1));
    const endOffset = analyzeWal(nodeFs, dir, { recordBytesMax: 8192 }).segments[0]!.endOffset;
    appendRaw(file, RecordType.Entry, encodeEntry(entry(10)));
    const error = expectCorrupt(RecoveryRow.MissingEntries, file, endOffset);
    expect(error.reason).toBe('entries 1..9 are missing (log resumes at 10)');
  });

  test('crc32 chaining: seeding with the previous crc equals the crc of the concatenation', () => {
    const a = new Uint8Array([1, 2, 3]);
    const b = new Uint8Array([4, 5]);
    expect(crc32(b, crc32(a, 0))).toBe(crc32(new Uint8Array([1, 2, 3, 4, 5]), 0));
  });
});

/** Walks records from the header to find where the last one before `endOffset` starts. */
function findLastRecordStart(bytes: Uint8Array, endOffset: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  let offset = 0;
  let last = 0;
  while (offset < endOffset) {
    last = offset;
    offset += 8 + view.getUint32(offset, true);
  }
  return last;
}

function allZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * The WAL's normal life on a real disk: what is saved comes back on reopen (entries, the latest
 * HardState, the latest snapshot marker), one save is one fdatasync (group commit), segments
 * rotate at the size limit with the documented names and chain across, conflict truncation
 * ("a later entry at index i replaces i.. onward") survives reopen, releaseTo deletes exactly
 * the segments wholly below the snapshot and every index above it stays readable, a segment
 * starts at its preallocation size and doubles as records need more (never past the rotation
 * size, also across reopen), and bad options and oversized records are typed errors.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  Wal, WalOptionsError, WalRecordTooLargeError, parseSegmentName,
} from '../../src/wal/index.js';
import { entries, entry, hardState, indexes, nodeFs, smallSegments, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  dir = join(dir, 'node-1', 'wal');
});
afterEach(() => cleanup());

describe('Wal', () => {
  test('empty directory: creates the first segment, recovers nothing', () => {
    const { wal, recovered } = Wal.open(nodeFs, dir, smallSegments);
    expect(recovered.entries).toEqual([]);
    expect(recovered.hardState).toEqual({ term: 0, vote: 0, commit: 0 });
    expect(recovered.snapshot).toBeNull();
    expect(recovered.report.outcome).toBe('clean');
    expect(readdirSync(dir)).toEqual(['0000000000000001-0000000000000001.wal']);
    expect(wal.segmentCount).toBe(1);
    wal.close();
  });

  test('save and reopen returns entries and the latest HardState; one sync per save', () => {
    const { wal } = Wal.open(nodeFs, dir, smallSegments);
    const syncsBefore = wal.syncCount;
    wal.save(hardState(1, 0), entries(1, 10));
    wal.save(hardState(2, 5), entries(11, 12, 2));
    wal.save(null, [entry(13, 2)]);
    expect(wal.syncCount - syncsBefore).toBe(3);
    wal.save(null, []);
    expect(wal.syncCount - syncsBefore).toBe(3);
    wal.close();
    const { wal: again, recovered } = Wal.open(nodeFs, dir, smallSegments);
    expect(indexes(recovered.entries)).toEqual(indexes(entries(1, 13)));
    expect(recovered.entries[12]).toEqual(entry(13, 2));
    expect(recovered.hardState).toEqual(hardState(2, 5));
    expect(again.lastIndex).toBe(13);
    again.close();
  });

  test('conflict truncation: a later entry at index i replaces i.. onward, across reopen', () => {
    const { wal } = Wal.open(nodeFs, dir, smallSegments);
    wal.save(hardState(1, 2), entries(1, 10, 1));
    wal.save(hardState(2, 2), entries(6, 7, 2));
    expect(wal.lastIndex).toBe(7);
    wal.close();
    const { wal: again, recovered } = Wal.open(nodeFs, dir, smallSegments);
    expect(indexes(recovered.entries)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(recovered.entries.map((e) => e.term)).toEqual([1, 1, 1, 1, 1, 2, 2]);
    again.save(null, entries(8, 9, 2));
    again.close();
    const { recovered: third } = Wal.open(nodeFs, dir, smallSegments);
    expect(indexes(third.entries)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('rotation: segments named <seq>-<firstIndex>, every entry readable after reopen', () => {
    const { wal } = Wal.open(nodeFs, dir, smallSegments);
    for (let i = 1; i <= 400; i += 10) wal.save(hardState(1, i), entries(i, i + 9, 1, 100));
    expect(wal.segmentCount).toBeGreaterThan(3);
    wal.close();
    const names = readdirSync(dir).sort();
    const parsed = names.map((n) => parseSegmentName(n)!);
    expect(parsed.map((p) => p.seq)).toEqual(names.map((_, i) => i + 1));
    for (let i = 1; i < parsed.length; i++) {
      expect(parsed[i]!.firstIndex).toBeGreaterThan(parsed[i - 1]!.firstIndex);
    }
    const { wal: again, recovered } = Wal.open(nodeFs, dir, smallSegments);
    expect(indexes(recovered.entries)).toEqual(indexes(entries(1, 400)));
    expect(recovered.hardState).toEqual(hardState(1, 391));
    expect(again.segmentCount).toBe(names.length);
    again.close();
  });

  test('a batch larger than a segment spans segments and survives reopen', () => {
    const { wal } = Wal.open(nodeFs, dir, smallSegments);
    wal.save(hardState(3, 1), entries(1, 500, 3, 100));
    expect(wal.segmentCount).toBeGreaterThan(3);
    wal.close();
    const { recovered } = Wal.open(nodeFs, dir, smallSegments);
    expect(indexes(recovered.entries)).toEqual(indexes(entries(1, 500)));
    expect(recovered.hardState).toEqual(hardState(3, 1));
  });

  test('releaseTo deletes only segments wholly below the snapshot; the rest stays readable', () => {
    const { wal } = Wal.open(nodeFs, dir, smallSegments);
    for (let i = 1; i <= 300; i += 10) wal.save(hardState(1, i + 9), entries(i, i + 9, 1, 100));
    const before = wal.segmentFiles();
    wal.saveSnapshot({ index: 150, term: 1, confState: { voters: [1, 2, 3], learners: [] } });
    expect(() => wal.releaseTo(151)).toThrow(/above the snapshot index 150/);
    const removed = wal.releaseTo(150);
    expect(removed).toBeGreaterThan(0);
    const after = wal.segmentFiles();
    expect(after).toEqual(before.slice(removed));
    // The first kept segment may hold entries <= 150, but none above it was removed.
    const firstKept = parseSegmentName(after[0]!.split('/').pop()!)!;
    expect(firstKept.firstIndex).toBeLessThanOrEqual(151);
    const nextRemovedWouldBe = parseSegmentName(after[1]!.split('/').pop()!)!;
    expect(nextRemovedWouldBe.firstIndex).toBeGreaterThan(151);
    wal.save(hardState(1, 300), entries(301, 305));
    wal.close();
    const { recovered } = Wal.open(nodeFs, dir, smallSegments);
    expect(recovered.snapshot).toEqual(
      { index: 150, term: 1, confState: { voters: [1, 2, 3], learners: [] } });
    expect(indexes(recovered.entries)).toEqual(indexes(entries(151, 305)));
    expect(recovered.hardState).toEqual(hardState(1, 300));
  });

  test('release after rotation right after a snapshot keeps the marker (repeated in the new ' +
    'segment)', () => {
    const { wal } = Wal.open(nodeFs, dir, smallSegments);
    for (let i = 1; i <= 200; i += 10) wal.save(hardState(1, i + 9), entries(i, i + 9, 1, 100));
    wal.saveSnapshot({ index: 200, term: 1, confState: { voters: [1], learners: [] } });
    for (let i = 201; i <= 400; i += 10) wal.save(hardState(1, i + 9), entries(i, i + 9, 1, 100));
    wal.saveSnapshot({ index: 400, term: 1, confState: { voters: [1], learners: [] } });
    wal.releaseTo(400);
    expect(wal.segmentCount).toBe(1);
    wal.close();
    const { recovered } = Wal.open(nodeFs, dir, smallSegments);
    expect(recovered.snapshot?.index).toBe(400);
    expect(recovered.entries).toEqual([]);
    expect(recovered.hardState).toEqual(hardState(1, 400));
  });

  test('a snapshot beyond the log (installed from a leader) restarts the log after it', () => {
    const { wal } = Wal.open(nodeFs, dir, smallSegments);
    wal.save(hardState(1, 3), entries(1, 5));
    wal.saveSnapshot({ index: 1000, term: 4, confState: { voters: [1, 2], learners: [3] } });
    wal.save(hardState(4, 1000), entries(1001, 1003, 4));
    wal.close();
    const { recovered } = Wal.open(nodeFs, dir, smallSegments);
    expect(recovered.snapshot?.index).toBe(1000);
    expect(indexes(recovered.entries)).toEqual([1001, 1002, 1003]);
  });

  test('a snapshot that replaces the log drops the entries above it too (also at replay)', () => {
    const { wal } = Wal.open(nodeFs, dir, smallSegments);
    wal.save(hardState(1, 3), entries(1, 20, 1));
    const meta = { index: 10, term: 5, confState: { voters: [1], learners: [] } };
    wal.saveSnapshot(meta, { replacesLog: true });
    expect(wal.lastIndex).toBe(10);
    wal.close();
    const { wal: again, recovered } = Wal.open(nodeFs, dir, smallSegments);
    expect(recovered.entries).toEqual([]);
    again.save(null, entries(11, 12, 5));
    again.saveSnapshot({ ...meta, index: 11 }); // own snapshot: entries above stay
    again.close();
    const third = Wal.open(nodeFs, dir, smallSegments);
    expect(indexes(third.recovered.entries)).toEqual([12]);
    expect(third.recovered.entries[0]!.term).toBe(5);
    third.wal.close();
  });

  test('a record above recordBytesMax is a typed error and writes nothing', () => {
    const { wal } = Wal.open(nodeFs, dir, smallSegments);
    wal.save(null, entries(1, 2));
    const sizeBefore = wal.sizeBytes;
    expect(() => wal.save(null, [entry(3, 1, 5000)])).toThrow(WalRecordTooLargeError);
    expect(() => wal.save(null, [entry(3, 1, 5000)])).toThrow(
      /WAL record of 5032 bytes exceeds recordBytesMax 4096; nothing of the batch was written/,
    );
    expect(wal.sizeBytes).toBe(sizeBefore);
    wal.save(null, [entry(3)]);
    wal.close();
    expect(indexes(Wal.open(nodeFs, dir, smallSegments).recovered.entries)).toEqual([1, 2, 3]);
  });

  test.each([
    [{ segmentSizeBytesMax: 10_000 }, /segmentSizeBytesMax must be a multiple of 4096.*got 10000/],
    [{ segmentSizeBytesMax: 4096 }, /at least 8192, got 4096/],
    [{ segmentSizeBytesMax: 8192, recordBytesMax: 8192 }, /recordBytesMax must be .*got 8192/],
    [{ segmentPreallocateBytes: 5000 },
      /segmentPreallocateBytes must be a multiple of 4096.*got 5000/],
    [{ segmentSizeBytesMax: 8192, segmentPreallocateBytes: 16_384 },
      /segmentPreallocateBytes .* to segmentSizeBytesMax \(8192\), got 16384/],
  ])('options %j are rejected', (options, message) => {
    expect(() => Wal.open(nodeFs, dir, options)).toThrow(WalOptionsError);
    expect(() => Wal.open(nodeFs, dir, options)).toThrow(message);
  });

  test('a segment starts at segmentPreallocateBytes and doubles, up to the rotation size', () => {
    const options =
      { segmentSizeBytesMax: 8 * 4096, segmentPreallocateBytes: 4096, recordBytesMax: 4096 };
    const { wal } = Wal.open(nodeFs, dir, options);
    const first = wal.segmentFiles()[0]!;
    expect(statSync(first).size).toBe(4096);
    // ~1 KiB entries: the first segment grows 4 -> 8 -> 16 -> 32 KiB, then the log rotates.
    const sizes: number[] = [];
    for (let i = 1; i <= 40; i++) {
      wal.save(hardState(1, i - 1), [entry(i, 1, 1000)]);
      sizes.push(statSync(first).size);
    }
    expect([...new Set(sizes)]).toEqual([4096, 8192, 16_384, 32_768]);
    expect(wal.segmentCount).toBeGreaterThan(1);
    const last = wal.segmentFiles()[wal.segmentCount - 1]!;
    expect(statSync(last).size).toBeLessThanOrEqual(options.segmentSizeBytesMax);
    wal.close();
    // Reopen: the zero fill is kept as it is, and the grown segments read back whole.
    const again = Wal.open(nodeFs, dir, options);
    expect(indexes(again.recovered.entries)).toEqual(indexes(entries(1, 40)));
    again.wal.save(null, [entry(41, 1, 1000)]);
    again.wal.close();
    const third = Wal.open(nodeFs, dir, options);
    expect(indexes(third.recovered.entries)).toEqual(indexes(entries(1, 41)));
    third.wal.close();
  });

  test('Wal.create refuses a directory that already holds a WAL', () => {
    Wal.create(nodeFs, dir, smallSegments).close();
    expect(() => Wal.create(nodeFs, dir, smallSegments)).toThrow(/already holds a WAL/);
  });

  test('sizeBytes counts written bytes; entries out of order are a bug (assert)', () => {
    const { wal } = Wal.open(nodeFs, dir, smallSegments);
    const empty = wal.sizeBytes;
    wal.save(null, entries(1, 3));
    expect(wal.sizeBytes).toBeGreaterThan(empty);
    expect(() => wal.save(null, [entry(10)])).toThrow(/leaves a gap after lastIndex 3/);
    expect(() => wal.save(null, [entry(4), entry(6)])).toThrow(/not contiguous/);
    wal.close();
  });
});

/**
 * DiskStorage: the Raft log over the WAL and snapshot files.
 * - RaftStorage behaves like etcd's MemoryStorage (entries/term/firstIndex/lastIndex, typed
 *   CompactedError/UnavailableError) and survives reopen on a real disk;
 * - createSnapshot + compact move firstIndex, release WAL segments, keep the last 2 snapshot
 *   files, and reopen to the snapshot's data plus the entries after it;
 * - a snapshot from the leader replaces the log, also after reopen;
 * - a damaged or missing snapshot file is a StorageCorruptionError naming the file;
 * - on SimFileSystem, a crash at ANY sync (including inside snapshot writes and rotations)
 *   loses nothing acknowledged as durable, over many seeds.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EntryType, type Entry, type HardState } from '../../src/codec/types.js';
import { CompactedError, UnavailableError } from '../../src/raft/index.js';
import { DiskStorage, StorageCorruptionError, snapFileName } from '../../src/storage/index.js';
import { NodeFileSystem, SimFileSystem, WalFailedError,
  type FileHandle } from '../../src/wal/index.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const nodeFs = new NodeFileSystem();
const walOptions = { segmentSizeBytesMax: 4 * 4096, recordBytesMax: 4096 };
const options = { wal: walOptions, bootstrapConfState: { voters: [1, 2, 3], learners: [] } };
const cs = { voters: [1, 2, 3], learners: [] };

function ent(index: number, term = 1, bytes = 100): Entry {
  return { index, term, type: EntryType.Normal, data: new Uint8Array(bytes).fill(index & 0xff) };
}
function ents(from: number, to: number, term = 1): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(ent(i, term));
  return out;
}
const hs = (term: number, commit: number): HardState => ({ term, vote: 1, commit });

let nodeDir: string;
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'hdb-storage-'));
  nodeDir = join(root, 'node-1');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('DiskStorage on a real disk', () => {
  test('RaftStorage reads and typed errors; reopen returns the same state', () => {
    const { storage, report } = DiskStorage.open(nodeFs, nodeDir, options);
    expect(report).toMatchObject(
      { snapshotFile: null, entryCount: 0, firstIndex: 1, lastIndex: 0 });
    expect(storage.initialState()).toEqual(
      { hardState: { term: 0, vote: 0, commit: 0 }, confState: cs });
    storage.save(hs(1, 5), ents(1, 10));
    storage.save(hs(2, 8), ents(9, 12, 2)); // conflict: 9.. replaced
    expect(storage.lastIndex()).toBe(12);
    expect(storage.term(8)).toBe(1);
    expect(storage.term(9)).toBe(2);
    expect(storage.term(0)).toBe(0);
    expect(storage.entries(3, 6, Infinity).map((e) => e.index)).toEqual([3, 4, 5]);
    expect(storage.entries(3, 6, 1).map((e) => e.index)).toEqual([3]);
    expect(() => storage.entries(3, 14, Infinity)).toThrow(UnavailableError);
    expect(() => storage.term(13)).toThrow(UnavailableError);
    storage.close();
    const again = DiskStorage.open(nodeFs, nodeDir, options);
    expect(again.storage.initialState().hardState).toEqual(hs(2, 8));
    expect(again.storage.entries(1, 13, Infinity).map((e) => e.term)).toEqual(
      [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(again.report.commitBeyondLastIndex).toBe(false);
    again.storage.close();
  });

  test('createSnapshot + compact: firstIndex moves, segments released, 2 snap files kept', () => {
    const { storage } = DiskStorage.open(nodeFs, nodeDir, options);
    for (let i = 1; i <= 400; i += 20) storage.save(hs(1, i + 19), ents(i, i + 19));
    const segmentsBefore = storage.walSegmentCount;
    for (const at of [100, 200, 300]) {
      const data = new TextEncoder().encode(`state at ${at}`);
      const snap = storage.createSnapshot(at, cs, data);
      expect(snap.metadata).toEqual({ index: at, term: 1, confState: cs });
      expect(storage.firstIndex()).toBe(at === 100 ? 1 : at - 99); // entries kept until compact
      storage.compact(at);
      expect(storage.firstIndex()).toBe(at + 1);
      expect(() => storage.entries(at, at + 1, Infinity)).toThrow(CompactedError);
      expect(storage.term(at)).toBe(1);
    }
    expect(() => storage.compact(301)).toThrow(/compact\(301\) above the snapshot index 300/);
    expect(storage.walSegmentCount).toBeLessThan(segmentsBefore);
    expect(readdirSync(join(nodeDir, 'snap')).sort()).toEqual(
      [snapFileName(1, 200), snapFileName(1, 300)]);
    storage.close();
    const { storage: again, report } = DiskStorage.open(nodeFs, nodeDir, options);
    expect(report.snapshotFile).toBe(join(nodeDir, 'snap', snapFileName(1, 300)));
    expect(new TextDecoder().decode(again.snapshot().data)).toBe('state at 300');
    expect(again.firstIndex()).toBe(301);
    expect(again.lastIndex()).toBe(400);
    expect(again.entries(301, 401, Infinity).map((e) => e.index)).toEqual(
      ents(301, 400).map((e) => e.index));
    again.close();
  });

  test('a snapshot from the leader replaces the log, also after reopen', () => {
    const { storage } = DiskStorage.open(nodeFs, nodeDir, options);
    storage.save(hs(1, 2), ents(1, 30));
    const data = new Uint8Array(3 * 1024 * 1024).map((_, i) => i & 0xff); // MBs of state
    storage.saveSnapshot({ metadata: { index: 20, term: 3, confState: cs }, data });
    storage.save(hs(3, 20), []);
    expect(storage.firstIndex()).toBe(21);
    expect(storage.lastIndex()).toBe(20);
    expect(storage.term(20)).toBe(3);
    storage.save(null, ents(21, 22, 3));
    storage.close();
    const { storage: again } = DiskStorage.open(nodeFs, nodeDir, options);
    expect(again.lastIndex()).toBe(22);
    expect(again.entries(21, 23, Infinity).map((e) => e.term)).toEqual([3, 3]);
    expect(Buffer.compare(again.snapshot().data, data)).toBe(0); // toEqual is slow on MBs
    again.close();
  });

  test('a damaged or missing snapshot file is a StorageCorruptionError naming the file', () => {
    const { storage } = DiskStorage.open(nodeFs, nodeDir, options);
    storage.save(hs(1, 10), ents(1, 10));
    storage.createSnapshot(5, cs, new Uint8Array([1, 2, 3]));
    storage.close();
    const file = join(nodeDir, 'snap', snapFileName(1, 5));
    const bytes = readFileSync(file);
    bytes[bytes.length - 1]! ^= 1;
    writeFileSync(file, bytes);
    expect(() => DiskStorage.open(nodeFs, nodeDir, options)).toThrow(StorageCorruptionError);
    expect(() => DiskStorage.open(nodeFs, nodeDir, options)).toThrow(
      new RegExp(`storage corrupt: ${file}: CRC mismatch`));
    unlinkSync(file);
    expect(() => DiskStorage.open(nodeFs, nodeDir, options)).toThrow(
      'the WAL records a snapshot at index 5 term 1 but its file is missing');
  });
});

class PowerLoss extends Error {}

/** A SimFileSystem where the N-th sync of any kind never happens: the process dies first. */
class PowerLossFileSystem extends SimFileSystem {
  syncsLeft = Infinity;
  private tick(): void {
    this.syncsLeft -= 1;
    if (this.syncsLeft <= 0) throw new PowerLoss('power loss');
  }
  override fdatasync(file: FileHandle): void {
    this.tick();
    super.fdatasync(file);
  }
  override fsync(file: FileHandle): void {
    this.tick();
    super.fsync(file);
  }
  override fsyncDir(dir: string): void {
    this.tick();
    super.fsyncDir(dir);
  }
}

describe('DiskStorage on SimFileSystem: crash anywhere', () => {
  test('nothing acknowledged as durable is lost, over 150 seeds', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const fs = new PowerLossFileSystem({ seed });
      let ackedLast = 0;
      let ackedTerms: number[] = [];
      let ackedCommit = 0;
      let ackedSnapshot = 0;
      for (let life = 0; life < 4; life++) {
        const { storage, report } = DiskStorage.open(fs, '/data/node-1', options);
        const recoveredTerms = storage.lastIndex() >= storage.firstIndex()
          ? storage.entries(storage.firstIndex(), storage.lastIndex() + 1, Infinity).map(
            (e) => e.term) : [];
        const ctx = `seed ${seed} life ${life}`;
        expect(storage.lastIndex(), ctx).toBeGreaterThanOrEqual(ackedLast);
        expect(storage.snapshot().metadata.index, ctx).toBeGreaterThanOrEqual(ackedSnapshot);
        for (let i = storage.firstIndex(); i <= ackedLast; i++) {
          expect(recoveredTerms[i - storage.firstIndex()], `${ctx} index ${i}`).toBe(ackedTerms[i]);
        }
        expect(report.hardState.commit, ctx).toBeGreaterThanOrEqual(ackedCommit);
        ackedTerms = [];
        for (let i = storage.firstIndex(); i <= storage.lastIndex(); i++) ackedTerms[i] =
          storage.term(i);
        ackedLast = storage.lastIndex();
        fs.syncsLeft = 1 + ((seed * 7 + life * 11) % 40);
        try {
          for (let step = 0; ; step++) {
            const last = storage.lastIndex();
            const term = 1 + life;
            const count = 1 + ((seed + step) % 9);
            const commit = Math.max(storage.initialState().hardState.commit, last);
            storage.save(hs(term, commit), ents(last + 1, last + count, term));
            for (let i = last + 1; i <= last + count; i++) ackedTerms[i] = term;
            ackedLast = last + count;
            ackedCommit = commit;
            if (step % 5 === 4 && commit > storage.snapshot().metadata.index) {
              storage.createSnapshot(commit, cs, new Uint8Array([seed, step]));
              ackedSnapshot = commit;
              storage.compact(commit);
            }
          }
        } catch (error) {
          const cause = error instanceof WalFailedError ? error.cause : error;
          expect(cause, `seed ${seed}`).toBeInstanceOf(PowerLoss);
        }
        fs.syncsLeft = Infinity;
        fs.crash('random');
      }
    }
  });
});

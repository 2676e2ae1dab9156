/**
 * The WAL's failure policy and the simulated disk it is tested on:
 * - an injected fsync error fail-stops the WAL: that save throws WalFailedError, and no later
 *   call succeeds (never a retried fsync), on a real disk (FaultyFileSystem) and in SimFileSystem;
 * - a write error (EIO, ENOSPC, also while creating a segment) is a typed WalWriteError naming
 *   file, offset and code, then fail-stop; reopening recovers everything acknowledged before;
 * - SimFileSystem: unsynced writes and unsynced directory entries are lost on crash, synced
 *   ones survive, torn writes keep a prefix, a failed fsync drops the dirty data for good;
 * - the real Wal on SimFileSystem, crashed at random points over many seeds, never loses an
 *   acknowledged save and always reopens (torn tails truncated, never "corruption").
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { join } from 'node:path';
import {
  FaultyFileSystem, SimFileSystem, Wal, WalFailedError, WalWriteError, type CrashMode,
  type FileHandle,
} from '../../src/wal/index.js';
import { entries, entry, hardState, indexes, nodeFs, smallSegments, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  dir = join(dir, 'wal');
});
afterEach(() => cleanup());

describe('fail-stop on a real disk (FaultyFileSystem)', () => {
  test('an fsync error fail-stops: no later append succeeds; reopen recovers the ' +
    'acknowledged', () => {
    const fs = new FaultyFileSystem(nodeFs);
    const { wal } = Wal.open(fs, dir, smallSegments);
    wal.save(hardState(1, 1), entries(1, 5));
    fs.failSync({ times: 1 });
    expect(() => wal.save(null, entries(6, 7))).toThrow(WalFailedError);
    // The fault is gone, yet the WAL stays failed: a retried fsync could lie.
    for (const call of [
      () => wal.save(null, entries(6, 7)),
      () => wal.save(hardState(2, 1), []),
      () => wal.saveSnapshot({ index: 1, term: 1, confState: { voters: [1], learners: [] } }),
      () => wal.releaseTo(0),
    ]) {
      expect(call).toThrow(WalFailedError);
      expect(call).toThrow(
        new RegExp('is unusable after an earlier failure \\(EIO: fdatasync .*\\)\\. ' +
          'The node must restart: fsync is never retried'));
    }
    wal.close();
    const { recovered, wal: again } = Wal.open(nodeFs, dir, smallSegments);
    expect(indexes(recovered.entries).slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    again.close();
  });

  test.each(['EIO', 'ENOSPC'] as const)(
    'a %s write error is a WalWriteError, then fail-stop', (code) => {
    const fs = new FaultyFileSystem(nodeFs);
    const { wal } = Wal.open(fs, dir, smallSegments);
    wal.save(hardState(1, 1), entries(1, 5));
    const offset = wal.sizeBytes;
    fs.failWrite(code, { partialFraction: 0.5 });
    let caught: unknown;
    try {
      wal.save(hardState(1, 2), entries(6, 9));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WalWriteError);
    const error = caught as WalWriteError;
    expect(error.code).toBe(code);
    expect(error.offset).toBe(offset);
    expect(error.file).toBe(wal.segmentFiles()[0]);
    expect(error.message).toContain(
      `failed with ${code}: the batch is not durable and the WAL is now unusable`);
    expect(() => wal.save(null, [entry(6)])).toThrow(WalFailedError);
    wal.close();
    // Half a batch reached the disk: recovery keeps its whole records (never acknowledged,
    // harmless to Raft) and truncates the torn one.
    const { wal: again, recovered } = Wal.open(nodeFs, dir, smallSegments);
    const got = indexes(recovered.entries);
    expect(got.slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
    expect(got).toEqual(indexes(entries(1, got.length)));
    expect(got.length).toBeLessThan(9);
    expect(recovered.report.outcome).toBe('torn-tail-truncated');
    again.close();
  });

  test('ENOSPC while preallocating a new segment is a WalWriteError naming the tmp file', () => {
    const fs = new FaultyFileSystem(nodeFs);
    const { wal } = Wal.open(fs, dir, smallSegments);
    fs.failWrite('ENOSPC', { pathIncludes: '.wal.tmp' });
    let acked = 0;
    expect(() => {
      for (let i = 1; i <= 1000; i += 10) {
        wal.save(null, entries(i, i + 9, 1, 100));
        acked = i + 9;
      }
    }).toThrow(/WAL preallocate of .*\.wal\.tmp at offset 0 failed with ENOSPC.*free disk space/);
    expect(() => wal.save(null, [entry(1)])).toThrow(WalFailedError);
    wal.close();
    // The leftover tmp file is removed on reopen, and nothing acknowledged is lost.
    const { wal: again, recovered } = Wal.open(nodeFs, dir, smallSegments);
    expect(recovered.report.removedTmpFiles.length).toBe(1);
    const got = indexes(recovered.entries);
    expect(acked).toBeGreaterThan(0);
    expect(got).toEqual(indexes(entries(1, got.length)));
    expect(got.length).toBeGreaterThanOrEqual(acked);
    again.close();
  });
});

describe('SimFileSystem', () => {
  test('unsynced writes are lost on crash; synced ones survive', () => {
    const fs = new SimFileSystem({ seed: 1 });
    fs.mkdir('/d');
    const f = fs.create('/d/a');
    fs.fsyncDir('/d');
    fs.pwrite(f, new Uint8Array([1, 2, 3]), 0);
    fs.fdatasync(f);
    fs.pwrite(f, new Uint8Array([4, 5]), 3);
    expect(fs.readFile('/d/a')).toEqual(new Uint8Array([1, 2, 3, 4, 5]));
    fs.crash('lose');
    expect(fs.readFile('/d/a')).toEqual(new Uint8Array([1, 2, 3]));
    expect(() => fs.size(f)).toThrow(/EBADF/);
  });

  test('a file created but whose directory was not fsynced disappears; renames too', () => {
    const fs = new SimFileSystem({ seed: 2 });
    fs.mkdir('/d');
    const f = fs.create('/d/a');
    fs.pwrite(f, new Uint8Array([9]), 0);
    fs.fsync(f);
    fs.crash('lose');
    expect(fs.exists('/d/a')).toBe(false);
    const g = fs.create('/d/b');
    fs.fsync(g);
    fs.fsyncDir('/d');
    fs.rename('/d/b', '/d/c');
    fs.crash('lose');
    expect(fs.readdir('/d')).toEqual(['b']);
  });

  test('torn crash keeps a prefix of the unsynced writes', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const fs = new SimFileSystem({ seed });
      fs.mkdir('/d');
      const f = fs.create('/d/a');
      fs.fsyncDir('/d');
      const data = new Uint8Array(100).map((_, i) => i + 1);
      fs.pwrite(f, data, 0);
      fs.crash('torn');
      const after = fs.readFile('/d/a');
      expect(after).toEqual(data.subarray(0, after.length));
    }
  });

  test('a failed fsync drops the dirty data for good, even if a retry succeeds', () => {
    const fs = new SimFileSystem({ seed: 3 });
    fs.mkdir('/d');
    const f = fs.create('/d/a');
    fs.fsyncDir('/d');
    fs.pwrite(f, new Uint8Array([7, 7]), 0);
    fs.failSync();
    expect(() => fs.fdatasync(f)).toThrow(/EIO: fdatasync \/d\/a/);
    fs.fdatasync(f); // "succeeds"
    expect(fs.readFile('/d/a')).toEqual(new Uint8Array([7, 7]));
    fs.crash('lose');
    expect(fs.readFile('/d/a')).toEqual(new Uint8Array(0));
  });

  test('flipBit changes the durable bytes', () => {
    const fs = new SimFileSystem({ seed: 4 });
    fs.mkdir('/d');
    const f = fs.create('/d/a');
    fs.fsyncDir('/d');
    fs.pwrite(f, new Uint8Array([0, 0]), 0);
    fs.fsync(f);
    fs.flipBit('/d/a', 1, 3);
    fs.crash('lose');
    expect(fs.readFile('/d/a')).toEqual(new Uint8Array([0, 8]));
  });

  test('fsync error in SimFileSystem fail-stops the Wal', () => {
    const fs = new SimFileSystem({ seed: 5 });
    const { wal } = Wal.open(fs, '/n/wal', smallSegments);
    wal.save(hardState(1, 0), entries(1, 3));
    fs.failSync({ times: Infinity });
    expect(() => wal.save(null, [entry(4)])).toThrow(WalFailedError);
    expect(() => wal.save(null, [entry(4)])).toThrow(WalFailedError);
  });

  test('the real Wal, crashed at random points over 200 seeds, keeps every acknowledged ' +
    'save', () => {
    const modes: CrashMode[] = ['lose', 'torn', 'garbage', 'random'];
    for (let seed = 1; seed <= 200; seed++) {
      const fs = new PowerLossFileSystem(seed);
      let acked = 0;
      let ackedCommit = 0;
      for (let life = 0; life < 3; life++) {
        const { wal, recovered } = Wal.open(fs, '/n/wal', smallSegments);
        const got = indexes(recovered.entries);
        expect(got.slice(0, acked), `seed ${seed}`).toEqual(indexes(entries(1, acked)));
        expect(got, `seed ${seed}`).toEqual(indexes(entries(1, got.length)));
        expect(recovered.hardState.commit, `seed ${seed}`).toBeGreaterThanOrEqual(ackedCommit);
        let next = got.length + 1;
        // The power goes at a random fdatasync from now on (possibly inside a rotation).
        fs.syncsUntilPowerLoss = 1 + ((seed * 13 + life * 5) % 30);
        try {
          for (;;) {
            const count = 1 + ((seed + next) % 17);
            wal.save(hardState(1, next - 1), entries(next, next + count - 1, 1, 60));
            next += count;
            acked = next - 1;
            ackedCommit = next - 1 - count;
          }
        } catch (error) {
          expect(error).toBeInstanceOf(WalFailedError);
          expect((error as WalFailedError).cause).toBeInstanceOf(PowerLoss);
        }
        fs.syncsUntilPowerLoss = Infinity;
        fs.crash(modes[(seed + life) % modes.length]!);
      }
    }
  });
});

class PowerLoss extends Error {}

/** A SimFileSystem whose N-th data sync never happens: the process dies just before it. */
class PowerLossFileSystem extends SimFileSystem {
  syncsUntilPowerLoss = Infinity;
  constructor(seed: number) {
    super({ seed });
  }
  override fdatasync(file: FileHandle): void {
    this.syncsUntilPowerLoss -= 1;
    if (this.syncsUntilPowerLoss <= 0) throw new PowerLoss('power loss');
    super.fdatasync(file);
  }
}

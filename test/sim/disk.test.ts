/**
 * The simulated disks the world relies on: DeferringFileSystem gives fsync a duration without
 * reordering writes around it (a write after an fsync performs the queued sync first), a power
 * loss before the deferred sync loses the write, an armed crash strikes at the sync, and
 * WalDisk's bit flip always lands where recovery refuses to start. The model disk keeps only
 * what was "synced".
 */
import { describe, expect, test } from 'vitest';
import { EntryType, type Entry } from '../../src/codec/types.js';
import { Prng } from '../../src/raft/prng.js';
import { SimFileSystem } from '../../src/wal/index.js';
import { SimulatedCrash } from './disk.js';
import { ModelDisk } from './modelDisk.js';
import { DeferringFileSystem, WalDisk } from './walDisk.js';

const voters = { voters: [1, 2, 3], learners: [] };

function entries(from: number, count: number, term = 1): Entry[] {
  return Array.from({ length: count }, (_, i) => ({
    term, index: from + i, type: EntryType.Normal, data: new TextEncoder().encode(`e${from + i}`),
  }));
}

describe('DeferringFileSystem', () => {
  test('a deferred fsync happens at flush; a crash before it loses the write', () => {
    const sim = new SimFileSystem({ seed: 1 });
    const fs = new DeferringFileSystem(sim);
    fs.defer = true;
    const f = fs.create('/a');
    fs.pwrite(f, new Uint8Array([1, 2, 3]), 0);
    fs.fdatasync(f);
    expect(sim.unsyncedOpCount('/a')).toBe(1);
    fs.flush();
    expect(sim.unsyncedOpCount('/a')).toBe(0);
    const g = fs.create('/b');
    fs.fsyncDir('/');
    fs.pwrite(g, new Uint8Array([9]), 0);
    fs.fdatasync(g);
    fs.drop();
    sim.crash('lose');
    expect(sim.readFile('/a')).toEqual(new Uint8Array([1, 2, 3]));
    expect(sim.readFile('/b')).toEqual(new Uint8Array(0));
  });

  test('a write after a queued fsync performs the fsync first (order is kept)', () => {
    const sim = new SimFileSystem({ seed: 2 });
    const fs = new DeferringFileSystem(sim);
    fs.defer = true;
    const f = fs.create('/a');
    fs.pwrite(f, new Uint8Array([1]), 0);
    fs.fdatasync(f);
    fs.pwrite(f, new Uint8Array([2]), 1);
    expect(sim.unsyncedOpCount('/a')).toBe(1); // only the second write is unsynced
  });

  test('an armed crash strikes at the next sync, not before', () => {
    const fs = new DeferringFileSystem(new SimFileSystem({ seed: 3 }));
    fs.defer = true;
    fs.crashArmed = true;
    const f = fs.create('/a');
    fs.fdatasync(f);
    expect(() => fs.flush()).toThrow(SimulatedCrash);
  });
});

describe('WalDisk', () => {
  test('saves survive a crash once flushed; a flipped bit makes recovery refuse', () => {
    const disk = new WalDisk(1, new Prng(5));
    disk.deferSyncs = true;
    const store = disk.open(voters);
    store.save({ term: 1, vote: 1, commit: 0 }, entries(1, 40));
    disk.flushDeferredSyncs();
    disk.crash();
    const again = disk.open(voters);
    expect(again.raftStorage.lastIndex()).toBe(40);
    disk.crash();
    const flipped = disk.flipBit();
    expect(flipped).toMatch(/offset \d+ bit \d/);
    expect(() => disk.open(voters)).toThrow(/corrupt/i);
  });

  test('an unflushed save is lost (or torn) by a crash', () => {
    const disk = new WalDisk(2, new Prng(6));
    disk.deferSyncs = true;
    const store = disk.open(voters);
    store.save({ term: 1, vote: 1, commit: 0 }, entries(1, 5));
    disk.flushDeferredSyncs();
    store.save(null, entries(6, 5));
    disk.crash();
    const last = disk.open(voters).raftStorage.lastIndex();
    expect(last).toBeGreaterThanOrEqual(5);
    expect(last).toBeLessThanOrEqual(10);
  });
});

describe('ModelDisk', () => {
  test('keeps what was synced, drops what was deferred', () => {
    const disk = new ModelDisk(new Prng(7));
    disk.deferSyncs = true;
    const store = disk.open(voters);
    store.save({ term: 1, vote: 1, commit: 0 }, entries(1, 3));
    disk.flushDeferredSyncs();
    store.save(null, entries(4, 3));
    disk.crash();
    expect(disk.open(voters).raftStorage.lastIndex()).toBe(3);
  });
});

/**
 * A node's disk for the simulation: the REAL src/storage DiskStorage over the REAL src/wal,
 * on src/wal's SimFileSystem (one per node: each node is its own machine).
 *
 * Between them sits `DeferringFileSystem`, which lets the world give fsync a duration: with
 * `deferSyncs` on, fsync/fdatasync/fsyncDir calls (and closes of files with a sync pending)
 * are queued instead of done, and `flushDeferredSyncs()` performs them in their original
 * order when the simulated latency is over. Writes reach the page cache at once, exactly as
 * they do before a real fsync returns; a crash before the flush loses or tears them
 * (SimFileSystem.crash). The next mutating call (write, create, rename, ...) performs the
 * queued syncs first, so nothing written after an fsync can reach the disk before it (the
 * WAL and snapshot code rely on that order), and the queued syncs run in order and stop at
 * the first that fails: every outcome is one a real crash at some instant could produce.
 *
 * Faults: `armCrashAtNextSync` makes the next sync throw SimulatedCrash (the power fails
 * right there); `armSyncFailure` makes it fail with EIO, after which the WAL's fail-stop
 * policy applies; `flipBit` corrupts one bit of durable WAL or snapshot data at a place where
 * recovery must notice it (see docs/sim.md for why not anywhere).
 */
import { assert } from '../../src/codec/assert.js';
import type { ConfState, Entry, HardState, LogIndex, Snapshot } from '../../src/codec/types.js';
import type { Prng } from '../../src/raft/prng.js';
import { DiskStorage, readSnapFile, snapFileName } from '../../src/storage/index.js';
import {
  SimFileSystem, analyzeWal, joinPath, type FileHandle, type FileSystem,
} from '../../src/wal/index.js';
import { SimulatedCrash, type NodeStore, type SimDisk } from './disk.js';

/** Small segments so that rotation and segment release happen in short runs. */
export const SIM_SEGMENT_BYTES = 8192;

export class DeferringFileSystem implements FileSystem {
  defer = false;
  /**
   * Planted-bug support: mutating calls do NOT perform the queued syncs first (a driver that
   * skips its fsyncs and leaves them to a timer). Off in correct runs.
   */
  lazy = false;
  crashArmed = false;
  private deferred: Array<() => void> = [];
  /** Handles with a deferred sync: their close waits for it. */
  private readonly syncPending = new Set<FileHandle>();

  constructor(readonly inner: SimFileSystem) {}

  open(p: string): FileHandle { return this.inner.open(p); }
  pread(f: FileHandle, into: Uint8Array, pos: number): number {
    return this.inner.pread(f, into, pos);
  }
  size(f: FileHandle): number { return this.inner.size(f); }
  readdir(p: string): string[] { return this.inner.readdir(p); }
  exists(p: string): boolean { return this.inner.exists(p); }

  // A change issued after an fsync must not reach the disk before it: the caller saw the fsync
  // return. So every mutating call first performs the syncs still queued.
  create(p: string): FileHandle { this.ordered(); return this.inner.create(p); }
  pwrite(f: FileHandle, d: Uint8Array, pos: number): void {
    this.ordered();
    this.inner.pwrite(f, d, pos);
  }
  truncate(f: FileHandle, n: number): void { this.ordered(); this.inner.truncate(f, n); }
  preallocate(f: FileHandle, n: number): void { this.ordered(); this.inner.preallocate(f, n); }
  mkdir(p: string): void { this.ordered(); this.inner.mkdir(p); }
  unlink(p: string): void { this.ordered(); this.inner.unlink(p); }
  rename(a: string, b: string): void { this.ordered(); this.inner.rename(a, b); }

  fdatasync(f: FileHandle): void {
    this.sync(() => this.inner.fdatasync(f), f);
  }

  fsync(f: FileHandle): void {
    this.sync(() => this.inner.fsync(f), f);
  }

  fsyncDir(p: string): void {
    this.sync(() => this.inner.fsyncDir(p), null);
  }

  close(f: FileHandle): void {
    if (this.defer && this.syncPending.has(f)) {
      this.deferred.push(() => this.inner.close(f));
      return;
    }
    this.inner.close(f);
  }

  private sync(op: () => void, f: FileHandle | null): void {
    if (!this.defer) {
      this.perform(op);
      return;
    }
    if (f !== null) this.syncPending.add(f);
    this.deferred.push(op);
  }

  private perform(op: () => void): void {
    if (this.crashArmed) {
      this.crashArmed = false;
      throw new SimulatedCrash('power lost at an fsync');
    }
    op();
  }

  private ordered(): void {
    if (!this.lazy) this.flush();
  }

  /** Performs the queued syncs in order; the first failure stops the rest. */
  flush(): void {
    const ops = this.deferred;
    this.deferred = [];
    this.syncPending.clear();
    for (const op of ops) this.perform(op);
  }

  /** The process died: queued syncs never happen. */
  drop(): void {
    this.deferred = [];
    this.syncPending.clear();
  }
}

export class WalDisk implements SimDisk {
  readonly kind = 'wal' as const;
  readonly simFs: SimFileSystem;
  readonly fs: DeferringFileSystem;
  readonly dir: string;
  private generation = 0;

  constructor(
    nodeId: number,
    private readonly random: Prng,
  ) {
    this.simFs = new SimFileSystem({ random: () => random.nextFloat() });
    this.fs = new DeferringFileSystem(this.simFs);
    this.dir = `/node-${nodeId}`;
    this.simFs.mkdir(this.dir);
  }

  get deferSyncs(): boolean {
    return this.fs.defer;
  }

  set deferSyncs(on: boolean) {
    this.fs.defer = on;
  }

  get lazySyncs(): boolean {
    return this.fs.lazy;
  }

  set lazySyncs(on: boolean) {
    this.fs.lazy = on;
  }

  open(bootstrap: ConfState): NodeStore {
    this.generation++;
    const { storage } = DiskStorage.open(this.fs, this.dir, {
      wal: { segmentSizeBytesMax: SIM_SEGMENT_BYTES },
      bootstrapConfState: bootstrap,
    });
    // Recovery's own syncs (torn-tail truncation, first segment) happen before the start.
    this.fs.flush();
    return new WalStore(storage, this.generation, () => this.generation);
  }

  crash(): void {
    this.generation++;
    this.fs.drop();
    this.fs.crashArmed = false;
    this.simFs.crash('random');
  }

  armCrashAtNextSync(): void {
    this.fs.crashArmed = true;
  }

  armSyncFailure(): void {
    this.simFs.failSync({ times: 1 });
  }

  disarmFaults(): void {
    this.fs.crashArmed = false;
    this.simFs.faults.clear();
  }

  flushDeferredSyncs(): void {
    this.fs.flush();
  }

  flipBit(): string | null {
    for (let attempt = 0; attempt < 20; attempt++) {
      const target = this.pickFlipTarget();
      if (target === null) return null;
      const bit = this.random.nextInt(8);
      this.simFs.flipBit(target.file, target.offset, bit);
      if (this.detects(target.kind, target.file)) {
        return `${target.file} offset ${target.offset} bit ${bit}`;
      }
      this.simFs.flipBit(target.file, target.offset, bit); // undo: recovery could not tell
    }
    return null;
  }

  private pickFlipTarget(): { kind: 'wal' | 'snap'; file: string; offset: number } | null {
    const walDir = joinPath(this.dir, 'wal');
    const analysis = analyzeWal(this.simFs, walDir, { recordBytesMax: SIM_SEGMENT_BYTES });
    if (analysis.snapshot !== null && this.random.nextInt(4) === 0) {
      const { term, index } = analysis.snapshot;
      const file = joinPath(this.dir, 'snap', snapFileName(term, index));
      if (this.simFs.exists(file)) {
        const size = this.simFs.readFile(file).length;
        return { kind: 'snap', file, offset: this.random.nextInt(size) };
      }
    }
    const segments = analysis.segments.filter((s) => s.endOffset > 0);
    if (segments.length === 0) return null;
    const s = segments[this.random.nextInt(segments.length)]!;
    return { kind: 'wal', file: s.file, offset: this.random.nextInt(s.endOffset) };
  }

  /** Whether recovery classifies the flipped data as corruption (not a torn tail). */
  private detects(kind: 'wal' | 'snap', file: string): boolean {
    if (kind === 'snap') {
      try {
        readSnapFile(this.simFs, file);
        return false;
      } catch {
        return true;
      }
    }
    const walDir = joinPath(this.dir, 'wal');
    const analysis = analyzeWal(this.simFs, walDir, { recordBytesMax: SIM_SEGMENT_BYTES });
    return analysis.outcome === 'corrupt';
  }
}

class WalStore implements NodeStore {
  constructor(
    private readonly storage: DiskStorage,
    private readonly generation: number,
    private readonly currentGeneration: () => number,
  ) {}

  get raftStorage(): DiskStorage {
    return this.storage;
  }

  private live(): void {
    assert(this.generation === this.currentGeneration(), 'a dead process wrote to its disk');
  }

  saveSnapshot(snapshot: Snapshot): void {
    this.live();
    this.storage.saveSnapshot(snapshot);
  }

  save(hardState: HardState | null, entries: readonly Entry[]): void {
    this.live();
    this.storage.save(hardState, entries);
  }

  createSnapshot(index: LogIndex, confState: ConfState, data: Uint8Array): void {
    this.live();
    this.storage.createSnapshot(index, confState, data);
  }

  compact(index: LogIndex): void {
    this.live();
    this.storage.compact(index);
  }

  snapshot(): Snapshot {
    return this.storage.snapshot();
  }
}

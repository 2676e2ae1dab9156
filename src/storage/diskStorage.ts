/**
 * The Raft log on disk: RaftStorage (what src/raft reads) over the WAL and snapshot files,
 * plus the persistence calls the Ready loop makes (docs/storage.md).
 *
 * Layout: `<nodeDir>/wal/` (src/wal) and `<nodeDir>/snap/<term>-<index>.snap`.
 * Memory: the latest snapshot (metadata and data) and the entries after the compaction point;
 * `compact()` bounds the latter.
 *
 * Persistence order (docs/design.md): a snapshot file is written and fsynced (file and directory)
 * BEFORE its WAL marker, so a marker never points at a missing file; entries and HardState go
 * to the WAL with one fdatasync; WAL segments and old snapshot files are deleted only below a
 * snapshot whose marker is durable.
 */
import { assert } from '../codec/assert.js';
import type {
  ConfState, Entry, HardState, LogIndex, Snapshot, SnapshotMetadata, Term,
} from '../codec/types.js';
import {
  CompactedError, SnapshotOutOfDateError, UnavailableError, limitSize, type RaftStorage,
} from '../raft/index.js';
import { Wal, joinPath, type FileSystem, type RecoveryReport,
  type WalOptions } from '../wal/index.js';
import { StorageCorruptionError } from './errors.js';
import {
  SNAP_TMP_SUFFIX, parseSnapFileName, readSnapFile, snapFileName, writeSnapFile,
} from './snapFile.js';

export interface DiskStorageOptions {
  wal?: WalOptions;
  /** Membership of a brand-new node (the ConfState of the empty index-0 snapshot). */
  bootstrapConfState?: ConfState;
  /** Snapshot files kept by compact() (newest first), at least 1. Default 2. */
  snapFilesKept?: number;
}

export interface StorageRecoveryReport {
  wal: RecoveryReport;
  /** The snapshot file loaded, or null for a node without a snapshot. */
  snapshotFile: string | null;
  entryCount: number;
  firstIndex: LogIndex;
  lastIndex: LogIndex;
  hardState: HardState;
  /**
   * The HardState's commit index is above the last index: acknowledged entries were lost
   * (a forced repair). The node must not vote or campaign until it has caught up (docs/design.md).
   */
  commitBeyondLastIndex: boolean;
  removedTmpFiles: string[];
}

export class DiskStorage implements RaftStorage {
  private hardStateValue: HardState;
  private snap: Snapshot;
  /** Index and term of the entry just before `ents[0]` (the compaction point). */
  private compactedIndex: LogIndex;
  private compactedTerm: Term;
  /** Entries compactedIndex+1 .. lastIndex, contiguous. */
  private ents: Entry[];

  private constructor(
    private readonly fs: FileSystem,
    private readonly snapDir: string,
    private readonly wal: Wal,
    private readonly snapFilesKept: number,
    state: { hardState: HardState; snap: Snapshot; entries: Entry[] },
  ) {
    this.hardStateValue = state.hardState;
    this.snap = state.snap;
    this.compactedIndex = state.snap.metadata.index;
    this.compactedTerm = state.snap.metadata.term;
    this.ents = state.entries;
    this.checkInvariants();
  }

  /** Recovers a node's storage from `nodeDir` (creating it if empty). */
  static open(
    fs: FileSystem,
    nodeDir: string,
    options: DiskStorageOptions = {},
  ): { storage: DiskStorage; report: StorageRecoveryReport } {
    const snapFilesKept = options.snapFilesKept ?? 2;
    if (!Number.isSafeInteger(snapFilesKept) || snapFilesKept < 1) {
      throw new RangeError(`snapFilesKept must be an integer >= 1, got ${snapFilesKept}`);
    }
    const snapDir = joinPath(nodeDir, 'snap');
    if (!fs.exists(snapDir)) {
      fs.mkdir(snapDir);
      fs.fsyncDir(nodeDir);
    }
    const removedTmpFiles = removeTmpSnapFiles(fs, snapDir);
    const { wal, recovered } = Wal.open(fs, joinPath(nodeDir, 'wal'), options.wal);
    const bootstrap = options.bootstrapConfState ?? { voters: [], learners: [] };
    let snap: Snapshot = {
      metadata: { index: 0, term: 0, confState: copyConfState(bootstrap) }, data: new Uint8Array(0),
    };
    let snapshotFile: string | null = null;
    if (recovered.snapshot !== null) {
      snapshotFile =
        joinPath(snapDir, snapFileName(recovered.snapshot.term, recovered.snapshot.index));
      snap = loadMarkedSnapshot(fs, snapshotFile, recovered.snapshot);
    }
    const entries = recovered.entries;
    assert(entries.length === 0 || entries[0]!.index === snap.metadata.index + 1,
      'WAL replay returns entries right after the snapshot');
    const storage = new DiskStorage(fs, snapDir, wal, snapFilesKept, {
      hardState: recovered.hardState, snap, entries,
    });
    const report: StorageRecoveryReport = {
      wal: recovered.report, snapshotFile, entryCount: entries.length,
      firstIndex: storage.firstIndex(), lastIndex: storage.lastIndex(),
      hardState: { ...recovered.hardState },
      commitBeyondLastIndex: recovered.hardState.commit > storage.lastIndex(),
      removedTmpFiles,
    };
    return { storage, report };
  }

  // ---- RaftStorage ------------------------------------------------------------------------

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardStateValue },
      confState: copyConfState(this.snap.metadata.confState) };
  }

  entries(lo: LogIndex, hi: LogIndex, maxBytes: number): Entry[] {
    assert(lo <= hi, `DiskStorage.entries: lo ${lo} > hi ${hi}`);
    if (lo <= this.compactedIndex) throw new CompactedError(lo, this.compactedIndex + 1);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1, this.lastIndex());
    const base = this.compactedIndex + 1;
    return limitSize(this.ents.slice(lo - base, hi - base), maxBytes);
  }

  term(i: LogIndex): Term {
    if (i < this.compactedIndex) throw new CompactedError(i, this.compactedIndex + 1);
    if (i > this.lastIndex()) throw new UnavailableError(i, this.lastIndex());
    if (i === this.compactedIndex) return this.compactedTerm;
    return this.ents[i - this.compactedIndex - 1]!.term;
  }

  firstIndex(): LogIndex {
    return this.compactedIndex + 1;
  }

  lastIndex(): LogIndex {
    return this.compactedIndex + this.ents.length;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  // ---- persistence (the Ready loop) -------------------------------------------------------

  /**
   * Persists a Ready's HardState and entries (one fdatasync), then makes them visible to
   * Raft. Entries may overwrite a suffix (conflict); entries at or below the compaction
   * point are ignored.
   */
  save(hardState: HardState | null, entries: readonly Entry[]): void {
    const fresh = entries.filter((e) => e.index > this.compactedIndex);
    if (fresh.length > 0) {
      assert(fresh[0]!.index <= this.lastIndex() + 1,
        `DiskStorage.save: entry ${fresh[0]!.index} leaves a gap after ${this.lastIndex()}`);
    }
    this.wal.save(hardState, fresh);
    if (hardState !== null) this.hardStateValue = { ...hardState };
    const first = fresh[0];
    if (first !== undefined) {
      this.ents.length = first.index - this.compactedIndex - 1;
      for (const e of fresh) this.ents.push(e);
    }
    this.checkInvariants();
  }

  /**
   * Persists a snapshot received from the leader (a Ready's snapshot): file, fsync file and
   * directory, then the WAL marker (which replaces the log). Call before save() of the same
   * Ready. Old WAL segments go at the next compact().
   */
  saveSnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.metadata;
    if (index <= this.snap.metadata.index) {
      throw new SnapshotOutOfDateError(index, this.snap.metadata.index);
    }
    writeSnapFile(this.fs, this.snapDir, snapshot);
    this.wal.saveSnapshot(snapshot.metadata, { replacesLog: true });
    this.snap = snapshot;
    this.compactedIndex = index;
    this.compactedTerm = term;
    this.ents = [];
    this.checkInvariants();
  }

  /**
   * Records a durable snapshot of the node's own state machine at `index` (applied, so
   * committed). Entries stay until compact(), so slow followers can still be served from the
   * log.
   */
  createSnapshot(index: LogIndex, confState: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.snap.metadata.index) {
      throw new SnapshotOutOfDateError(index, this.snap.metadata.index);
    }
    assert(index <= this.hardStateValue.commit,
      `createSnapshot: index ${index} above the commit index ${this.hardStateValue.commit}`);
    const term = this.term(index);
    const snapshot: Snapshot = {
      metadata: { index, term, confState: copyConfState(confState) }, data,
    };
    writeSnapFile(this.fs, this.snapDir, snapshot);
    this.wal.saveSnapshot(snapshot.metadata);
    this.snap = snapshot;
    this.checkInvariants();
    return snapshot;
  }

  /**
   * Drops entries up to `index` (at most the durable snapshot's index) from memory, deletes
   * WAL segments wholly below it and prunes snapshot files to the newest `snapFilesKept`.
   * Returns whether anything was compacted.
   */
  compact(index: LogIndex): boolean {
    const snapshotIndex = this.snap.metadata.index;
    assert(index <= snapshotIndex, `compact(${index}) above the snapshot index ${snapshotIndex}`);
    const compacted = index > this.compactedIndex;
    if (compacted) {
      this.compactedTerm = this.term(index);
      this.ents = this.ents.slice(index - this.compactedIndex);
      this.compactedIndex = index;
    }
    const released = this.wal.releaseTo(index);
    const pruned = this.pruneSnapFiles();
    this.checkInvariants();
    return compacted || released > 0 || pruned > 0;
  }

  close(): void {
    this.wal.close();
  }

  get walSizeBytes(): number {
    return this.wal.sizeBytes;
  }

  get walSegmentCount(): number {
    return this.wal.segmentCount;
  }

  get syncCount(): number {
    return this.wal.syncCount;
  }

  checkInvariants(): void {
    assert(this.compactedIndex <= this.snap.metadata.index,
      `compacted ${this.compactedIndex} above snapshot ${this.snap.metadata.index}`);
    const first = this.ents[0];
    if (first !== undefined) {
      assert(first.index === this.compactedIndex + 1, 'entries start after the compaction point');
      const last = this.ents[this.ents.length - 1]!;
      assert(last.index === this.compactedIndex + this.ents.length, 'entries contiguous');
    }
    assert(this.wal.lastIndex === this.lastIndex(),
      `WAL lastIndex ${this.wal.lastIndex} vs storage ${this.lastIndex()}`);
  }

  private pruneSnapFiles(): number {
    const files = this.fs.readdir(this.snapDir)
      .map((name) => ({ name, parsed: parseSnapFileName(name) }))
      .filter((f): f is {
        name: string; parsed: { term: number; index: number } } => f.parsed !== null)
      .sort((a, b) => b.parsed.index - a.parsed.index);
    const current = snapFileName(this.snap.metadata.term, this.snap.metadata.index);
    let removed = 0;
    for (const [i, f] of files.entries()) {
      if (i < this.snapFilesKept || f.name === current) continue;
      this.fs.unlink(joinPath(this.snapDir, f.name));
      removed += 1;
    }
    if (removed > 0) this.fs.fsyncDir(this.snapDir);
    return removed;
  }
}

function loadMarkedSnapshot(fs: FileSystem, file: string, marker: SnapshotMetadata): Snapshot {
  if (!fs.exists(file)) {
    throw new StorageCorruptionError(file,
      `the WAL records a snapshot at index ${marker.index} term ${marker.term} but its file ` +
        `is missing`);
  }
  const snap = readSnapFile(fs, file);
  if (snap.metadata.index !== marker.index || snap.metadata.term !== marker.term) {
    throw new StorageCorruptionError(file,
      `file holds index ${snap.metadata.index} term ${snap.metadata.term}, the WAL marker says ` +
      `index ${marker.index} term ${marker.term}`);
  }
  return snap;
}

function removeTmpSnapFiles(fs: FileSystem, snapDir: string): string[] {
  const tmp = fs.readdir(snapDir).filter((n) => n.endsWith(SNAP_TMP_SUFFIX));
  for (const name of tmp) fs.unlink(joinPath(snapDir, name));
  if (tmp.length > 0) fs.fsyncDir(snapDir);
  return tmp.map((n) => joinPath(snapDir, n));
}

function copyConfState(cs: ConfState): ConfState {
  return { voters: [...cs.voters], learners: [...cs.learners] };
}

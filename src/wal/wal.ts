/**
 * The segmented write-ahead log of one Raft node.
 *
 * Writing: `save(hardState, entries)` appends Entry records, then the HardState record, and
 * issues ONE fdatasync for the whole batch (group commit). Entries go first so that whenever a
 * HardState is durable, the entries its commit index covers are too (etcd's order).
 *
 * Conflict truncation is log-structured: appending an entry at index i <= lastIndex means
 * "a later entry at index i replaces i.. onward"; nothing is rewritten, replay applies it.
 *
 * Segments: preallocated with zeros (the zero fill marks the end of data), small at first and
 * doubled as records need more, up to segmentSizeBytesMax, where the log rotates. Created as
 * `<name>.wal.tmp` (header + current HardState + latest snapshot marker, fsynced) and renamed
 * into place, then the directory is fsynced: a segment either exists whole or not at all, and
 * every segment carries the state needed to release the ones before it. A segment is
 * fdatasynced before the next one is created, so only the last segment can have a torn tail.
 *
 * Failure policy (fail-stop): an fsync error is never retried (the kernel may have dropped the
 * dirty pages; a retry that succeeds would lie). A write error (EIO, ENOSPC) may have left part
 * of the batch on disk, so it fail-stops too: the first failure throws WalFailedError (fsync)
 * or WalWriteError (write), every later call throws WalFailedError, and the node restarts;
 * recovery then truncates whatever torn tail the failure left.
 */
import { assert } from '../codec/assert.js';
import { encodeEntry, encodeHardState } from '../codec/index.js';
import type { Entry, HardState, SnapshotMetadata } from '../codec/types.js';
import { WalCorruptionError, WalFailedError, WalRecordTooLargeError,
  WalWriteError } from './errors.js';
import { errorCode, joinPath, type FileHandle, type FileSystem } from './fs.js';
import { resolveWalOptions, type ResolvedWalOptions, type WalOptions } from './options.js';
import { RecordType, recordBytes, writeRecord } from './record.js';
import { analyzeWal, type WalAnalysis } from './recovery.js';
import { encodeMarker } from './replay.js';
import {
  SEGMENT_HEADER_BYTES, SEGMENT_TMP_SUFFIX, segmentName, writeSegmentHeader,
} from './segment.js';

export interface RecoveryReport {
  outcome: 'clean' | 'torn-tail-truncated';
  /** Where the torn tail was cut, and how many (non-zero) bytes were zeroed. */
  truncated: { file: string; offset: number; droppedBytes: number } | null;
  segmentCount: number;
  recordCount: number;
  /** `*.wal.tmp` files left by a crash during segment creation, now deleted. */
  removedTmpFiles: string[];
}

export interface Recovered {
  hardState: HardState;
  snapshot: SnapshotMetadata | null;
  /** Entries after the snapshot, contiguous, conflicts resolved. */
  entries: Entry[];
  report: RecoveryReport;
}

interface LiveSegment {
  seq: number;
  firstIndex: number;
  file: string;
  /** Bytes of header and records written (where the next record goes, for the last one). */
  usedBytes: number;
}

interface PendingRecord {
  type: RecordType;
  payload: Uint8Array;
  /** For Entry records: the entry's index (rotation names the next segment by it). */
  entryIndex: number;
}

export class Wal {
  /** Number of fdatasync/fsync calls on segments (group commits, rotations). */
  syncCount = 0;
  private readonly segments: LiveSegment[] = [];
  private file: FileHandle | null = null;
  /** Capacity of the current (last) segment: its preallocated size, grown on demand. */
  private capacityBytes = 0;
  /** Where the current segment rotates: segmentSizeBytesMax, or its size if larger. */
  private limitBytes = 0;
  /** crc of the last record written: the seed of the next one. */
  private lastCrc = 0;
  /** Index of the last entry (or of the snapshot, if that is later). */
  private lastIndexValue = 0;
  private hardStateValue: HardState = { term: 0, vote: 0, commit: 0 };
  private snapshotValue: SnapshotMetadata | null = null;
  private failure: unknown = null;
  private closed = false;

  private constructor(
    private readonly fs: FileSystem,
    readonly dir: string,
    private readonly options: ResolvedWalOptions,
  ) {}

  /**
   * Opens the WAL in `dir` (creating the directory and the first segment if there is none),
   * recovers its state, and truncates a torn tail. Throws WalCorruptionError on corruption.
   */
  static open(
    fs: FileSystem,
    dir: string,
    options?: WalOptions,
  ): { wal: Wal; recovered: Recovered } {
    const resolved = resolveWalOptions(options);
    ensureDir(fs, dir);
    const removedTmpFiles = removeTmpFiles(fs, dir);
    const analysis = analyzeWal(fs, dir, { recordBytesMax: resolved.segmentSizeBytesMax });
    const wal = new Wal(fs, dir, resolved);
    if (analysis.segments.length === 0) {
      wal.createSegment(1, 1, 0);
      const report: RecoveryReport = {
        outcome: 'clean', truncated: null, segmentCount: 1, recordCount: 0, removedTmpFiles,
      };
      return { wal, recovered: { hardState: wal.hardState, snapshot: null, entries: [], report } };
    }
    const corrupt = analysis.problems.find((p) => p.outcome === 'corrupt');
    if (corrupt !== undefined) throw new WalCorruptionError({ ...corrupt, dir });
    const truncated = wal.truncateTornTail(analysis);
    wal.resume(analysis);
    const report: RecoveryReport = {
      outcome: truncated === null ? 'clean' : 'torn-tail-truncated',
      truncated,
      segmentCount: analysis.segments.length,
      recordCount: analysis.recordCount,
      removedTmpFiles,
    };
    const recovered: Recovered = {
      hardState: analysis.hardState, snapshot: analysis.snapshot, entries: analysis.entries, report,
    };
    return { wal, recovered };
  }

  /** Creates a new WAL in `dir`; fails if `dir` already holds segments. */
  static create(fs: FileSystem, dir: string, options?: WalOptions): Wal {
    if (fs.exists(dir)) {
      const existing = fs.readdir(dir).filter((n) => n.endsWith('.wal'));
      if (existing.length > 0) {
        throw new Error(`Wal.create: ${dir} already holds a WAL (${existing[0]}); use Wal.open`);
      }
    }
    return Wal.open(fs, dir, options).wal;
  }

  get sizeBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.usedBytes, 0);
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  get lastIndex(): number {
    return this.lastIndexValue;
  }

  get hardState(): HardState {
    return { ...this.hardStateValue };
  }

  get snapshot(): SnapshotMetadata | null {
    return this.snapshotValue;
  }

  /** Names of the live segment files, oldest first (for tests and inspect). */
  segmentFiles(): string[] {
    return this.segments.map((s) => s.file);
  }

  /**
   * Appends `entries` (contiguous; the first at most lastIndex + 1, which truncates the
   * suffix from there) and then `hardState` if given, with one fdatasync. When it returns,
   * everything is durable.
   */
  save(hardState: HardState | null, entries: readonly Entry[]): void {
    this.checkUsable();
    if (hardState === null && entries.length === 0) return;
    this.checkEntries(entries);
    const records: PendingRecord[] = entries.map((e) => ({
      type: RecordType.Entry, payload: encodeEntry(e), entryIndex: e.index,
    }));
    if (hardState !== null) {
      records.push(
        { type: RecordType.HardState, payload: encodeHardState(hardState), entryIndex: 0 });
    }
    this.checkRecordSizes(records);
    this.appendRecords(records);
    this.syncCurrent();
    if (hardState !== null) this.hardStateValue = { ...hardState };
    const last = entries[entries.length - 1];
    if (last !== undefined) this.lastIndexValue = last.index;
  }

  /**
   * Records that a snapshot at `meta` is durable (its file is written and synced first).
   * `replacesLog`: the snapshot came from the leader and replaces the whole log (Raft's
   * restore): entries above its index are dropped too, at once and at replay. Without it
   * (the node's own snapshot) entries above the index stay.
   */
  saveSnapshot(meta: SnapshotMetadata, options: { replacesLog?: boolean } = {}): void {
    this.checkUsable();
    assert(Number.isSafeInteger(meta.index) && meta.index >= 0, 'saveSnapshot: bad index');
    const previous = this.snapshotValue?.index ?? 0;
    assert(meta.index >= previous, `saveSnapshot: index ${meta.index} below ${previous}`);
    const replacesLog = options.replacesLog ?? false;
    const record = {
      type: RecordType.SnapshotMarker, payload: encodeMarker(meta, replacesLog), entryIndex: 0,
    };
    this.checkRecordSizes([record]);
    this.appendRecords([record]);
    this.syncCurrent();
    this.snapshotValue = meta;
    this.lastIndexValue = replacesLog ? meta.index : Math.max(this.lastIndexValue, meta.index);
  }

  /**
   * Deletes segments that hold only entries at or below `index` (never the last segment),
   * then fsyncs the directory. `index` must not exceed the latest snapshot marker's.
   * Returns how many segments were deleted.
   */
  releaseTo(index: number): number {
    this.checkUsable();
    const snapshotIndex = this.snapshotValue?.index ?? 0;
    assert(index <= snapshotIndex, `releaseTo(${index}) above the snapshot index ${snapshotIndex}`);
    let removedCount = 0;
    // Segment k's live entries are all below segment k+1's firstIndex (the index expected
    // next when k+1 was created), so k goes when k+1's firstIndex <= index + 1.
    while (this.segments.length > 1 && this.segments[1]!.firstIndex <= index + 1) {
      const segment = this.segments.shift()!;
      this.guard(() => this.fs.unlink(segment.file), 'unlink', segment.file, 0);
      removedCount += 1;
    }
    if (removedCount > 0) this.guardSync(() => this.fs.fsyncDir(this.dir));
    return removedCount;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.file !== null) {
      try {
        this.fs.close(this.file);
      } catch (error) {
        if (this.failure === null) throw error;
      }
      this.file = null;
    }
  }

  // ---- writing ----------------------------------------------------------------------------

  private checkEntries(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const snapshotIndex = this.snapshotValue?.index ?? 0;
    assert(first.index > snapshotIndex, `save: entry ${first.index} at or below the snapshot`);
    assert(first.index <= this.lastIndexValue + 1,
      `save: entry ${first.index} leaves a gap after lastIndex ${this.lastIndexValue}`);
    for (let i = 1; i < entries.length; i++) {
      assert(entries[i]!.index === entries[i - 1]!.index + 1, 'save: entries not contiguous');
    }
  }

  private checkRecordSizes(records: readonly PendingRecord[]): void {
    for (const record of records) {
      const bytes = recordBytes(record.payload.length);
      if (bytes > this.options.recordBytesMax) {
        throw new WalRecordTooLargeError(bytes, this.options.recordBytesMax);
      }
    }
  }

  /** Writes records into the current segment, rotating when one does not fit. */
  private appendRecords(records: readonly PendingRecord[]): void {
    let next = 0;
    let lastIndexSoFar = this.lastIndexValue;
    while (next < records.length) {
      const segment = this.segments[this.segments.length - 1]!;
      let fitBytes = 0;
      let end = next;
      while (end < records.length) {
        const bytes = recordBytes(records[end]!.payload.length);
        if (segment.usedBytes + fitBytes + bytes > this.limitBytes) break;
        fitBytes += bytes;
        end += 1;
      }
      if (end > next) {
        this.ensureCapacity(segment, segment.usedBytes + fitBytes);
        this.writeChunk(segment, records.slice(next, end), fitBytes);
        for (let i = next; i < end; i++) {
          if (records[i]!.type === RecordType.Entry) lastIndexSoFar = records[i]!.entryIndex;
        }
        next = end;
      }
      if (next < records.length) {
        // The rest goes to a new segment; this one must be durable before that one exists.
        this.syncCurrent();
        this.createSegment(segment.seq + 1, lastIndexSoFar + 1, this.lastCrc);
      }
    }
  }

  /**
   * Grows the current segment's zero fill (doubling, up to its rotation limit) so `endBytes`
   * fit. The batch's fdatasync that follows makes the new size durable with the records.
   */
  private ensureCapacity(segment: LiveSegment, endBytes: number): void {
    if (endBytes <= this.capacityBytes) return;
    let capacityBytes = this.capacityBytes;
    while (capacityBytes < endBytes) capacityBytes *= 2;
    capacityBytes = Math.min(capacityBytes, this.limitBytes);
    assert(capacityBytes >= endBytes, 'ensureCapacity: records beyond the rotation limit');
    const file = this.file!;
    this.guard(() => this.fs.preallocate(file, capacityBytes), 'preallocate', segment.file,
      this.capacityBytes);
    this.capacityBytes = capacityBytes;
  }

  private writeChunk(
    segment: LiveSegment, records: readonly PendingRecord[], totalBytes: number): void {
    const buffer = new Uint8Array(totalBytes);
    let offset = 0;
    let crc = this.lastCrc;
    for (const record of records) {
      crc = writeRecord(buffer, offset, record.type, record.payload, crc);
      offset += recordBytes(record.payload.length);
    }
    assert(offset === totalBytes, 'writeChunk: sized exactly');
    const file = this.file!;
    this.guard(() => this.fs.pwrite(file, buffer, segment.usedBytes), 'pwrite', segment.file,
      segment.usedBytes);
    segment.usedBytes += totalBytes;
    this.lastCrc = crc;
  }

  private syncCurrent(): void {
    const file = this.file;
    assert(file !== null, 'Wal: no current segment');
    this.guardSync(() => this.fs.fdatasync(file));
    this.syncCount += 1;
  }

  /**
   * Creates segment `seq` through a tmp file: preallocate (segmentPreallocateBytes), write header +
   * HardState + latest
   * snapshot marker, fsync, rename, fsync the directory. Makes it the current segment.
   */
  private createSegment(seq: number, firstIndex: number, prevCrc: number): void {
    const name = segmentName(seq, firstIndex);
    const file = joinPath(this.dir, name);
    const tmp = `${joinPath(this.dir, name.slice(0, -'.wal'.length))}${SEGMENT_TMP_SUFFIX}`;
    const prefix = this.segmentPrefix({ seq, firstIndex, prevCrc });
    const handle = this.guard(() => this.fs.create(tmp), 'create', tmp, 0);
    const capacityBytes = preallocatedBytes(this.options, prefix.bytes.length);
    try {
      this.guard(() => this.fs.preallocate(handle, capacityBytes), 'preallocate', tmp, 0);
      this.guard(() => this.fs.pwrite(handle, prefix.bytes, 0), 'pwrite', tmp, 0);
      this.guardSync(() => this.fs.fsync(handle));
      this.syncCount += 1;
    } finally {
      this.fs.close(handle);
    }
    this.guard(() => this.fs.rename(tmp, file), 'rename', file, 0);
    this.guardSync(() => this.fs.fsyncDir(this.dir));
    if (this.file !== null) this.fs.close(this.file);
    this.file = this.guard(() => this.fs.open(file), 'open', file, 0);
    this.capacityBytes = capacityBytes;
    this.limitBytes = this.options.segmentSizeBytesMax;
    this.segments.push({ seq, firstIndex, file, usedBytes: prefix.bytes.length });
    this.lastCrc = prefix.lastCrc;
  }

  private segmentPrefix(header: { seq: number; firstIndex: number; prevCrc: number }): {
    bytes: Uint8Array;
    lastCrc: number;
  } {
    const payloads: Array<[RecordType, Uint8Array]> = [
      [RecordType.HardState, encodeHardState(this.hardStateValue)],
    ];
    if (this.snapshotValue !== null) {
      // A repeat: the entries before it already agree with it, so it never replaces the log.
      payloads.push([RecordType.SnapshotMarker, encodeMarker(this.snapshotValue, false)]);
    }
    const totalBytes =
      payloads.reduce((sum, [, p]) => sum + recordBytes(p.length), SEGMENT_HEADER_BYTES);
    assert(totalBytes + this.options.recordBytesMax <= this.options.segmentSizeBytesMax,
      'segment prefix plus the largest record must fit a segment');
    const bytes = new Uint8Array(totalBytes);
    let crc = writeSegmentHeader(bytes, header);
    let offset = SEGMENT_HEADER_BYTES;
    for (const [type, payload] of payloads) {
      crc = writeRecord(bytes, offset, type, payload, crc);
      offset += recordBytes(payload.length);
    }
    return { bytes, lastCrc: crc };
  }

  // ---- recovery ---------------------------------------------------------------------------

  /** Zeroes a torn tail of the last segment (and syncs it); returns what was cut. */
  private truncateTornTail(analysis: WalAnalysis): RecoveryReport['truncated'] {
    const torn = analysis.problems.find((p) => p.outcome === 'torn-tail');
    if (torn === undefined) return null;
    const lastSegment = analysis.segments[analysis.segments.length - 1]!;
    assert(torn.file === lastSegment.file, 'a torn tail is only ever in the last segment');
    const droppedBytes = Math.max(0, torn.dirtyEndOffset - torn.offset);
    const handle = this.fs.open(torn.file);
    try {
      if (droppedBytes > 0) this.fs.pwrite(handle, new Uint8Array(droppedBytes), torn.offset);
      this.fs.fdatasync(handle);
    } finally {
      this.fs.close(handle);
    }
    return { file: torn.file, offset: torn.offset, droppedBytes };
  }

  /** Adopts the recovered state and opens the last segment for appending. */
  private resume(analysis: WalAnalysis): void {
    for (const s of analysis.segments) {
      this.segments.push(
        { seq: s.seq, firstIndex: s.firstIndex, file: s.file, usedBytes: s.endOffset });
    }
    const last = analysis.segments[analysis.segments.length - 1]!;
    this.hardStateValue = { ...analysis.hardState };
    this.snapshotValue = analysis.snapshot;
    const lastEntry = analysis.entries[analysis.entries.length - 1];
    this.lastIndexValue = lastEntry?.index ?? analysis.snapshot?.index ?? 0;
    this.lastCrc = last.lastCrc;
    this.file = this.fs.open(last.file);
    const sizeBytes = this.fs.size(this.file);
    this.limitBytes = Math.max(sizeBytes, this.options.segmentSizeBytesMax);
    this.capacityBytes = Math.max(sizeBytes, preallocatedBytes(this.options, last.endOffset));
    if (sizeBytes < this.capacityBytes) {
      // A cut or shorter file: restore the zero fill so fdatasyncs stay cheap.
      this.fs.preallocate(this.file, this.capacityBytes);
      this.fs.fsync(this.file);
    }
  }

  // ---- failure handling -------------------------------------------------------------------

  private checkUsable(): void {
    assert(!this.closed, 'Wal: used after close()');
    if (this.failure !== null) throw new WalFailedError(this.dir, this.failure);
  }

  /** Runs a write-side call; a failure fail-stops the WAL and becomes a WalWriteError. */
  private guard<T>(call: () => T, syscall: string, file: string, offset: number): T {
    try {
      return call();
    } catch (error) {
      const code = errorCode(error);
      const failure = new WalWriteError(file, offset, code, syscall, error);
      this.failure = failure;
      throw failure;
    }
  }

  /** Runs an fsync-family call; a failure fail-stops the WAL for good (never retried). */
  private guardSync(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.failure = error;
      throw new WalFailedError(this.dir, error);
    }
  }
}

/** A fresh segment's size: segmentPreallocateBytes, doubled until `usedBytes` fit. */
function preallocatedBytes(options: ResolvedWalOptions, usedBytes: number): number {
  let bytes = options.segmentPreallocateBytes;
  while (bytes < usedBytes) bytes *= 2;
  return Math.min(bytes, options.segmentSizeBytesMax);
}

function ensureDir(fs: FileSystem, dir: string): void {
  if (fs.exists(dir)) return;
  fs.mkdir(dir);
  // The new directory's own entry lives in its parent: make it durable too.
  const parent = joinPath(dir, '..');
  fs.fsyncDir(parent);
}

function removeTmpFiles(fs: FileSystem, dir: string): string[] {
  const tmpFiles = fs.readdir(dir).filter((n) => n.endsWith(SEGMENT_TMP_SUFFIX));
  for (const name of tmpFiles) fs.unlink(joinPath(dir, name));
  if (tmpFiles.length > 0) fs.fsyncDir(dir);
  return tmpFiles.map((n) => joinPath(dir, n));
}

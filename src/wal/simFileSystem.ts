/**
 * An in-memory FileSystem with crash semantics, for tests and the deterministic simulation.
 *
 * Model (close to what Linux + ext4 guarantee, minus reordering across files):
 * - Every file (inode) has what the page cache shows (`data`) and what is on the platter
 *   (`durable`). Writes, truncates and preallocations change `data` at once and queue as
 *   pending operations; fdatasync/fsync apply the pending operations to `durable`.
 * - Directory entries (create, rename, unlink) are visible at once and durable only after
 *   fsyncDir of their directory. mkdir is durable at once (a simplification).
 * - `crash(mode)` throws away the page cache: each file becomes its durable content plus,
 *   depending on the mode, a random prefix of its pending operations (a torn write keeps only
 *   part of the last one, and may leave garbage or zeros in the rest of its range). Every
 *   directory reverts to its durable entries; open handles die.
 * - A failed fsync (injected) drops the file's pending operations for good while the page
 *   cache still shows them, as Linux does after a writeback error: a retried fsync succeeds
 *   and yet the data never reaches the disk. That is why the WAL never retries an fsync.
 *
 * Randomness comes only from the `random` function given at construction, so a seed replays.
 */
import { assert } from '../codec/assert.js';
import { FaultPlan, type FaultOptions, type WriteFaultOptions } from './faults.js';
import { FsError, type FileHandle, type FileSystem } from './fs.js';
import * as path from 'node:path';
import { seededRandom } from '../raft/prng.js';

export type CrashMode = 'lose' | 'torn' | 'garbage' | 'random';

type PendingOp =
  | { kind: 'write'; position: number; bytes: Uint8Array }
  | { kind: 'truncate'; lengthBytes: number };

class Inode {
  data = new Uint8Array(0);
  sizeBytes = 0;
  durable = new Uint8Array(0);
  durableSizeBytes = 0;
  pending: PendingOp[] = [];
}

interface Dir {
  entries: Map<string, Inode>;
  durableEntries: Map<string, Inode>;
}

class SimFileHandle implements FileHandle {
  open = true;
  constructor(
    readonly path: string,
    readonly inode: Inode,
    readonly generation: number,
  ) {}
}


export interface SimFileSystemOptions {
  /** Uniform in [0, 1). Takes precedence over `seed`. */
  random?: () => number;
  seed?: number;
}

export class SimFileSystem implements FileSystem {
  readonly faults = new FaultPlan();
  private readonly random: () => number;
  private readonly dirs = new Map<string, Dir>();
  /** Bumped by crash(): handles from before a crash belong to a dead process. */
  private generation = 0;
  /** Counters for tests and the simulation's statistics. */
  syncCount = 0;
  crashCount = 0;

  constructor(options: SimFileSystemOptions = {}) {
    this.random = options.random ?? seededRandom(options.seed ?? 1);
    this.dirs.set('/', { entries: new Map(), durableEntries: new Map() });
  }

  // ---- FileSystem -------------------------------------------------------------------------

  open(filePath: string): FileHandle {
    const inode = this.lookup(filePath, 'open');
    return new SimFileHandle(filePath, inode, this.generation);
  }

  create(filePath: string): FileHandle {
    const { dir, name } = this.parent(filePath, 'create');
    if (dir.entries.has(name) || this.dirs.has(norm(filePath))) {
      throw new FsError('EEXIST', 'create', filePath);
    }
    const inode = new Inode();
    dir.entries.set(name, inode);
    return new SimFileHandle(filePath, inode, this.generation);
  }

  pwrite(file: FileHandle, data: Uint8Array, position: number): void {
    const handle = this.live(file, 'pwrite');
    assert(Number.isSafeInteger(position) && position >= 0, 'SimFileSystem: bad position');
    const fault = this.faults.takeWriteFault(file.path);
    if (fault !== null) {
      const partialBytes = Math.floor(data.length * fault.partialFraction);
      if (partialBytes > 0) this.applyWrite(handle.inode, data.subarray(0, partialBytes), position);
      throw new FsError(fault.code, 'pwrite', file.path, `at offset ${position}`);
    }
    this.applyWrite(handle.inode, data, position);
  }

  pread(file: FileHandle, into: Uint8Array, position: number): number {
    const { inode } = this.live(file, 'pread');
    if (position >= inode.sizeBytes) return 0;
    const readBytes = Math.min(into.length, inode.sizeBytes - position);
    into.set(inode.data.subarray(position, position + readBytes));
    return readBytes;
  }

  size(file: FileHandle): number {
    return this.live(file, 'size').inode.sizeBytes;
  }

  fdatasync(file: FileHandle): void {
    this.sync(file, 'fdatasync');
  }

  fsync(file: FileHandle): void {
    this.sync(file, 'fsync');
  }

  truncate(file: FileHandle, lengthBytes: number): void {
    const { inode } = this.live(file, 'truncate');
    setLength(inode, lengthBytes);
    inode.pending.push({ kind: 'truncate', lengthBytes });
  }

  close(file: FileHandle): void {
    const handle = this.live(file, 'close');
    handle.open = false;
  }

  preallocate(file: FileHandle, lengthBytes: number): void {
    const { inode } = this.live(file, 'preallocate');
    if (inode.sizeBytes >= lengthBytes) return;
    const fault = this.faults.takeWriteFault(file.path);
    if (fault !== null) throw new FsError(fault.code, 'preallocate', file.path);
    this.truncate(file, lengthBytes);
  }

  readdir(dirPath: string): string[] {
    const dir = this.dirs.get(norm(dirPath));
    if (dir === undefined) throw new FsError('ENOENT', 'readdir', dirPath);
    const names = [...dir.entries.keys()];
    for (const other of this.dirs.keys()) {
      if (other !== '/' && path.posix.dirname(other) === norm(dirPath)) {
        names.push(path.posix.basename(other));
      }
    }
    return names.sort();
  }

  mkdir(dirPath: string): void {
    let current = norm(dirPath);
    const chain: string[] = [];
    while (!this.dirs.has(current)) {
      chain.push(current);
      current = path.posix.dirname(current);
    }
    for (const each of chain.reverse()) {
      this.dirs.set(each, { entries: new Map(), durableEntries: new Map() });
    }
  }

  unlink(filePath: string): void {
    const { dir, name } = this.parent(filePath, 'unlink');
    if (!dir.entries.delete(name)) throw new FsError('ENOENT', 'unlink', filePath);
  }

  rename(from: string, to: string): void {
    const source = this.parent(from, 'rename');
    const inode = source.dir.entries.get(source.name);
    if (inode === undefined) throw new FsError('ENOENT', 'rename', from);
    const target = this.parent(to, 'rename');
    source.dir.entries.delete(source.name);
    target.dir.entries.set(target.name, inode);
  }

  fsyncDir(dirPath: string): void {
    const dir = this.dirs.get(norm(dirPath));
    if (dir === undefined) throw new FsError('ENOENT', 'fsyncDir', dirPath);
    const code = this.faults.takeSyncFault(dirPath);
    if (code !== null) throw new FsError(code, 'fsyncDir', dirPath);
    this.syncCount += 1;
    dir.durableEntries = new Map(dir.entries);
  }

  exists(filePath: string): boolean {
    const p = norm(filePath);
    if (this.dirs.has(p)) return true;
    const dir = this.dirs.get(path.posix.dirname(p));
    return dir !== undefined && dir.entries.has(path.posix.basename(p));
  }

  // ---- crash and media faults -------------------------------------------------------------

  /** Arms an fsync/fdatasync/fsyncDir failure (code EIO). */
  failSync(options: FaultOptions = {}): void {
    this.faults.failSync(options);
  }

  /** Arms a write failure (EIO or ENOSPC), optionally after writing part of the data. */
  failWrite(code: 'EIO' | 'ENOSPC', options: WriteFaultOptions = {}): void {
    this.faults.failWrite(code, options);
  }

  /** Flips one bit on the medium: both the page cache and the durable copy change. */
  flipBit(filePath: string, offset: number, bit = 0): void {
    const inode = this.lookup(filePath, 'flipBit');
    assert(offset >= 0 && offset < inode.sizeBytes, `flipBit: offset ${offset} out of range`);
    assert(bit >= 0 && bit < 8, 'flipBit: bit must be 0..7');
    inode.data[offset]! ^= 1 << bit;
    if (offset < inode.durableSizeBytes) inode.durable[offset]! ^= 1 << bit;
  }

  /** The bytes of a file as the page cache shows them (a copy). */
  readFile(filePath: string): Uint8Array {
    const inode = this.lookup(filePath, 'readFile');
    return inode.data.slice(0, inode.sizeBytes);
  }

  /** Bytes of a file that would be lost by a crash in 'lose' mode (pending operations). */
  unsyncedOpCount(filePath: string): number {
    return this.lookup(filePath, 'unsyncedOpCount').pending.length;
  }

  /**
   * Simulates power loss: unsynced data and directory entries are lost (see the file comment
   * for the modes). Every handle opened before the crash is dead afterwards.
   */
  crash(mode: CrashMode = 'random'): void {
    this.crashCount += 1;
    this.generation += 1;
    this.faults.clear();
    const inodes = new Set<Inode>();
    for (const dir of this.dirs.values()) {
      dir.entries = new Map(dir.durableEntries);
      for (const inode of dir.entries.values()) inodes.add(inode);
    }
    for (const inode of inodes) this.crashInode(inode, mode);
  }

  // ---- internals --------------------------------------------------------------------------

  private crashInode(inode: Inode, mode: CrashMode): void {
    const chosen = mode === 'random' ? (['lose', 'torn', 'garbage'] as const)[this.int(3)]! : mode;
    const ops = inode.pending;
    inode.pending = [];
    inode.data = inode.durable.slice(0, inode.durableSizeBytes);
    inode.sizeBytes = inode.durableSizeBytes;
    if (chosen !== 'lose' && ops.length > 0) {
      const keptCount = this.int(ops.length + 1);
      for (const op of ops.slice(0, keptCount)) applyOp(inode, op);
      const torn = ops[keptCount];
      if (torn !== undefined && torn.kind === 'write') this.applyTorn(inode, torn, chosen);
    }
    inode.durable = inode.data.slice(0, inode.sizeBytes);
    inode.durableSizeBytes = inode.sizeBytes;
  }

  private applyTorn(
    inode: Inode,
    op: { position: number; bytes: Uint8Array },
    mode: 'torn' | 'garbage',
  ): void {
    const keptBytes = this.int(op.bytes.length + 1);
    const bytes = op.bytes.slice();
    if (mode === 'garbage') {
      const zeros = this.random() < 0.5;
      for (let i = keptBytes; i < bytes.length; i++) {
        bytes[i] = zeros ? 0 : this.int(256);
      }
      applyOp(inode, { kind: 'write', position: op.position, bytes });
    } else if (keptBytes > 0) {
      applyOp(inode, { kind: 'write', position: op.position, bytes: bytes.subarray(0, keptBytes) });
    }
  }

  private sync(file: FileHandle, syscall: string): void {
    const { inode } = this.live(file, syscall);
    const code = this.faults.takeSyncFault(file.path);
    if (code !== null) {
      // Writeback failed: the dirty pages are dropped (marked clean) and never reach the disk.
      inode.pending = [];
      throw new FsError(code, syscall, file.path);
    }
    this.syncCount += 1;
    const durable = { data: inode.durable, sizeBytes: inode.durableSizeBytes };
    const view = { data: inode.data, sizeBytes: inode.sizeBytes };
    // Replay pending operations onto the durable copy.
    inode.data = durable.data;
    inode.sizeBytes = durable.sizeBytes;
    for (const op of inode.pending) applyOp(inode, op);
    inode.durable = inode.data;
    inode.durableSizeBytes = inode.sizeBytes;
    inode.data = view.data;
    inode.sizeBytes = view.sizeBytes;
    inode.pending = [];
  }

  private applyWrite(inode: Inode, data: Uint8Array, position: number): void {
    const op: PendingOp = { kind: 'write', position, bytes: data.slice() };
    applyOp(inode, op);
    inode.pending.push(op);
  }

  private int(n: number): number {
    return Math.min(n - 1, Math.floor(this.random() * n));
  }

  private live(file: FileHandle, syscall: string): SimFileHandle {
    assert(file instanceof SimFileHandle, 'SimFileSystem: handle from another file system');
    if (!file.open || file.generation !== this.generation) {
      throw new FsError('EBADF', syscall, file.path, 'handle closed or opened before a crash');
    }
    return file;
  }

  private parent(filePath: string, syscall: string): { dir: Dir; name: string } {
    const p = norm(filePath);
    const dir = this.dirs.get(path.posix.dirname(p));
    if (dir === undefined) throw new FsError('ENOENT', syscall, filePath, 'no such directory');
    return { dir, name: path.posix.basename(p) };
  }

  private lookup(filePath: string, syscall: string): Inode {
    const { dir, name } = this.parent(filePath, syscall);
    const inode = dir.entries.get(name);
    if (inode === undefined) throw new FsError('ENOENT', syscall, filePath);
    return inode;
  }
}

function norm(p: string): string {
  return path.posix.resolve('/', p);
}

/** Applies one operation to `inode.data` (the durable copy is swapped in by sync()). */
function applyOp(inode: Inode, op: PendingOp): void {
  if (op.kind === 'truncate') {
    setLength(inode, op.lengthBytes);
    return;
  }
  const endBytes = op.position + op.bytes.length;
  if (endBytes > inode.sizeBytes) setLength(inode, endBytes);
  inode.data.set(op.bytes, op.position);
}

function setLength(inode: Inode, lengthBytes: number): void {
  assert(Number.isSafeInteger(lengthBytes) && lengthBytes >= 0, 'SimFileSystem: bad length');
  if (lengthBytes > inode.data.length) {
    const grown = new Uint8Array(Math.max(lengthBytes, inode.data.length * 2));
    grown.set(inode.data.subarray(0, inode.sizeBytes));
    inode.data = grown;
  } else if (lengthBytes < inode.sizeBytes) {
    inode.data.fill(0, lengthBytes, inode.sizeBytes);
  }
  inode.sizeBytes = lengthBytes;
}

/**
 * The file-system interface every byte of the WAL and of src/storage goes through.
 *
 * Synchronous on purpose: each node runs in its own worker thread whose Ready loop blocks on
 * the fdatasync; requests that arrive meanwhile queue in the event loop and collapse into the
 * next Ready, which is exactly group commit. Synchronous calls also keep the deterministic
 * simulation (SimFileSystem) free of interleavings.
 *
 * Errors: implementations throw `FsError` (or Node's own errors, which carry the same `code`
 * field: 'EIO', 'ENOSPC', 'ENOENT', ...). Callers read `code`, never the message.
 */
import * as nodeFs from 'node:fs';
import * as path from 'node:path';
import { assert } from '../codec/assert.js';

/** An open file. Opaque to callers except for the path it was opened with. */
export interface FileHandle {
  readonly path: string;
}

export interface FileSystem {
  /** Opens an existing file for reading and writing. Throws code 'ENOENT' if missing. */
  open(filePath: string): FileHandle;
  /** Creates a new empty file (fails with 'EEXIST' if it exists) open for read and write. */
  create(filePath: string): FileHandle;
  /** Writes all of `data` at `position`; a short write is an error. */
  pwrite(file: FileHandle, data: Uint8Array, position: number): void;
  /** Reads up to `into.length` bytes at `position`; returns how many were read (0 at EOF). */
  pread(file: FileHandle, into: Uint8Array, position: number): number;
  /** Current size of the file in bytes (including unsynced writes). */
  size(file: FileHandle): number;
  /** Makes the file's data (and the metadata needed to read it back) durable. */
  fdatasync(file: FileHandle): void;
  /** Makes the file's data and all its metadata durable. */
  fsync(file: FileHandle): void;
  /** Sets the file's length: cuts it, or extends it with zeros. */
  truncate(file: FileHandle, lengthBytes: number): void;
  close(file: FileHandle): void;
  /**
   * Grows the file to `lengthBytes` by WRITING zeros from its current end (never shrinks).
   * Node has no fallocate(2); writing zeros really allocates the blocks, so later fdatasyncs
   * in the preallocated range do not have to journal block allocation or a size change.
   * Callers fsync afterwards.
   */
  preallocate(file: FileHandle, lengthBytes: number): void;
  /** Names in a directory, sorted (byte order). Throws 'ENOENT' if it does not exist. */
  readdir(dirPath: string): string[];
  /** Creates a directory and its parents; no error if it exists. */
  mkdir(dirPath: string): void;
  unlink(filePath: string): void;
  /** Atomically replaces `to` with `from` (POSIX rename). */
  rename(from: string, to: string): void;
  /** Makes the directory's entries (creates, renames, unlinks) durable. */
  fsyncDir(dirPath: string): void;
  exists(filePath: string): boolean;
}

/** A file-system error with a POSIX code, thrown by SimFileSystem and FaultyFileSystem. */
export class FsError extends Error {
  override name = 'FsError';
  readonly code: string;
  readonly syscall: string;
  readonly path: string;

  constructor(code: string, syscall: string, filePath: string, detail = '') {
    super(`${code}: ${syscall} ${filePath}${detail === '' ? '' : ` (${detail})`}`);
    this.code = code;
    this.syscall = syscall;
    this.path = filePath;
  }
}

/** The POSIX code of an error thrown by a FileSystem ('EIO' when it has none). */
export function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return 'EIO';
}

const zeroChunkBytes = 1024 * 1024;

class NodeFileHandle implements FileHandle {
  constructor(
    readonly path: string,
    readonly fd: number,
  ) {}
}

function fdOf(file: FileHandle): number {
  assert(file instanceof NodeFileHandle, 'NodeFileSystem: handle from another file system');
  return file.fd;
}

/** The real file system (node:fs, synchronous calls). */
/** Creates `file` holding exactly `bytes` and fsyncs it (the caller fsyncs the directory). */
export function writeFileDurably(fs: FileSystem, file: string, bytes: Uint8Array): void {
  const handle = fs.create(file);
  try {
    fs.pwrite(handle, bytes, 0);
    fs.fsync(handle);
  } finally {
    fs.close(handle);
  }
}

export class NodeFileSystem implements FileSystem {
  open(filePath: string): FileHandle {
    return new NodeFileHandle(filePath, nodeFs.openSync(filePath, 'r+'));
  }

  create(filePath: string): FileHandle {
    return new NodeFileHandle(filePath, nodeFs.openSync(filePath, 'wx+'));
  }

  pwrite(file: FileHandle, data: Uint8Array, position: number): void {
    const fd = fdOf(file);
    let doneBytes = 0;
    // writeSync may write less than asked (rare on regular files); loop until all is written.
    while (doneBytes < data.length) {
      const wroteBytes = nodeFs.writeSync(
        fd, data, doneBytes, data.length - doneBytes, position + doneBytes,
      );
      assert(wroteBytes > 0, 'NodeFileSystem.pwrite: writeSync wrote 0 bytes');
      doneBytes += wroteBytes;
    }
  }

  pread(file: FileHandle, into: Uint8Array, position: number): number {
    const fd = fdOf(file);
    let doneBytes = 0;
    while (doneBytes < into.length) {
      const readBytes = nodeFs.readSync(
        fd, into, doneBytes, into.length - doneBytes, position + doneBytes,
      );
      if (readBytes === 0) break;
      doneBytes += readBytes;
    }
    return doneBytes;
  }

  size(file: FileHandle): number {
    return nodeFs.fstatSync(fdOf(file)).size;
  }

  fdatasync(file: FileHandle): void {
    nodeFs.fdatasyncSync(fdOf(file));
  }

  fsync(file: FileHandle): void {
    nodeFs.fsyncSync(fdOf(file));
  }

  truncate(file: FileHandle, lengthBytes: number): void {
    nodeFs.ftruncateSync(fdOf(file), lengthBytes);
  }

  close(file: FileHandle): void {
    nodeFs.closeSync(fdOf(file));
  }

  preallocate(file: FileHandle, lengthBytes: number): void {
    let sizeBytes = this.size(file);
    if (sizeBytes >= lengthBytes) return;
    const zeros = new Uint8Array(Math.min(zeroChunkBytes, lengthBytes - sizeBytes));
    while (sizeBytes < lengthBytes) {
      const chunkBytes = Math.min(zeros.length, lengthBytes - sizeBytes);
      this.pwrite(file, zeros.subarray(0, chunkBytes), sizeBytes);
      sizeBytes += chunkBytes;
    }
  }

  readdir(dirPath: string): string[] {
    return nodeFs.readdirSync(dirPath).sort();
  }

  mkdir(dirPath: string): void {
    nodeFs.mkdirSync(dirPath, { recursive: true });
  }

  unlink(filePath: string): void {
    nodeFs.unlinkSync(filePath);
  }

  rename(from: string, to: string): void {
    nodeFs.renameSync(from, to);
  }

  fsyncDir(dirPath: string): void {
    const fd = nodeFs.openSync(dirPath, 'r');
    try {
      nodeFs.fsyncSync(fd);
    } finally {
      nodeFs.closeSync(fd);
    }
  }

  exists(filePath: string): boolean {
    return nodeFs.existsSync(filePath);
  }
}

/** `path.join` re-exported so callers of this module need not import node:path for names. */
export const joinPath = path.join;

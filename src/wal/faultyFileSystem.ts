/**
 * A FileSystem wrapper that injects faults into a real one (usually NodeFileSystem), for tests
 * on a real disk: failing fsyncs, failing or partial writes (EIO, ENOSPC), and bit flips.
 * Unlike SimFileSystem it cannot lose unsynced data (the kernel keeps it); crash semantics are
 * SimFileSystem's job.
 */
import { assert } from '../codec/assert.js';
import { FaultPlan, type FaultOptions, type WriteFaultOptions } from './faults.js';
import { FsError, type FileHandle, type FileSystem } from './fs.js';

export class FaultyFileSystem implements FileSystem {
  readonly faults = new FaultPlan();
  syncCount = 0;

  constructor(private readonly inner: FileSystem) {}

  failSync(options: FaultOptions = {}): void {
    this.faults.failSync(options);
  }

  failWrite(code: 'EIO' | 'ENOSPC', options: WriteFaultOptions = {}): void {
    this.faults.failWrite(code, options);
  }

  /** Flips one bit of a file on disk (read, xor, write back, fsync). */
  flipBit(filePath: string, offset: number, bit = 0): void {
    assert(bit >= 0 && bit < 8, 'flipBit: bit must be 0..7');
    const file = this.inner.open(filePath);
    try {
      const byte = new Uint8Array(1);
      assert(this.inner.pread(file, byte, offset) === 1, `flipBit: offset ${offset} past EOF`);
      byte[0]! ^= 1 << bit;
      this.inner.pwrite(file, byte, offset);
      this.inner.fsync(file);
    } finally {
      this.inner.close(file);
    }
  }

  open(filePath: string): FileHandle {
    return this.inner.open(filePath);
  }

  create(filePath: string): FileHandle {
    return this.inner.create(filePath);
  }

  pwrite(file: FileHandle, data: Uint8Array, position: number): void {
    const fault = this.faults.takeWriteFault(file.path);
    if (fault !== null) {
      const partialBytes = Math.floor(data.length * fault.partialFraction);
      if (partialBytes > 0) this.inner.pwrite(file, data.subarray(0, partialBytes), position);
      throw new FsError(fault.code, 'pwrite', file.path, `at offset ${position}`);
    }
    this.inner.pwrite(file, data, position);
  }

  pread(file: FileHandle, into: Uint8Array, position: number): number {
    return this.inner.pread(file, into, position);
  }

  size(file: FileHandle): number {
    return this.inner.size(file);
  }

  fdatasync(file: FileHandle): void {
    this.checkSync(file.path, 'fdatasync');
    this.inner.fdatasync(file);
  }

  fsync(file: FileHandle): void {
    this.checkSync(file.path, 'fsync');
    this.inner.fsync(file);
  }

  truncate(file: FileHandle, lengthBytes: number): void {
    this.inner.truncate(file, lengthBytes);
  }

  close(file: FileHandle): void {
    this.inner.close(file);
  }

  preallocate(file: FileHandle, lengthBytes: number): void {
    if (this.inner.size(file) < lengthBytes) {
      const fault = this.faults.takeWriteFault(file.path);
      if (fault !== null) throw new FsError(fault.code, 'preallocate', file.path);
    }
    this.inner.preallocate(file, lengthBytes);
  }

  readdir(dirPath: string): string[] {
    return this.inner.readdir(dirPath);
  }

  mkdir(dirPath: string): void {
    this.inner.mkdir(dirPath);
  }

  unlink(filePath: string): void {
    this.inner.unlink(filePath);
  }

  rename(from: string, to: string): void {
    this.inner.rename(from, to);
  }

  fsyncDir(dirPath: string): void {
    this.checkSync(dirPath, 'fsyncDir');
    this.inner.fsyncDir(dirPath);
  }

  exists(filePath: string): boolean {
    return this.inner.exists(filePath);
  }

  private checkSync(filePath: string, syscall: string): void {
    const code = this.faults.takeSyncFault(filePath);
    if (code !== null) throw new FsError(code, syscall, filePath);
    this.syncCount += 1;
  }
}

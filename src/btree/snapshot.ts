/**
 * The snapshot stream: a whole read view, encoded in chunks so it can be produced off the writer
 * thread (from an attached reader) while writes continue.
 *
 *   header  8 magic "HDBSNAP1" | u32 formatVersion (1) | u32 reserved (0)
 *           | f64 appliedIndex | f64 keyCount                                   (32 bytes)
 *   record  u32 keyLength | u32 valueLength | key | value      (keys strictly ascending)
 *   trailer u32 0xFFFFFFFF (end marker) | f64 recordCount | u32 crc
 * All integers little-endian. `crc` is CRC-32 (zlib's polynomial) of every byte before it.
 * The decoder rejects a wrong magic or version, a length beyond the limits, keys out of order,
 * a count that disagrees with the header, a CRC mismatch, a stream that ends early and bytes
 * after the trailer — each with SnapshotCorruptError naming the byte offset. Decoding writes
 * into one transaction and aborts it on any error, so the target tree is unchanged. The
 * records arrive sorted, so decoding builds the tree with the bulk loader (bulkLoad.ts), not
 * key by key.
 */
import zlib from 'node:zlib';
import CRC32 from 'crc-32';
import { assert } from '../codec/assert.js';
import { SnapshotCorruptError } from './errors.js';
import { compareBytes } from './page.js';
import type { ReadView } from './readView.js';
import { VALUE_BYTES_MAX, type BTree } from './tree.js';

export const SNAPSHOT_MAGIC = new TextEncoder().encode('HDBSNAP1');
export const SNAPSHOT_FORMAT_VERSION = 1;
const HEADER_BYTES = 32;
const END_MARKER = 0xffffffff;
export const SNAPSHOT_CHUNK_BYTES = 64 * 1024;

/**
 * CRC-32 (the zlib polynomial), continuing from `previous`; unsigned. Native zlib.crc32 where
 * Node has it (20.15+; ~7x faster than the crc-32 package, measured), else the package.
 */
const crc32: (data: Uint8Array, previous: number) => number =
  typeof zlib.crc32 === 'function'
    ? (data, previous) => zlib.crc32(data, previous)
    : (data, previous) => CRC32.buf(data, previous) >>> 0;

export interface SnapshotInfo {
  appliedIndex: number;
  keyCount: number;
}

/** Fills fixed-size chunks; large values are split across chunks. */
class ChunkWriter {
  private chunk: Uint8Array = new Uint8Array(SNAPSHOT_CHUNK_BYTES);
  private view = new DataView(this.chunk.buffer);
  private at = 0;
  crc = 0;
  readonly ready: Uint8Array[] = [];

  private flush(): void {
    if (this.at === 0) return;
    const out = this.chunk.subarray(0, this.at);
    this.crc = crc32(out, this.crc);
    this.ready.push(out);
    this.chunk = new Uint8Array(SNAPSHOT_CHUNK_BYTES);
    this.view = new DataView(this.chunk.buffer);
    this.at = 0;
  }

  private room(bytes: number): void {
    if (this.at + bytes > SNAPSHOT_CHUNK_BYTES) this.flush();
  }

  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.at, v, true);
    this.at += 4;
  }

  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.at, v, true);
    this.at += 8;
  }

  bytes(b: Uint8Array): void {
    let from = 0;
    while (from < b.length) {
      if (this.at === SNAPSHOT_CHUNK_BYTES) this.flush();
      const n = Math.min(b.length - from, SNAPSHOT_CHUNK_BYTES - this.at);
      this.chunk.set(b.subarray(from, from + n), this.at);
      this.at += n;
      from += n;
    }
  }

  /** Everything written so far is in `ready` and covered by `crc`. */
  end(): void {
    this.flush();
  }
}

export function* encodeSnapshot(view: ReadView): Iterable<Uint8Array> {
  const out = new ChunkWriter();
  out.bytes(SNAPSHOT_MAGIC);
  out.u32(SNAPSHOT_FORMAT_VERSION);
  out.u32(0);
  out.f64(view.appliedIndex);
  out.f64(view.count());
  let records = 0;
  for (const [key, value] of view.scan()) {
    out.u32(key.length);
    out.u32(value.length);
    out.bytes(key);
    out.bytes(value);
    records++;
    if (out.ready.length > 0) yield* out.ready.splice(0);
  }
  assert(records === view.count(), 'a view scans exactly its count');
  out.u32(END_MARKER);
  out.f64(records);
  out.end();
  const crc = out.crc;
  yield* out.ready.splice(0);
  const tail = new Uint8Array(4);
  new DataView(tail.buffer).setUint32(0, crc, true);
  yield tail;
}

/**
 * Pulls exact byte counts across chunk boundaries, tracking the offset and the CRC of every byte
 * consumed. The CRC runs over whole consumed spans of a chunk (when the reader moves to the
 * next chunk, or when asked), not per field: per-field calls cost more than the CRC itself.
 */
class ChunkReader {
  private readonly chunks: Iterator<Uint8Array>;
  private current: Uint8Array = new Uint8Array(0);
  private at = 0;
  /** Bytes of `current` before this are in `crcValue`. */
  private crcAt = 0;
  private crcValue = 0;
  offset = 0;

  constructor(chunks: Iterable<Uint8Array>) {
    this.chunks = chunks[Symbol.iterator]();
  }

  /** CRC-32 of every byte consumed so far. */
  get crc(): number {
    this.flushCrc();
    return this.crcValue;
  }

  /** The next `n` bytes (copied when they span chunks); bounded by what the stream holds. */
  read(n: number, what: string): Uint8Array {
    if (this.at + n <= this.current.length) {
      const out = this.current.subarray(this.at, this.at + n);
      this.at += n;
      this.offset += n;
      return out;
    }
    const out = new Uint8Array(n);
    let have = 0;
    while (have < n) {
      if (this.at === this.current.length) {
        if (!this.nextChunk()) {
          throw new SnapshotCorruptError(this.offset + have, `stream ends inside ${what}`);
        }
        continue;
      }
      const take = Math.min(n - have, this.current.length - this.at);
      out.set(this.current.subarray(this.at, this.at + take), have);
      this.at += take;
      have += take;
    }
    this.offset += n;
    return out;
  }

  u32(what: string): number {
    const b = this.read(4, what);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  f64(what: string): number {
    const b = this.read(8, what);
    return new DataView(b.buffer, b.byteOffset, 8).getFloat64(0, true);
  }

  /** Bytes left in the current chunk. */
  available(): number {
    return this.current.length - this.at;
  }

  atEnd(): boolean {
    while (this.at === this.current.length) {
      if (!this.nextChunk()) return true;
    }
    return false;
  }

  private nextChunk(): boolean {
    this.flushCrc();
    const next = this.chunks.next();
    if (next.done === true) return false;
    this.current = next.value;
    this.at = 0;
    this.crcAt = 0;
    return true;
  }

  private flushCrc(): void {
    if (this.at === this.crcAt) return;
    this.crcValue = crc32(this.current.subarray(this.crcAt, this.at), this.crcValue);
    this.crcAt = this.at;
  }
}

function readHeader(input: ChunkReader): SnapshotInfo {
  const magic = input.read(SNAPSHOT_MAGIC.length, 'the header');
  if (compareBytes(magic, SNAPSHOT_MAGIC) !== 0) {
    throw new SnapshotCorruptError(0, 'bad magic (not a HarmonyDB B+ tree snapshot)');
  }
  const version = input.u32('the header');
  if (version !== SNAPSHOT_FORMAT_VERSION) {
    throw new SnapshotCorruptError(8, `unsupported format version ${version}`);
  }
  input.u32('the header');
  const appliedIndex = input.f64('the header');
  const keyCount = input.f64('the header');
  assert(input.offset === HEADER_BYTES, 'header size');
  if (!Number.isSafeInteger(appliedIndex) || appliedIndex < 0) {
    throw new SnapshotCorruptError(16, `applied index ${appliedIndex} is not a valid index`);
  }
  if (!Number.isSafeInteger(keyCount) || keyCount < 0) {
    throw new SnapshotCorruptError(24, `key count ${keyCount} is not a valid count`);
  }
  return { appliedIndex, keyCount };
}

export interface DecodeOptions {
  /**
   * 'bulk' (default): build the tree bottom-up from the sorted records (bulkLoad.ts).
   * 'insert': put the records one by one — the path before bulk loading, kept so bench/btree.ts
   * and the tests can compare the two.
   */
  method?: 'bulk' | 'insert';
}

/** Where decoded records go: checks their order, then stores them. */
interface RecordSink {
  follows(key: Uint8Array): boolean;
  add(key: Uint8Array, value: Uint8Array): void;
}

/**
 * Replace the contents of `into` with the snapshot, in one transaction: committed only when the
 * whole stream validated. Returns the snapshot's applied index and key count.
 */
export function decodeSnapshot(
  chunks: Iterable<Uint8Array>,
  into: BTree,
  options: DecodeOptions = {},
): SnapshotInfo {
  const input = new ChunkReader(chunks);
  const info = readHeader(input);
  const txn = into.write();
  try {
    txn.clear();
    let records: number;
    if (options.method === 'insert') {
      let previous: Uint8Array | undefined;
      records = readRecords(input, info, into.keyBytesMax, {
        follows: (key) => previous === undefined || compareBytes(previous, key) < 0,
        add: (key, value) => {
          txn.put(key, value);
          previous = key.slice();
        },
      });
    } else {
      const loader = txn.loadSorted();
      records = readRecords(input, info, into.keyBytesMax, loader);
      loader.finish();
    }
    readTrailer(input, info, records);
    txn.setAppliedIndex(info.appliedIndex);
    txn.commit();
    return info;
  } catch (error) {
    txn.abort();
    throw error;
  }
}

/** Records up to the end marker, validated and handed to `sink`; returns how many. */
function readRecords(
  input: ChunkReader,
  info: SnapshotInfo,
  keyBytesMax: number,
  sink: RecordSink,
): number {
  let records = 0;
  for (;;) {
    const at = input.offset;
    const keyBytes = input.u32('a record header');
    if (keyBytes === END_MARKER) break;
    if (keyBytes > keyBytesMax) {
      throw new SnapshotCorruptError(at, `key length ${keyBytes} exceeds ${keyBytesMax}`);
    }
    const valueBytes = input.u32('a record header');
    if (valueBytes > VALUE_BYTES_MAX) {
      throw new SnapshotCorruptError(at + 4, `value length ${valueBytes} exceeds the limit`);
    }
    const key = input.read(keyBytes, 'a key');
    if (!sink.follows(key)) {
      throw new SnapshotCorruptError(at + 8, 'keys are not in strictly ascending order');
    }
    if (records >= info.keyCount) {
      throw new SnapshotCorruptError(at, `more records than the header's ${info.keyCount}`);
    }
    // A value reaching into the next chunk fetches it, and a caller may reuse chunk buffers:
    // then keep a copy of the key, not a view of the chunk.
    const stable = input.available() < valueBytes ? key.slice() : key;
    sink.add(stable, input.read(valueBytes, 'a value'));
    records++;
  }
  return records;
}

function readTrailer(input: ChunkReader, info: SnapshotInfo, records: number): void {
  const countAt = input.offset;
  const trailerCount = input.f64('the trailer');
  if (trailerCount !== records || records !== info.keyCount) {
    throw new SnapshotCorruptError(
      countAt,
      `record count mismatch (header ${info.keyCount}, trailer ${trailerCount}, read ${records})`,
    );
  }
  const crcAt = input.offset;
  const computed = input.crc >>> 0;
  const stored = input.u32('the checksum');
  if (stored !== computed) {
    throw new SnapshotCorruptError(
      crcAt,
      `CRC mismatch (stored 0x${hex(stored)}, computed 0x${hex(computed)})`,
    );
  }
  if (!input.atEnd()) throw new SnapshotCorruptError(input.offset, 'bytes after the trailer');
}
function hex(v: number): string {
  return v.toString(16).padStart(8, '0');
}

/**
 * A bounds-checked little-endian reader over untrusted bytes. Every read first checks the bytes
 * remain, and length/count fields are checked against their stated maximum AND against what
 * the rest of the buffer could hold before anything is allocated: a length of 4 GiB in a
 * 20-byte buffer fails at once. Failures are CodecErrors naming field and offset.
 *
 * Byte fields: by default they are views (subarray) into the input, which is what the
 * transport wants (the batch's ArrayBuffer was transferred to us and is ours). With
 * `copyBytes` they are fresh copies, for callers that reuse their input buffer (a WAL reader
 * recycling a read buffer) or that must not pin a large buffer with a small view.
 */
import { assert } from './assert.js';
import { invalidError, truncatedError } from './errors.js';

const TWO_POW_32 = 0x1_0000_0000;
/** Highest allowed high word of a u64: keeps the value <= 2^53 - 1. */
const U64_HIGH_WORD_MAX = 0x1f_ffff;

export interface DecodeOptions {
  /** Copy byte fields out of the input instead of returning views into it. Default false. */
  copyBytes?: boolean;
}

export class ByteReader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly copyBytes: boolean;
  /** Next byte to read; always <= bytes.length. */
  private offset = 0;

  constructor(bytes: Uint8Array, options: DecodeOptions = {}) {
    assert(bytes instanceof Uint8Array, 'decoder input is a Uint8Array');
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.copyBytes = options.copyBytes ?? false;
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  u8(field: string): number {
    this.need(1, field);
    const value = this.view.getUint8(this.offset);
    this.offset += 1;
    return value;
  }

  bool(field: string): boolean {
    const at = this.offset;
    const value = this.u8(field);
    if (value > 1) throw invalidError(field, at, 'a boolean (0 or 1)', String(value));
    return value === 1;
  }

  /** A u8 that must be one of 0..maxValue (an enum whose values are dense from 0). */
  enumValue(field: string, name: string, maxValue: number): number {
    const at = this.offset;
    const value = this.u8(field);
    if (value > maxValue) {
      throw invalidError(field, at, `a ${name} (0..${maxValue})`, String(value));
    }
    return value;
  }

  u32(field: string): number {
    this.need(4, field);
    const value = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return value;
  }

  u64(field: string): number {
    this.need(8, field);
    const low = this.view.getUint32(this.offset, true);
    const high = this.view.getUint32(this.offset + 4, true);
    if (high > U64_HIGH_WORD_MAX) {
      const got = `0x${high.toString(16).padStart(8, '0')}${low.toString(16).padStart(8, '0')}`;
      throw invalidError(field, this.offset, 'a u64 <= 2^53-1', got);
    }
    this.offset += 8;
    return high * TWO_POW_32 + low;
  }

  /** `u32 length | bytes`; the length must be <= bytesMax and fit in what remains. */
  bytesField(field: string, bytesMax: number): Uint8Array {
    const lengthAt = this.offset;
    const length = this.u32(`${field} length`);
    if (length > bytesMax) {
      throw invalidError(`${field} length`, lengthAt, `<= ${bytesMax}`, String(length));
    }
    this.need(length, field);
    const start = this.offset;
    this.offset += length;
    const view = this.bytes.subarray(start, start + length);
    return this.copyBytes ? view.slice() : view;
  }

  /**
   * An element count: <= countMax, and count * itemBytesMin must fit in what remains, so an
   * array is never sized by a claim the buffer cannot back.
   */
  count(field: string, countMax: number, itemBytesMin: number): number {
    assert(itemBytesMin >= 1, 'items take at least one byte');
    const at = this.offset;
    const count = this.u32(`${field} count`);
    if (count > countMax) {
      throw invalidError(`${field} count`, at, `<= ${countMax}`, String(count));
    }
    this.need(count * itemBytesMin, field);
    return count;
  }

  /** A top-level value must use the whole buffer: trailing bytes mean a framing bug. */
  expectEnd(what: string): void {
    if (this.remaining !== 0) {
      throw invalidError(what, this.offset, 'end of buffer', `${this.remaining} trailing bytes`);
    }
  }

  private need(count: number, field: string): void {
    if (count > this.remaining) throw truncatedError(field, this.offset, count, this.remaining);
  }
}

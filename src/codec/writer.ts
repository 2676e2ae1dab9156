/**
 * A growable little-endian byte writer. Encoders size their output exactly in advance (see the
 * `*Bytes` functions), so the writer normally allocates once and `finish()` hands back that
 * buffer with no copy; growth is the fallback, not the plan.
 *
 * Every value is range-checked here: the writer refuses (CodecError) what the reader would
 * refuse, so a value that encodes always decodes.
 */
import { assert } from './assert.js';
import { unencodableError } from './errors.js';
import { U32_MAX, U64_SAFE_MAX } from './limits.js';

const TWO_POW_32 = 0x1_0000_0000;

export class ByteWriter {
  private bytes: Uint8Array;
  private view: DataView;
  /** Bytes written so far; always <= bytes.length. */
  private offset = 0;

  constructor(capacityBytes = 64) {
    assert(Number.isSafeInteger(capacityBytes) && capacityBytes >= 0, 'writer capacity');
    this.bytes = new Uint8Array(capacityBytes);
    this.view = new DataView(this.bytes.buffer);
  }

  get length(): number {
    return this.offset;
  }

  u8(value: number, field: string): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xff) {
      throw unencodableError(field, 'a u8 (0..255)', String(value));
    }
    this.reserve(1);
    this.view.setUint8(this.offset, value);
    this.offset += 1;
  }

  bool(value: boolean, field: string): void {
    assert(typeof value === 'boolean', `${field} is a boolean`);
    this.u8(value ? 1 : 0, field);
  }

  /** The top-level header: version and kind, both known-good constants of the codec. */
  header(version: number, kind: number): void {
    assert(this.offset === 0, 'the header comes first');
    this.reserve(2);
    this.bytes[0] = version;
    this.bytes[1] = kind;
    this.offset = 2;
  }

  /** A u8 that must be one of 0..maxValue (an enum whose values are dense from 0). */
  enumValue(value: number, field: string, name: string, maxValue: number): void {
    if (!Number.isInteger(value) || value < 0 || value > maxValue) {
      throw unencodableError(field, `a ${name} (0..${maxValue})`, String(value));
    }
    this.u8(value, field);
  }

  u32(value: number, field: string): void {
    if (!Number.isInteger(value) || value < 0 || value > U32_MAX) {
      throw unencodableError(field, 'a u32 (0..4294967295)', String(value));
    }
    this.reserve(4);
    this.view.setUint32(this.offset, value, true);
    this.offset += 4;
  }

  /** A u64 on the wire, restricted to JS safe integers (0..2^53-1). */
  u64(value: number, field: string): void {
    if (!Number.isSafeInteger(value) || value < 0 || value > U64_SAFE_MAX) {
      throw unencodableError(field, 'a u64 safe integer (0..2^53-1)', String(value));
    }
    this.reserve(8);
    const low = value % TWO_POW_32;
    const high = (value - low) / TWO_POW_32;
    this.view.setUint32(this.offset, low, true);
    this.view.setUint32(this.offset + 4, high, true);
    this.offset += 8;
  }

  /** `u32 length | bytes`, refusing payloads longer than `bytesMax`. */
  bytesField(value: Uint8Array, field: string, bytesMax: number): void {
    assert(value instanceof Uint8Array, `${field} is a Uint8Array`);
    if (value.length > bytesMax) {
      throw unencodableError(`${field} length`, `<= ${bytesMax} bytes`, `${value.length}`);
    }
    this.u32(value.length, `${field} length`);
    this.reserve(value.length);
    this.bytes.set(value, this.offset);
    this.offset += value.length;
  }

  /**
   * The written bytes, in an ArrayBuffer of exactly their length starting at byteOffset 0
   * (the transport transfers `.buffer` whole, so no spare capacity may ride along).
   */
  finish(): Uint8Array {
    const out = this.offset === this.bytes.length ? this.bytes : this.bytes.slice(0, this.offset);
    assert(out.byteOffset === 0, 'finished buffer starts at offset 0');
    assert(out.buffer.byteLength === out.length, 'finished buffer is exactly sized');
    return out;
  }

  private reserve(count: number): void {
    const needed = this.offset + count;
    if (needed <= this.bytes.length) return;
    let capacity = Math.max(64, this.bytes.length * 2);
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.offset));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
}

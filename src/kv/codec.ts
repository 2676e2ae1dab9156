/**
 * Binary encoding of a KvOp: what the node puts into Entry.data (inside its proposal header).
 *
 *   op      = version u8 (1) | body
 *   body    = tag u8 | fields of that tag
 *   bytes   = length u32 LE | bytes
 *   put     = 1 | flags u8 (bit0 NX, bit1 XX, bit2 GET) | key bytes | value bytes
 *   del     = 2 | count u32 | count × key bytes
 *   cas     = 3 | key bytes | hasExpected u8 (0|1) | [expected bytes] | value bytes
 *   incrBy  = 4 | key bytes | delta i64 LE
 *   append  = 5 | key bytes | value bytes         getset = 6 | key bytes | value bytes
 *   mset    = 7 | count u32 | count × (key bytes | value bytes)
 *   flushall= 8     get = 9 | key bytes     mget = 10 | count u32 | keys
 *   exists  = 11 | count u32 | keys          strlen = 12 | key bytes     count = 13
 *   multi   = 14 | count u32 | count × body (never a multi: one level, so no recursion)
 *
 * Decoding is bounded: every count is checked against the bytes left before anything is
 * allocated (each element takes at least 4 bytes), and anything malformed — unknown version
 * or tag, truncation, trailing bytes, NX with XX, a nested multi — is a KvOpDecodeError
 * naming the offset.
 */
import { assert, unreachable } from '../codec/assert.js';
import { int64Max, int64Min, type KvOp } from './op.js';

export const kvOpVersion = 1;

const enum Tag {
  Put = 1, Del = 2, Cas = 3, IncrBy = 4, Append = 5, GetSet = 6, MSet = 7, FlushAll = 8,
  Get = 9, MGet = 10, Exists = 11, StrLen = 12, Count = 13, Multi = 14,
}

const flagNx = 1;
const flagXx = 2;
const flagGet = 4;

export class KvOpDecodeError extends Error {
  override name = 'KvOpDecodeError';
}

export function encodeKvOp(op: KvOp): Uint8Array {
  const writer = new Writer(encodedBytes(op));
  writer.u8(kvOpVersion);
  if (op.type === 'multi') {
    writer.u8(Tag.Multi);
    writer.u32(op.ops.length);
    for (const sub of op.ops) {
      assert(sub.type !== 'multi', 'multi ops are never nested');
      encodeBody(writer, sub);
    }
  } else {
    encodeBody(writer, op);
  }
  assert(writer.offset === writer.bytes.length, 'encoded size matches the computed size');
  return writer.bytes;
}

export function decodeKvOp(buf: Uint8Array): KvOp {
  const reader = new Reader(buf);
  const version = reader.u8();
  if (version !== kvOpVersion) {
    throw new KvOpDecodeError(`kv op version ${version} unknown (expected ${kvOpVersion})`);
  }
  let op: KvOp;
  if (reader.peekU8() === Tag.Multi) {
    reader.u8();
    const count = reader.count(1);
    const ops: KvOp[] = [];
    for (let i = 0; i < count; i++) {
      if (reader.peekU8() === Tag.Multi) reader.fail('nested multi');
      ops.push(decodeBody(reader));
    }
    op = { type: 'multi', ops };
  } else {
    op = decodeBody(reader);
  }
  if (reader.offset !== buf.length) {
    reader.fail(`${buf.length - reader.offset} trailing bytes`);
  }
  return op;
}

function bodyBytes(op: KvOp): number {
  const b = (x: Uint8Array): number => 4 + x.length;
  const list = (xs: Uint8Array[]): number => xs.reduce((sum, x) => sum + b(x), 4);
  switch (op.type) {
    case 'put': return 2 + b(op.key) + b(op.value);
    case 'del': case 'mget': case 'exists': return 1 + list(op.keys);
    case 'cas': return 2 + b(op.key) + (op.expected === null ? 0 : b(op.expected)) + b(op.value);
    case 'incrBy': return 1 + b(op.key) + 8;
    case 'append': case 'getset': return 1 + b(op.key) + b(op.value);
    case 'mset': return 1 + op.entries.reduce((sum, [k, v]) => sum + b(k) + b(v), 4);
    case 'flushall': case 'count': return 1;
    case 'get': case 'strlen': return 1 + b(op.key);
    case 'multi': return 1 + op.ops.reduce((sum, sub) => sum + bodyBytes(sub), 4);
    default: return unreachable(op, 'KvOp type');
  }
}

function encodedBytes(op: KvOp): number {
  return 1 + bodyBytes(op);
}

function encodeBody(w: Writer, op: KvOp): void {
  switch (op.type) {
    case 'put': {
      assert(['always', 'nx', 'xx'].includes(op.condition), 'put condition');
      const flags = (op.condition === 'nx' ? flagNx : 0) | (op.condition === 'xx' ? flagXx : 0)
        | (op.get ? flagGet : 0);
      w.u8(Tag.Put); w.u8(flags); w.bytesField(op.key); w.bytesField(op.value);
      return;
    }
    case 'del': w.u8(Tag.Del); w.list(op.keys); return;
    case 'cas':
      w.u8(Tag.Cas); w.bytesField(op.key); w.u8(op.expected === null ? 0 : 1);
      if (op.expected !== null) w.bytesField(op.expected);
      w.bytesField(op.value);
      return;
    case 'incrBy':
      assert(op.delta >= int64Min && op.delta <= int64Max, 'incrBy delta fits in i64');
      w.u8(Tag.IncrBy); w.bytesField(op.key); w.i64(op.delta);
      return;
    case 'append': w.u8(Tag.Append); w.bytesField(op.key); w.bytesField(op.value); return;
    case 'getset': w.u8(Tag.GetSet); w.bytesField(op.key); w.bytesField(op.value); return;
    case 'mset':
      w.u8(Tag.MSet); w.u32(op.entries.length);
      for (const [key, value] of op.entries) { w.bytesField(key); w.bytesField(value); }
      return;
    case 'flushall': w.u8(Tag.FlushAll); return;
    case 'get': w.u8(Tag.Get); w.bytesField(op.key); return;
    case 'mget': w.u8(Tag.MGet); w.list(op.keys); return;
    case 'exists': w.u8(Tag.Exists); w.list(op.keys); return;
    case 'strlen': w.u8(Tag.StrLen); w.bytesField(op.key); return;
    case 'count': w.u8(Tag.Count); return;
    case 'multi': return assert(false, 'multi is encoded by encodeKvOp only');
    default: return unreachable(op, 'KvOp type');
  }
}

function decodeBody(r: Reader): KvOp {
  const tagOffset = r.offset;
  const tag = r.u8();
  switch (tag) {
    case Tag.Put: {
      const flags = r.u8();
      if ((flags & ~(flagNx | flagXx | flagGet)) !== 0) {
        r.fail(`unknown put flags 0x${flags.toString(16)}`);
      }
      if ((flags & flagNx) !== 0 && (flags & flagXx) !== 0) r.fail('put with both NX and XX');
      const condition = (flags & flagNx) !== 0 ? 'nx' : (flags & flagXx) !== 0 ? 'xx' : 'always';
      const get = (flags & flagGet) !== 0;
      return { type: 'put', condition, get, key: r.bytesField(), value: r.bytesField() };
    }
    case Tag.Del: return { type: 'del', keys: r.list() };
    case Tag.Cas: {
      const key = r.bytesField();
      const has = r.u8();
      if (has > 1) r.fail(`cas hasExpected is ${has}, not 0 or 1`);
      const expected = has === 1 ? r.bytesField() : null;
      return { type: 'cas', key, expected, value: r.bytesField() };
    }
    case Tag.IncrBy: return { type: 'incrBy', key: r.bytesField(), delta: r.i64() };
    case Tag.Append: return { type: 'append', key: r.bytesField(), value: r.bytesField() };
    case Tag.GetSet: return { type: 'getset', key: r.bytesField(), value: r.bytesField() };
    case Tag.MSet: {
      const count = r.count(8);
      const entries: [Uint8Array, Uint8Array][] = [];
      for (let i = 0; i < count; i++) entries.push([r.bytesField(), r.bytesField()]);
      return { type: 'mset', entries };
    }
    case Tag.FlushAll: return { type: 'flushall' };
    case Tag.Get: return { type: 'get', key: r.bytesField() };
    case Tag.MGet: return { type: 'mget', keys: r.list() };
    case Tag.Exists: return { type: 'exists', keys: r.list() };
    case Tag.StrLen: return { type: 'strlen', key: r.bytesField() };
    case Tag.Count: return { type: 'count' };
    default: throw new KvOpDecodeError(`kv op offset ${tagOffset}: unknown op tag ${tag}`);
  }
}

class Writer {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  offset = 0;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(v: number): void { this.view.setUint8(this.offset, v); this.offset += 1; }
  u32(v: number): void {
    assert(Number.isInteger(v) && v >= 0 && v <= 0xffffffff, 'u32 in range');
    this.view.setUint32(this.offset, v, true); this.offset += 4;
  }
  i64(v: bigint): void { this.view.setBigInt64(this.offset, v, true); this.offset += 8; }
  bytesField(b: Uint8Array): void {
    this.u32(b.length);
    this.bytes.set(b, this.offset);
    this.offset += b.length;
  }
  list(xs: Uint8Array[]): void { this.u32(xs.length); for (const x of xs) this.bytesField(x); }
}

class Reader {
  private readonly view: DataView;
  offset = 0;
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  fail(what: string): never {
    throw new KvOpDecodeError(`kv op offset ${this.offset}: ${what}`);
  }
  need(n: number, what: string): void {
    if (this.buf.length - this.offset < n) {
      this.fail(`truncated ${what}: needs ${n} bytes, ${this.buf.length - this.offset} left`);
    }
  }
  peekU8(): number { this.need(1, 'tag'); return this.view.getUint8(this.offset); }
  u8(): number { this.need(1, 'u8'); return this.view.getUint8(this.offset++); }
  u32(): number {
    this.need(4, 'u32');
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }
  i64(): bigint {
    this.need(8, 'i64');
    const v = this.view.getBigInt64(this.offset, true);
    this.offset += 8;
    return v;
  }
  /** A count of elements that each take at least `minBytes`: bounded by the bytes left. */
  count(minBytes: number): number {
    const count = this.u32();
    if (count * minBytes > this.buf.length - this.offset) {
      this.fail(`count ${count} cannot fit in the ${this.buf.length - this.offset} bytes left`);
    }
    return count;
  }
  bytesField(): Uint8Array {
    const length = this.u32();
    this.need(length, 'bytes field');
    // A copy: the op outlives the entry buffer it was decoded from.
    const out = this.buf.slice(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }
  list(): Uint8Array[] {
    const count = this.count(4);
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) out.push(this.bytesField());
    return out;
  }
}

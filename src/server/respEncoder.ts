/**
 * Encodes replies (RespValue = Reply, see src/kv/reply.ts) as RESP2 or RESP3 into a
 * ReplyBuffer that a connection flushes with one socket write per batch of ready replies. The
 * protocol is the connection's (HELLO 3 switches it); the table in src/kv/reply.ts says what
 * each kind becomes in each. Small pieces are copied into a growing scratch buffer; bulks of
 * 16 KiB and more are passed through as their own chunks (no copy of large values). Containers
 * are walked with an explicit stack, no recursion.
 */
import { assert } from '../codec/assert.js';
import { int64Max, int64Min } from '../kv/op.js';
import { formatDouble, type Reply } from '../kv/reply.js';

/** The server's name for a reply (src/kv/reply.ts documents each kind on the wire). */
export type RespValue = Reply;

export const nullArray: RespValue = Object.freeze({ nullArray: true as const });
export const okReply: RespValue = Object.freeze({ simple: 'OK' });

export function simple(text: string): RespValue {
  return { simple: text };
}

export function errorReply(text: string): RespValue {
  return { error: text };
}

/** The wire protocol of a connection: RESP2 until the client sends HELLO 3. */
export type RespProtocol = 2 | 3;

/** The kinds that are not containers. */
type Scalar = Exclude<RespValue, RespValue[] | { map: unknown } | { set: unknown }
  | { pairs: unknown } | { push: unknown }>;

/** A container as it goes on the wire: its type byte, its element count, its elements. */
interface Container {
  prefix: string;
  count: number;
  items: RespValue[];
}

/**
 * RESP2 has one container, the array: a map or pairs become a flat array (k1 v1 k2 v2), a set
 * or push an array. RESP3 writes a map as %n (n pairs), a set as ~n, a push as >n, and pairs
 * as an array of two-element arrays (Redis 7's shape for ZRANGE WITHSCORES and the like).
 * undefined: not a container.
 */
function containerOf(value: RespValue, protocol: RespProtocol): Container | undefined {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return undefined;
  if (Array.isArray(value)) return { prefix: '*', count: value.length, items: value };
  const resp3 = protocol === 3;
  if ('map' in value) {
    const items = value.map.flat();
    return resp3 ? { prefix: '%', count: value.map.length, items }
      : { prefix: '*', count: items.length, items };
  }
  if ('pairs' in value) {
    const items: RespValue[] = resp3 ? value.pairs : value.pairs.flat();
    return { prefix: '*', count: items.length, items };
  }
  if ('set' in value) {
    return { prefix: resp3 ? '~' : '*', count: value.set.length, items: value.set };
  }
  if ('push' in value) {
    return { prefix: resp3 ? '>' : '*', count: value.push.length, items: value.push };
  }
  return undefined;
}

const passThroughBytesMin = 16 * 1024;
const crlf = Buffer.from('\r\n');

export class ReplyBuffer {
  /** The protocol replies are written in from now on (the connection's, set by HELLO). */
  protocol: RespProtocol = 2;
  private chunks: Buffer[] = [];
  private scratch = Buffer.allocUnsafe(4096);
  private used = 0;
  private bytes = 0;

  /** Total bytes encoded and not yet taken. */
  byteLength(): number {
    return this.bytes + this.used;
  }

  /** Everything encoded so far, as chunks for one corked write. */
  take(): Buffer[] {
    this.sealScratch();
    const chunks = this.chunks;
    this.chunks = [];
    this.bytes = 0;
    return chunks;
  }

  write(value: RespValue): void {
    // Explicit stack of [array, next index]; values are pushed in order.
    const stack: [RespValue[], number][] = [];
    let current: RespValue | undefined = value;
    for (;;) {
      if (current !== undefined) {
        const container = containerOf(current, this.protocol);
        if (container !== undefined) {
          this.ascii(`${container.prefix}${container.count}\r\n`);
          if (container.items.length > 0) stack.push([container.items, 0]);
        } else {
          this.scalar(current as Scalar);
        }
      }
      const top = stack[stack.length - 1];
      if (top === undefined) return;
      const [array, index] = top;
      current = array[index];
      if (index + 1 >= array.length) stack.pop();
      else top[1] = index + 1;
    }
  }

  /** Bytes already encoded (a push shared by many connections), appended as they are. */
  writeEncoded(bytes: Buffer): void {
    if (bytes.length >= passThroughBytesMin) {
      this.sealScratch();
      this.chunks.push(bytes);
      this.bytes += bytes.length;
    } else {
      this.raw(bytes);
    }
  }

  private scalar(value: Scalar): void {
    const resp3 = this.protocol === 3;
    if (value === null) return this.ascii(resp3 ? '_\r\n' : '$-1\r\n');
    if (typeof value === 'number') {
      assert(Number.isSafeInteger(value), `integer reply ${value} is a safe integer`);
      return this.ascii(`:${value}\r\n`);
    }
    if (typeof value === 'bigint') {
      const big = resp3 && (value > int64Max || value < int64Min);
      return this.ascii(`${big ? '(' : ':'}${value}\r\n`);
    }
    if (typeof value === 'string') return this.bulk(Buffer.from(value, 'utf8'));
    if (value instanceof Uint8Array) return this.bulk(value);
    if ('simple' in value) return this.line('+', value.simple);
    if ('error' in value) return this.line('-', value.error);
    if ('double' in value) {
      const text = formatDouble(value.double);
      return resp3 ? this.ascii(`,${text}\r\n`) : this.bulk(Buffer.from(text, 'latin1'));
    }
    if ('bool' in value) {
      if (resp3) return this.ascii(value.bool ? '#t\r\n' : '#f\r\n');
      return this.ascii(value.bool ? ':1\r\n' : ':0\r\n');
    }
    if ('verbatim' in value) {
      const text = Buffer.from(value.verbatim, 'utf8');
      if (!resp3) return this.bulk(text);
      // =len\r\nfmt:text\r\n, the length counting the 4 bytes of "fmt:".
      this.ascii(`=${text.length + 4}\r\n${value.format}:`);
      this.raw(text);
      return this.raw(crlf);
    }
    assert(value.nullArray === true, 'reply kind');
    this.ascii(resp3 ? '_\r\n' : '*-1\r\n');
  }

  /**
   * Status and error lines: \r and \n would end the line early, so they become spaces. Text
   * whose characters are all below 256 is written one byte per character (latin1): that is how
   * client bytes quoted in messages are carried (see replies.ts text()), so they go back out
   * exactly as they came, as Redis does. Other text (a backend message with non-Latin-1
   * characters) is written as UTF-8.
   */
  private line(prefix: string, text: string): void {
    const clean = /[\r\n]/.test(text) ? text.replace(/[\r\n]/g, ' ') : text;
    this.ascii(prefix);
    // eslint-disable-next-line no-control-regex
    const latin1 = /^[\u0000-\u00ff]*$/.test(clean);
    this.raw(Buffer.from(clean, latin1 ? 'latin1' : 'utf8'));
    this.raw(crlf);
  }

  private bulk(value: Uint8Array): void {
    this.ascii(`$${value.length}\r\n`);
    if (value.length >= passThroughBytesMin) {
      this.sealScratch();
      this.chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      this.bytes += value.length;
    } else {
      this.raw(value);
    }
    this.raw(crlf);
  }

  private ascii(text: string): void {
    this.reserve(text.length);
    this.used += this.scratch.write(text, this.used, 'latin1');
  }

  private raw(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.scratch.set(bytes, this.used);
    this.used += bytes.length;
  }

  private reserve(n: number): void {
    if (this.used + n <= this.scratch.length) return;
    this.sealScratch();
    if (n > this.scratch.length) this.scratch = Buffer.allocUnsafe(n);
  }

  /** Moves the scratch bytes into the chunk list and starts a fresh scratch buffer. */
  private sealScratch(): void {
    if (this.used === 0) return;
    this.chunks.push(this.scratch.subarray(0, this.used));
    this.bytes += this.used;
    const size = Math.max(4096, this.scratch.length);
    this.scratch = Buffer.allocUnsafe(size);
    this.used = 0;
  }
}

/** One value's encoding, for tests and small callers. */
export function encodeReply(value: RespValue, protocol: RespProtocol = 2): Buffer {
  const out = new ReplyBuffer();
  out.protocol = protocol;
  out.write(value);
  return Buffer.concat(out.take());
}

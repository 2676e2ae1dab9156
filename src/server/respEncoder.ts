/**
 * Encodes replies (RespValue = Reply, see src/kv/reply.ts) as RESP2 into a
 * ReplyBuffer that a connection flushes with one socket write per batch of ready replies.
 * Small pieces are copied into a growing scratch buffer; bulks of 16 KiB and more are passed
 * through as their own chunks (no copy of large values). Arrays are walked with an explicit
 * stack, no recursion.
 */
import { assert } from '../codec/assert.js';
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

/** The kinds that are not containers. */
type Scalar = Exclude<RespValue, RespValue[] | { map: unknown } | { set: unknown }
  | { pairs: unknown } | { push: unknown }>;

/**
 * RESP2 has one container, the array: a map or pairs become a flat array (k1 v1 k2 v2), a set
 * or push an array. undefined: not a container.
 */
function asResp2Array(value: RespValue): RespValue[] | undefined {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array
    || Array.isArray(value)) return undefined;
  if ('map' in value) return value.map.flat();
  if ('pairs' in value) return value.pairs.flat();
  if ('set' in value) return value.set;
  if ('push' in value) return value.push;
  return undefined;
}

const passThroughBytesMin = 16 * 1024;
const crlf = Buffer.from('\r\n');

export class ReplyBuffer {
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
        const array = Array.isArray(current) ? current : asResp2Array(current);
        if (array !== undefined) {
          this.ascii(`*${array.length}\r\n`);
          if (array.length > 0) stack.push([array, 0]);
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

  private scalar(value: Scalar): void {
    if (value === null) return this.ascii('$-1\r\n');
    if (typeof value === 'number') {
      assert(Number.isSafeInteger(value), `integer reply ${value} is a safe integer`);
      return this.ascii(`:${value}\r\n`);
    }
    if (typeof value === 'bigint') return this.ascii(`:${value}\r\n`);
    if (typeof value === 'string') return this.bulk(Buffer.from(value, 'utf8'));
    if (value instanceof Uint8Array) return this.bulk(value);
    if ('simple' in value) return this.line('+', value.simple);
    if ('error' in value) return this.line('-', value.error);
    if ('double' in value) return this.bulk(Buffer.from(formatDouble(value.double), 'latin1'));
    if ('bool' in value) return this.ascii(value.bool ? ':1\r\n' : ':0\r\n');
    if ('verbatim' in value) return this.bulk(Buffer.from(value.verbatim, 'utf8'));
    assert(value.nullArray === true, 'reply kind');
    this.ascii('*-1\r\n');
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
export function encodeReply(value: RespValue): Buffer {
  const out = new ReplyBuffer();
  out.write(value);
  return Buffer.concat(out.take());
}

/**
 * Incremental decoder of client requests: RESP2 arrays of bulk strings (`*2\r\n$3\r\nGET\r\n...`)
 * and inline commands (`SET key "a value"\r\n`), with Redis's rules and error wordings
 * (src/networking.c processMultibulkBuffer / processInlineBuffer):
 * - a request starting with `*` is RESP, anything else is an inline line ending in \n
 *   (a \r before it is dropped); an empty line or `*0`/`*-1` is no command at all;
 * - like Redis, the byte after a header's \r and the two bytes after bulk data are skipped
 *   without being looked at (they are \r\n in every well-formed stream).
 *
 * Any split of the byte stream gives the same commands and the same error: lines are
 * accumulated and only the new bytes of each chunk are scanned, so the total work is O(n)
 * however finely a request is cut. Limits are checked against the line or bulk being read,
 * not against what happens to be buffered, which makes them split-independent (Redis checks
 * the query buffer, so a 70 KiB inline line arriving in one read slips through there).
 *
 * Memory: the decoder holds the chunk being fed (until the caller has pulled every command out
 * of it), one partial line (<= inlineBytesMax) and the partial command's arguments
 * (<= commandBytesMax). A protocol error is final: the decoder refuses further input.
 */
import { assert } from '../codec/assert.js';
import { parseInt64 } from '../kv/integer.js';
import { splitInlineArgs } from './inlineArgs.js';

export interface RespDecoderLimits {
  /** Largest bulk string (Redis proto-max-bulk-len: 512 MiB). */
  bulkBytesMax: number;
  /** Most arguments in one RESP request. */
  multibulkLengthMax: number;
  /** Longest inline line or RESP header line (Redis PROTO_INLINE_MAX_SIZE: 64 KiB). */
  inlineBytesMax: number;
  /** Most bytes one partial request may hold (Redis client-query-buffer-limit: 1 GiB). */
  commandBytesMax: number;
}

export const defaultDecoderLimits: Readonly<RespDecoderLimits> = Object.freeze({
  bulkBytesMax: 512 * 1024 * 1024,
  multibulkLengthMax: 1024 * 1024,
  inlineBytesMax: 64 * 1024,
  commandBytesMax: 1024 * 1024 * 1024,
});

/** Bytes charged per argument on top of its length, for the commandBytesMax bound. */
const argOverheadBytes = 32;
/** Bulks up to this size get their buffer at once; larger ones grow with the data received,
 * so a client announcing `$536870912` cannot make us allocate before it sends. */
const bulkPreallocBytesMax = 64 * 1024;

/**
 * A malformed or oversized request. `reply` is the error to send (Redis's wording, without the
 * leading '-'), or undefined when Redis closes without replying (query buffer limit).
 */
export class RespProtocolError extends Error {
  override name = 'RespProtocolError';
  constructor(readonly reply: string | undefined, message = reply ?? 'query buffer limit') {
    super(message);
  }
}

const enum State { Start, Inline, MultibulkCount, BulkHeader, BulkData, Skip, Emit }

const cr = 0x0d;
const lf = 0x0a;

export class RespDecoder {
  private readonly limits: RespDecoderLimits;
  private state = State.Start;
  /** The fed chunk and how far into it we are. */
  private input: Uint8Array = new Uint8Array(0);
  private pos = 0;
  /** The partial line (inline, `*N` or `$N` header), without its terminator. */
  private line: Buffer = Buffer.allocUnsafe(256);
  private lineBytes = 0;
  /** The RESP request being assembled. */
  private args: Buffer[] = [];
  private argsExpected = 0;
  private commandBytes = 0;
  /** The bulk being read: either one preallocated buffer or received parts. */
  private bulkBytes = 0;
  private bulkParts: Buffer[] = [];
  private bulkPrealloc: Buffer | undefined;
  private bulkReceived = 0;
  /** Bytes to skip, and the state to enter afterwards (Emit: hand out the command). */
  private skipBytes = 0;
  private afterSkip: State = State.Start;
  private failed: RespProtocolError | undefined;

  constructor(limits: Partial<RespDecoderLimits> = {}) {
    this.limits = { ...defaultDecoderLimits, ...limits };
    for (const [name, value] of Object.entries(this.limits)) {
      assert(Number.isSafeInteger(value) && value > 0, `decoder limit ${name} is positive`);
    }
  }

  /** Gives the decoder the next chunk. The previous one must have been fully consumed. */
  feed(chunk: Uint8Array): void {
    assert(!this.hasPendingInput(), 'feed only after next() consumed the previous chunk');
    this.input = chunk;
    this.pos = 0;
  }

  /** Whether the fed chunk still holds bytes that next() has not looked at. */
  hasPendingInput(): boolean {
    return this.pos < this.input.length && this.failed === undefined;
  }

  /** Bytes of the partial request held (for memory accounting). */
  partialBytes(): number {
    return this.commandBytes + this.lineBytes;
  }

  /**
   * The next complete command, or undefined when the fed bytes end before one does. Throws
   * RespProtocolError on malformed input, and again on every later call.
   */
  next(): Buffer[] | undefined {
    if (this.failed !== undefined) throw this.failed;
    try {
      return this.step();
    } catch (err) {
      if (err instanceof RespProtocolError) {
        this.failed = err;
        this.input = new Uint8Array(0);
        this.pos = 0;
        this.args = [];
        this.bulkParts = [];
      }
      throw err;
    }
  }

  private step(): Buffer[] | undefined {
    const input = this.input;
    while (this.pos < input.length) {
      switch (this.state) {
        case State.Start:
          if (input[this.pos] === 0x2a) {
            this.pos++;
            this.state = State.MultibulkCount;
          } else {
            this.state = State.Inline;
          }
          break;
        case State.Inline: {
          const args = this.readInline(input);
          if (args !== undefined && args.length > 0) return args;
          break;
        }
        case State.MultibulkCount:
          this.readMultibulkCount(input);
          break;
        case State.BulkHeader:
          this.readBulkHeader(input);
          break;
        case State.BulkData:
          this.readBulkData(input);
          break;
        case State.Skip: {
          const n = Math.min(this.skipBytes, input.length - this.pos);
          this.pos += n;
          this.skipBytes -= n;
          if (this.skipBytes > 0) break;
          // Like Redis, a request is complete only once its last bulk's \r\n has arrived.
          if (this.afterSkip === State.Emit) return this.finishCommand();
          this.state = this.afterSkip;
          break;
        }
        case State.Emit:
          return assert(false, 'Emit is only a Skip target') as never;
      }
    }
    return undefined;
  }

  private skip(bytes: number, then: State): void {
    this.skipBytes = bytes;
    this.afterSkip = then;
    this.state = State.Skip;
  }

  private finishCommand(): Buffer[] {
    const args = this.args;
    this.args = [];
    this.argsExpected = 0;
    this.commandBytes = 0;
    this.state = State.Start;
    return args;
  }

  /**
   * Appends the bytes up to `terminator` to the line; returns true when the line is complete
   * (the terminator consumed). Throws `tooBig` when the line outgrows inlineBytesMax.
   */
  private readLine(input: Uint8Array, terminator: number, tooBig: string): boolean {
    const found = indexOfByte(input, terminator, this.pos);
    const stop = found < 0 ? input.length : found;
    const add = stop - this.pos;
    if (this.lineBytes + add > this.limits.inlineBytesMax) {
      throw new RespProtocolError(`ERR Protocol error: ${tooBig}`);
    }
    this.appendLine(input, this.pos, stop);
    this.pos = found < 0 ? stop : stop + 1;
    return found >= 0;
  }

  private appendLine(input: Uint8Array, from: number, to: number): void {
    const need = this.lineBytes + (to - from);
    if (need > this.line.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.line.length * 2));
      this.line.copy(grown, 0, 0, this.lineBytes);
      this.line = grown;
    }
    this.line.set(input.subarray(from, to), this.lineBytes);
    this.lineBytes = need;
  }

  private takeLine(): Buffer {
    const line = this.line.subarray(0, this.lineBytes);
    this.lineBytes = 0;
    return line;
  }

  private readInline(input: Uint8Array): Buffer[] | undefined {
    if (!this.readLine(input, lf, 'too big inline request')) return undefined;
    let line = this.takeLine();
    if (line.length > 0 && line[line.length - 1] === cr) line = line.subarray(0, line.length - 1);
    const args = splitInlineArgs(line);
    this.state = State.Start;
    if (args === undefined) {
      throw new RespProtocolError('ERR Protocol error: unbalanced quotes in request');
    }
    return args;
  }

  private readMultibulkCount(input: Uint8Array): void {
    if (!this.readLine(input, cr, 'too big mbulk count string')) return;
    const count = parseInt64(this.takeLine());
    if (count === undefined || count > BigInt(this.limits.multibulkLengthMax)) {
      throw new RespProtocolError('ERR Protocol error: invalid multibulk length');
    }
    this.argsExpected = count <= 0n ? 0 : Number(count);
    this.args = [];
    this.commandBytes = 0;
    // `*0` and `*-1` are no command at all (Redis resets the client and reads on).
    this.skip(1, this.argsExpected === 0 ? State.Start : State.BulkHeader);
  }

  private readBulkHeader(input: Uint8Array): void {
    if (!this.readLine(input, cr, 'too big bulk count string')) return;
    const line = this.takeLine();
    if (line.length === 0 || line[0] !== 0x24) {
      const got = line.length === 0 ? ' ' : printable(line[0]!);
      throw new RespProtocolError(`ERR Protocol error: expected '$', got '${got}'`);
    }
    const length = parseInt64(line.subarray(1));
    if (length === undefined || length < 0n || length > BigInt(this.limits.bulkBytesMax)) {
      throw new RespProtocolError('ERR Protocol error: invalid bulk length');
    }
    this.bulkBytes = Number(length);
    this.commandBytes += this.bulkBytes + argOverheadBytes;
    if (this.commandBytes > this.limits.commandBytesMax) throw new RespProtocolError(undefined);
    this.bulkReceived = 0;
    this.bulkParts = [];
    this.bulkPrealloc = this.bulkBytes <= bulkPreallocBytesMax
      ? Buffer.allocUnsafe(this.bulkBytes) : undefined;
    this.skip(1, State.BulkData);
  }

  private readBulkData(input: Uint8Array): void {
    const n = Math.min(this.bulkBytes - this.bulkReceived, input.length - this.pos);
    const chunk = input.subarray(this.pos, this.pos + n);
    if (this.bulkPrealloc !== undefined) this.bulkPrealloc.set(chunk, this.bulkReceived);
    else if (n > 0) this.bulkParts.push(Buffer.from(chunk));
    this.pos += n;
    this.bulkReceived += n;
    if (this.bulkReceived < this.bulkBytes) return;
    const arg = this.bulkPrealloc ?? Buffer.concat(this.bulkParts, this.bulkBytes);
    this.bulkPrealloc = undefined;
    this.bulkParts = [];
    this.args.push(arg);
    this.skip(2, this.args.length === this.argsExpected ? State.Emit : State.BulkHeader);
  }
}

function printable(byte: number): string {
  // Redis replaces \r and \n in error replies with spaces.
  if (byte === cr || byte === lf) return ' ';
  return String.fromCharCode(byte);
}

function indexOfByte(input: Uint8Array, byte: number, from: number): number {
  return input.indexOf(byte, from);
}

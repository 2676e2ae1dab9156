/**
 * The TCP bridge's wire format: length-prefixed frames.
 *
 *   u32 BE bodyBytes | u8 type | body (bodyBytes - 1 bytes)
 *
 * Types 1..5 are the handshake (bridgeHandshake.ts); after it, `raft` carries exactly the bytes
 * of one `encodeMessageBatch` (the same encoding the MessageChannels transfer) and `fwd` a
 * forwarded request or reply, exactly as frame.ts describes for the MessageChannels:
 *
 *   raft: u32 messageCount | MessageBatch encoding
 *   fwd:  u8 kind (0 forward, 1 forward-reply, 2 pubsub) | u64 requestId | payload
 *
 * The receiver learns a frame's length before reading its body, so it refuses an oversized
 * frame from the header alone, without buffering it (FrameTooLargeError). Before a connection
 * is authenticated the limit is tiny (handshakeFrameBytesMax): an unauthenticated stranger
 * cannot make a node allocate more than that.
 */
import { assert } from '../codec/assert.js';
import { batchMessagesMax } from '../codec/limits.js';
import { forwardKinds, TransportError, type ForwardKind } from './transport.js';

export enum WireType {
  Hello = 1,
  Challenge = 2,
  Proof = 3,
  Accept = 4,
  Refuse = 5,
  Raft = 16,
  Forward = 17,
}

/** Length prefix + type byte. */
export const frameHeaderBytes = 5;
/** Largest frame a peer may send before it has authenticated. */
export const handshakeFrameBytesMax = 1024;
/**
 * Default largest frame after authentication: a Snap message carries the whole encoded state
 * machine in one batch, so this is generous; a batch above it is not sent (a counted
 * `tooLarge` drop) and a frame above it closes the connection.
 */
export const frameBytesMaxDefault = 256 * 1024 * 1024;
/** The u32 length field's own ceiling (the body length counts the type byte). */
export const frameBytesMaxLimit = 0xffff_ffff;

/** A frame too large for the receiver's limit (or for the sender's, before it is sent). */
export class FrameTooLargeError extends TransportError {
  override name = 'FrameTooLargeError';
  constructor(readonly frameBytes: number, readonly frameBytesMax: number, what: string) {
    super(`bridge: ${what} frame of ${frameBytes} bytes exceeds the limit of ${frameBytesMax} ` +
      'bytes (frameBytesMax); raise frameBytesMax on every node if such frames are legitimate');
  }
}

/** A frame whose content is not what its type promises; the connection is closed. */
export class BridgeFrameError extends TransportError {
  override name = 'BridgeFrameError';
}

/** Header of one frame (length prefix + type) for a body of `bodyBytes` after the type. */
export function frameHeader(type: WireType, bodyBytes: number): Buffer {
  const header = Buffer.allocUnsafe(frameHeaderBytes);
  assert(bodyBytes + 1 <= frameBytesMaxLimit, 'frame length fits the u32 prefix');
  header.writeUInt32BE(bodyBytes + 1, 0);
  header.writeUInt8(type, 4);
  return header;
}

/** One whole frame (header and body) in one buffer; for the small handshake frames. */
export function encodeFrame(type: WireType, body: Uint8Array): Buffer {
  return Buffer.concat([frameHeader(type, body.length), body]);
}

export interface WireFrame {
  type: number;
  /** The body after the type byte, in its own buffer (entry data may be views into it). */
  body: Uint8Array;
}

/**
 * Reassembles frames from a byte stream. `push` takes each chunk as it arrives; `next` returns
 * the next whole frame or null. The body of a frame is copied once, into a buffer of exactly
 * its size, allocated only after the length was checked against the current limit.
 */
export class FrameAssembler {
  private readonly chunks: Buffer[] = [];
  private chunkBytes = 0;
  /** Body (type byte included) of the frame being filled, and how much of it is filled. */
  private pending: Uint8Array | null = null;
  private pendingFilled = 0;

  constructor(private frameBytesMax: number) {}

  /** The limit for frames whose header has not been read yet (raised after the handshake). */
  setLimit(frameBytesMax: number): void {
    this.frameBytesMax = frameBytesMax;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
  }

  /** Bytes received and not yet returned as frames. */
  get bufferedBytes(): number {
    return this.chunkBytes + this.pendingFilled;
  }

  /** The next whole frame, or null if more bytes are needed. Throws on a bad length. */
  next(): WireFrame | null {
    if (this.pending === null) {
      if (this.chunkBytes < 4) return null;
      const length = this.take(4).readUInt32BE(0);
      if (length === 0) throw new BridgeFrameError('bridge: frame with length 0 (no type byte)');
      if (length + 4 > this.frameBytesMax) {
        throw new FrameTooLargeError(length + 4, this.frameBytesMax, 'received');
      }
      this.pending = new Uint8Array(length);
      this.pendingFilled = 0;
    }
    const pending = this.pending;
    while (this.pendingFilled < pending.length && this.chunks.length > 0) {
      const chunk = this.chunks[0]!;
      const n = Math.min(chunk.length, pending.length - this.pendingFilled);
      pending.set(chunk.subarray(0, n), this.pendingFilled);
      this.pendingFilled += n;
      this.consume(n);
    }
    if (this.pendingFilled < pending.length) return null;
    this.pending = null;
    this.pendingFilled = 0;
    return { type: pending[0]!, body: pending.subarray(1) };
  }

  /** The first `n` buffered bytes (n <= chunkBytes), removed from the buffer. */
  private take(n: number): Buffer {
    assert(n <= this.chunkBytes, 'take within buffered bytes');
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const count = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, count);
      filled += count;
      this.consume(count);
    }
    return out;
  }

  private consume(n: number): void {
    const chunk = this.chunks[0]!;
    assert(n <= chunk.length, 'consume within the first chunk');
    if (n === chunk.length) this.chunks.shift();
    else this.chunks[0] = chunk.subarray(n);
    this.chunkBytes -= n;
  }
}

/** Writes a safe integer as u64 BE. */
export function writeU64(out: Buffer, value: number, offset: number): void {
  assert(Number.isSafeInteger(value) && value >= 0, `u64 field ${value} is a safe integer >= 0`);
  out.writeUInt32BE(Math.floor(value / 0x1_0000_0000), offset);
  out.writeUInt32BE(value >>> 0, offset + 4);
}

/** Reads a u64 BE that must be a safe integer; null if it is not. */
export function readU64(bytes: Uint8Array, offset: number): number | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const high = view.getUint32(offset);
  const low = view.getUint32(offset + 4);
  if (high > 0x1f_ffff) return null;
  return high * 0x1_0000_0000 + low;
}

/** Bytes before the batch in a raft frame: header + u32 message count. */
export const raftHeadBytes = frameHeaderBytes + 4;
/** Bytes before the payload in a fwd frame: header + u8 kind + u64 request id. */
export const forwardHeadBytes = frameHeaderBytes + 1 + 8;

/** The head of a raft frame; the encoded batch follows it as a second write. */
export function raftHead(count: number, batchBytes: number): Buffer {
  const head = Buffer.allocUnsafe(raftHeadBytes);
  frameHeader(WireType.Raft, 4 + batchBytes).copy(head, 0);
  head.writeUInt32BE(count, frameHeaderBytes);
  return head;
}

export function forwardHead(kind: ForwardKind, requestId: number, payloadBytes: number): Buffer {
  const head = Buffer.allocUnsafe(forwardHeadBytes);
  frameHeader(WireType.Forward, 1 + 8 + payloadBytes).copy(head, 0);
  head.writeUInt8(forwardKinds.indexOf(kind), frameHeaderBytes);
  writeU64(head, requestId, frameHeaderBytes + 1);
  return head;
}

export type DataFrame =
  | { k: 'raft'; count: number; batch: Uint8Array }
  | { k: 'fwd'; kind: ForwardKind; id: number; payload: Uint8Array };

/** A received raft or fwd frame's fields, or a sentence saying what is wrong with it. */
export function parseDataFrame(frame: WireFrame, forwardBytesMax: number): DataFrame | string {
  const { body } = frame;
  if (frame.type === WireType.Raft) {
    if (body.length < 4) return `raft frame of ${body.length} bytes is truncated`;
    const count = new DataView(body.buffer, body.byteOffset, 4).getUint32(0);
    if (count > batchMessagesMax) return `raft frame with bad count ${count}`;
    return { k: 'raft', count, batch: body.subarray(4) };
  }
  assert(frame.type === WireType.Forward, 'data frames are raft or fwd');
  if (body.length < 9) return `forward frame of ${body.length} bytes is truncated`;
  const kindByte = body[0]!;
  const kind = forwardKinds[kindByte];
  if (kind === undefined) return `forward frame with bad kind ${kindByte}`;
  const id = readU64(body, 1);
  if (id === null) return 'forward frame with a request id beyond 2^53';
  const payload = body.subarray(9);
  if (payload.length > forwardBytesMax) {
    return `forward frame of ${payload.length} bytes exceeds ${forwardBytesMax}`;
  }
  return { k: 'fwd', kind, id, payload };
}

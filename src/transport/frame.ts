/**
 * What travels on a peer's MessagePort. Every frame but `ack` carries exactly one ArrayBuffer,
 * transferred (not cloned) with postMessage's transfer list: the sender gives the bytes away
 * and the receiver owns them, so decoded byte fields can be views into them.
 *
 *   raft  — one encoded MessageBatch (src/codec); `n` = its message count, for counting drops
 *           without decoding
 *   fwd   — a forwarded client command or its reply, or a pub/sub relay batch: opaque bytes
 *           with the node's request id (the relay's: its batch sequence number)
 *   ack   — flow control: cumulative frames and bytes received on this port (see peerLink.ts)
 *
 * Frames arrive from another thread (and, via the TCP bridge, from another process), so the
 * receiver checks their shape with parseFrame before touching them.
 */
import { batchMessagesMax } from '../codec/limits.js';
import { forwardKinds, type ForwardKind } from './transport.js';

export type Frame =
  | { k: 'raft'; buf: ArrayBuffer; n: number }
  | { k: 'fwd'; kind: ForwardKind; id: number; buf: ArrayBuffer }
  | { k: 'ack'; frames: number; bytes: number };

/** The frame, or a sentence saying what is wrong with it. */
export function parseFrame(data: unknown, forwardBytesMax: number): Frame | string {
  if (typeof data !== 'object' || data === null) return `frame is ${typeof data}, not an object`;
  const frame = data as Record<string, unknown>;
  switch (frame['k']) {
    case 'raft': {
      if (!(frame['buf'] instanceof ArrayBuffer)) return 'raft frame without an ArrayBuffer';
      const n = frame['n'];
      if (!isCount(n) || n > batchMessagesMax) return `raft frame with bad count ${String(n)}`;
      return { k: 'raft', buf: frame['buf'], n };
    }
    case 'fwd': {
      const { kind, id, buf } = frame;
      if (!forwardKinds.includes(kind as ForwardKind)) {
        return `forward frame with bad kind ${String(kind)}`;
      }
      if (!isCount(id)) return `forward frame with bad request id ${String(id)}`;
      if (!(buf instanceof ArrayBuffer)) return 'forward frame without an ArrayBuffer';
      if (buf.byteLength > forwardBytesMax) {
        return `forward frame of ${buf.byteLength} bytes exceeds ${forwardBytesMax}`;
      }
      return { k: 'fwd', kind: kind as ForwardKind, id, buf };
    }
    case 'ack': {
      const { frames, bytes } = frame;
      if (!isCount(frames) || !isCount(bytes)) return 'ack frame with bad counts';
      return { k: 'ack', frames, bytes };
    }
    default:
      return `unknown frame kind ${String(frame['k'])}`;
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

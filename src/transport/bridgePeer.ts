/**
 * One remote peer of the TCP bridge, from the sender's side: its counters and its bounded send
 * queue. A frame is, from the moment it is accepted until TCP has taken it (the socket write
 * callback), in exactly one of three places, all counted against the same bounds:
 *
 *   held    — waiting out a delay rule (timer)
 *   queued  — waiting for an authenticated connection (the peer is down or still dialling)
 *   writing — handed to the socket, not yet flushed to the kernel
 *
 * `tryReserve` refuses a frame once `queueFramesMax` or `queueBytesMax` would be exceeded: the
 * caller drops it and counts `queueFull`. Raft retransmits what matters, and a peer that stays
 * behind is caught up by snapshot, so nothing is ever buffered without bound. As on the
 * MessageChannels, one frame larger than the byte bound still goes when nothing else is in
 * flight (a large snapshot must not be refused forever).
 */
import type { NodeId } from '../codec/types.js';
import { assert } from '../codec/assert.js';
import type { BridgeConnection } from './bridgeConnection.js';
import { emptyLinkStats, type DispatchOutcome } from './peerLink.js';
import type { LinkStats } from './transport.js';

export interface QueueLimits {
  queueFramesMax: number;
  queueBytesMax: number;
}

export interface PeerAddress {
  host: string;
  port: number;
}

interface OutFrame {
  parts: Uint8Array[];
  bytes: number;
  outcome: DispatchOutcome;
}

export class BridgePeer {
  readonly stats: LinkStats;
  /** Where to dial this peer; null: it dials us and we answer on its connection. */
  address: PeerAddress | null;
  /** Invariant: sendConn === null || sendConn.isOpen. */
  private sendConn: BridgeConnection | null = null;
  private readonly timers = new Map<NodeJS.Timeout, OutFrame>();
  private readonly queue: OutFrame[] = [];
  // Invariant: frames = timers.size + queue.length + writingFrames; bytes likewise.
  private frames = 0;
  private bytes = 0;
  private writingFrames = 0;

  constructor(
    readonly peer: NodeId,
    address: PeerAddress | null,
    private readonly limits: QueueLimits,
  ) {
    this.stats = emptyLinkStats(peer);
    this.address = address;
  }

  get connection(): BridgeConnection | null {
    return this.sendConn;
  }

  /** Sends on `conn` from now on (it is authenticated), flushing what waited for it. */
  attach(conn: BridgeConnection): void {
    assert(conn.isOpen && conn.peer === this.peer, 'attach an open connection to its peer');
    this.sendConn = conn;
    this.stats.connected = true;
    const waiting = this.queue.splice(0);
    for (const frame of waiting) this.write(frame);
  }

  /** `conn` is gone; frames still queued wait for the next connection. */
  detach(conn: BridgeConnection): void {
    if (this.sendConn !== conn) return;
    this.sendConn = null;
    this.stats.connected = false;
  }

  /** Reserves room for the frame made of `parts`; false means the queue is full. */
  tryReserve(parts: Uint8Array[]): boolean {
    const bytes = partsBytes(parts);
    if (this.frames >= this.limits.queueFramesMax) return false;
    if (this.frames > 0 && this.bytes + bytes > this.limits.queueBytesMax) return false;
    this.frames += 1;
    this.bytes += bytes;
    return true;
  }

  /** Sends a reserved frame now (in order) or after delayMs. */
  dispatch(parts: Uint8Array[], delayMs: number, outcome: DispatchOutcome): void {
    const frame: OutFrame = { parts, bytes: partsBytes(parts), outcome };
    if (delayMs === 0) {
      this.submit(frame);
      return;
    }
    this.stats.delayedBatches += 1;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.submit(frame);
    }, delayMs);
    this.timers.set(timer, frame);
  }

  /** Loses every frame in flight (transport closing or peer removed). */
  discardAll(): void {
    for (const [timer, frame] of this.timers) {
      clearTimeout(timer);
      this.release(frame);
      frame.outcome.onLost();
    }
    this.timers.clear();
    for (const frame of this.queue.splice(0)) {
      this.release(frame);
      frame.outcome.onLost();
    }
  }

  snapshot(): LinkStats {
    assert(this.frames === this.timers.size + this.queue.length + this.writingFrames,
      'frame count = held + queued + writing');
    return {
      ...this.stats, dropped: { ...this.stats.dropped },
      inflightFrames: this.frames, inflightBytes: this.bytes,
    };
  }

  private submit(frame: OutFrame): void {
    if (this.sendConn === null) this.queue.push(frame);
    else this.write(frame);
  }

  private write(frame: OutFrame): void {
    const conn = this.sendConn;
    assert(conn !== null, 'write needs a connection');
    this.writingFrames += 1;
    conn.write(frame.parts, (ok) => {
      this.writingFrames -= 1;
      this.release(frame);
      if (ok) frame.outcome.onPosted();
      else frame.outcome.onLost();
    });
  }

  private release(frame: OutFrame): void {
    this.frames -= 1;
    this.bytes -= frame.bytes;
    assert(this.frames >= 0 && this.bytes >= 0, 'in-flight counts stay >= 0');
  }
}

function partsBytes(parts: Uint8Array[]): number {
  return parts.reduce((sum, part) => sum + part.length, 0);
}

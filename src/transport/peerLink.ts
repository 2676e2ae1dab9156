/**
 * One peer's MessagePort, its counters and its flow control.
 *
 * Flow control: postMessage never pushes back, so a peer that is stuck (paused, in a long
 * fsync, dead without its port closing) would let frames pile up without bound in its port
 * queue. So the receiver acknowledges, cumulatively and at most once per event-loop turn, the
 * frames and bytes it has taken off the port; the sender counts as in flight every frame that
 * is queued (held back by a delay rule) or posted and not yet acknowledged, and refuses a new
 * frame once `inflightFramesMax` or `inflightBytesMax` is reached — a counted drop, which Raft
 * tolerates and retries. One frame larger than the byte limit still goes when nothing else is
 * in flight, so a big snapshot is never refused forever.
 *
 * Acks are transport-internal: not subject to fault rules (the receive-side partition check
 * happens after the frame has been taken off the port, so it is acknowledged too).
 */
import type { MessagePort } from 'node:worker_threads';
import type { NodeId } from '../codec/types.js';
import { assert } from '../codec/assert.js';
import type { Frame } from './frame.js';
import type { DropReason, LinkStats } from './transport.js';

export interface LinkLimits {
  inflightFramesMax: number;
  inflightBytesMax: number;
}

/** What becomes of a dispatched frame: posted, or lost because the port went away. */
export interface DispatchOutcome {
  onPosted(): void;
  onLost(): void;
}

export function emptyLinkStats(peer: NodeId): LinkStats {
  const dropped: Record<DropReason, number> = {
    blocked: 0, random: 0, queueFull: 0, unconnected: 0, blockedOnReceive: 0, tooLarge: 0,
  };
  return {
    peer, connected: false,
    sentBatches: 0, sentMessages: 0, sentBytes: 0,
    receivedBatches: 0, receivedMessages: 0, receivedBytes: 0,
    droppedMessages: 0, dropped,
    duplicatedBatches: 0, delayedBatches: 0,
    forwardsSent: 0, forwardsReceived: 0, forwardsDropped: 0,
    invalidFrames: 0, lastInvalidFrame: '',
    inflightFrames: 0, inflightBytes: 0,
  };
}

export class PeerLink {
  readonly stats: LinkStats;
  private port: MessagePort | null = null;
  /** Frames held back by a delay rule, with what to tell their sender if they are lost. */
  private readonly timers = new Map<NodeJS.Timeout, DispatchOutcome>();
  // Sender side, for the current port (reset by connect). Invariants:
  // ackedFrames <= postedFrames, ackedBytes <= postedBytes.
  private postedFrames = 0;
  private postedBytes = 0;
  private ackedFrames = 0;
  private ackedBytes = 0;
  private queuedFrames = 0;
  private queuedBytes = 0;
  // Receiver side: what we have taken off the current port, acknowledged in one post per turn.
  private takenFrames = 0;
  private takenBytes = 0;
  private ackPending: NodeJS.Immediate | null = null;

  constructor(
    readonly peer: NodeId,
    private readonly limits: LinkLimits,
    private readonly onFrame: (link: PeerLink, data: unknown) => void,
  ) {
    this.stats = emptyLinkStats(peer);
  }

  get connected(): boolean {
    return this.port !== null;
  }

  /** Uses `port` from now on; the previous port (if any) is closed, its frames are lost. */
  connect(port: MessagePort): void {
    this.disconnect();
    this.port = port;
    this.stats.connected = true;
    port.on('message', (data: unknown) => this.onFrame(this, data));
    // The other end closed (peer worker terminated or transport closed): stop sending.
    port.on('close', () => {
      if (this.port === port) this.disconnect();
    });
  }

  disconnect(): void {
    const held = [...this.timers];
    this.timers.clear();
    for (const [timer, outcome] of held) {
      clearTimeout(timer);
      outcome.onLost();
    }
    if (this.ackPending !== null) clearImmediate(this.ackPending);
    this.ackPending = null;
    const port = this.port;
    this.port = null;
    this.stats.connected = false;
    this.postedFrames = this.postedBytes = this.ackedFrames = this.ackedBytes = 0;
    this.queuedFrames = this.queuedBytes = 0;
    this.takenFrames = this.takenBytes = 0;
    if (port !== null) {
      port.removeAllListeners('message');
      port.removeAllListeners('close');
      port.close();
    }
  }

  /** Reserves room for one frame of `bytes`; false means the peer's queue is full. */
  tryReserve(bytes: number): boolean {
    const frames = this.queuedFrames + this.postedFrames - this.ackedFrames;
    const inflightBytes = this.queuedBytes + this.postedBytes - this.ackedBytes;
    if (frames >= this.limits.inflightFramesMax) return false;
    if (frames > 0 && inflightBytes + bytes > this.limits.inflightBytesMax) return false;
    this.queuedFrames += 1;
    this.queuedBytes += bytes;
    return true;
  }

  /** Posts a reserved frame now (delayMs 0, keeping order) or after delayMs. */
  dispatch(frame: Frame, buf: ArrayBuffer, delayMs: number, outcome: DispatchOutcome): void {
    assert(this.queuedFrames > 0, 'dispatch follows tryReserve');
    if (delayMs === 0) {
      this.post(frame, buf, outcome);
      return;
    }
    this.stats.delayedBatches += 1;
    const port = this.port;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      // A reconnect in between reset the accounting and owns a new port: this frame is lost.
      if (this.port !== port) outcome.onLost();
      else this.post(frame, buf, outcome);
    }, delayMs);
    this.timers.set(timer, outcome);
  }

  /** Called for every non-ack frame taken off the port: schedules one cumulative ack. */
  noteTaken(bytes: number): void {
    this.takenFrames += 1;
    this.takenBytes += bytes;
    if (this.ackPending !== null) return;
    this.ackPending = setImmediate(() => {
      this.ackPending = null;
      this.port?.postMessage({ k: 'ack', frames: this.takenFrames, bytes: this.takenBytes });
    });
  }

  /** Applies the peer's cumulative ack; returns an error sentence if it is impossible. */
  applyAck(frames: number, bytes: number): string | null {
    if (frames < this.ackedFrames || frames > this.postedFrames) {
      return `ack of ${frames} frames outside [${this.ackedFrames}, ${this.postedFrames}]`;
    }
    if (bytes < this.ackedBytes || bytes > this.postedBytes) {
      return `ack of ${bytes} bytes outside [${this.ackedBytes}, ${this.postedBytes}]`;
    }
    this.ackedFrames = frames;
    this.ackedBytes = bytes;
    return null;
  }

  snapshot(): LinkStats {
    const inflightFrames = this.queuedFrames + this.postedFrames - this.ackedFrames;
    const inflightBytes = this.queuedBytes + this.postedBytes - this.ackedBytes;
    return {
      ...this.stats,
      dropped: { ...this.stats.dropped },
      inflightFrames,
      inflightBytes,
    };
  }

  private post(frame: Frame, buf: ArrayBuffer, outcome: DispatchOutcome): void {
    this.queuedFrames -= 1;
    this.queuedBytes -= buf.byteLength;
    assert(this.queuedFrames >= 0 && this.queuedBytes >= 0, 'queued counts stay >= 0');
    const port = this.port;
    if (port === null) {
      outcome.onLost();
      return;
    }
    this.postedFrames += 1;
    this.postedBytes += buf.byteLength;
    port.postMessage(frame, [buf]);
    assert(buf.byteLength === 0, 'the frame buffer was transferred, not cloned');
    outcome.onPosted();
  }
}

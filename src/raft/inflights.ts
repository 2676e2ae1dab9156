/**
 * The MsgApp messages a leader has sent to one follower and not yet seen acknowledged, as a
 * ring buffer of (last index, bytes) pairs. The leader stops sending to a follower in
 * replicate state when the window is full by count or by bytes: this is the flow control that
 * bounds memory and lets a slow follower catch up without being flooded.
 */
import { assert } from '../codec/assert.js';
import type { LogIndex } from '../codec/types.js';

export class Inflights {
  private readonly indexes: LogIndex[] = [];
  private readonly bytes: number[] = [];
  /** Ring start. */
  private start = 0;
  /** Messages in flight. */
  count = 0;
  /** Entry bytes in flight. */
  bytesInflight = 0;

  constructor(
    readonly sizeMax: number,
    readonly bytesMax: number,
  ) {
    assert(Number.isInteger(sizeMax) && sizeMax > 0, `inflights size must be > 0: ${sizeMax}`);
    assert(bytesMax > 0, `inflights bytes bound must be > 0: ${bytesMax}`);
  }

  /** Records a message whose last entry is `index`, carrying `bytes` of entries. */
  add(index: LogIndex, bytes: number): void {
    assert(!this.full(), 'inflights.add on a full window');
    if (this.count > 0) {
      const last = this.indexes[(this.start + this.count - 1) % this.sizeMax]!;
      assert(index > last, `inflights.add index ${index} not above last ${last}`);
    }
    const slot = (this.start + this.count) % this.sizeMax;
    this.indexes[slot] = index;
    this.bytes[slot] = bytes;
    this.count++;
    this.bytesInflight += bytes;
  }

  /** Frees every message whose last index is <= `to` (they were acknowledged). */
  freeLE(to: LogIndex): void {
    while (this.count > 0 && this.indexes[this.start]! <= to) {
      this.bytesInflight -= this.bytes[this.start]!;
      this.start = (this.start + 1) % this.sizeMax;
      this.count--;
    }
    if (this.count === 0) this.start = 0;
  }

  /**
   * Frees the oldest message. A heartbeat response proves the follower is alive; if the window
   * is full its MsgApps were probably lost, and freeing one slot lets the leader send again
   * (the follower then rejects or acks, and replication resumes) instead of stalling forever.
   */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.freeLE(this.indexes[this.start]!);
  }

  full(): boolean {
    return this.count === this.sizeMax || this.bytesInflight >= this.bytesMax;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.bytesInflight = 0;
  }

  checkInvariants(): void {
    assert(this.count >= 0 && this.count <= this.sizeMax,
      `inflights count ${this.count} out of range`);
    assert(this.bytesInflight >= 0, `inflights bytes ${this.bytesInflight} negative`);
  }
}

/**
 * The simulated network between the nodes: every message gets a delivery time drawn from the
 * run's network profile and waits in the world's event queue; random delays reorder
 * messages. Messages may be dropped, duplicated, or cut by partitions (symmetric splits,
 * isolation of one node, one-way links) that come and go. A partition also cuts messages
 * already in flight: the check is made at send time and again at delivery time.
 *
 * Messages are copied at send (entries array and entry objects; byte payloads are never
 * mutated by anyone), so a receiver cannot alias the sender's log, as over a real wire.
 */
import { assert } from '../../src/codec/assert.js';
import type { Message, NodeId } from '../../src/codec/types.js';
import type { Prng } from '../../src/raft/prng.js';

export interface NetworkProfile {
  /** Probability that one message is lost. */
  dropRate: number;
  /** Probability that one message is delivered twice. */
  duplicateRate: number;
  delayMsMin: number;
  delayMsMax: number;
  /** Probability of a slow path: delay drawn from [delayMsMax, slowDelayMsMax]. */
  slowRate: number;
  slowDelayMsMax: number;
}

export type PartitionKind = 'split' | 'isolate' | 'one-way';

export interface Partition {
  id: number;
  kind: PartitionKind;
  /** Links (from → to) this partition cuts. */
  cut: Array<[NodeId, NodeId]>;
  untilMs: number;
}

export interface NetworkStats {
  sent: number;
  dropped: number;
  cut: number;
  duplicated: number;
  delivered: number;
}

export class SimNetwork {
  private readonly partitions: Partition[] = [];
  /** blocked[from][to]: recomputed when partitions change. */
  private blocked: boolean[][];
  private partitionIdNext = 1;
  readonly stats: NetworkStats = { sent: 0, dropped: 0, cut: 0, duplicated: 0, delivered: 0 };
  /** False after heal(): no random loss either (the liveness phase). */
  lossy = true;

  constructor(
    private readonly nodeIds: readonly NodeId[],
    private readonly random: Prng,
    readonly profile: NetworkProfile,
  ) {
    assert(profile.delayMsMin >= 1, 'network delay must be at least 1 ms');
    assert(profile.delayMsMin <= profile.delayMsMax, 'delayMsMin > delayMsMax');
    this.blocked = this.emptyMatrix();
  }

  /**
   * Decides the fate of one message: returns the delivery times (0, 1 or 2 of them).
   * The caller schedules a copy for each time.
   */
  route(msg: Message, nowMs: number): number[] {
    this.stats.sent++;
    if (this.isBlocked(msg.from, msg.to)) {
      this.stats.cut++;
      return [];
    }
    if (this.lossy && this.random.nextFloat() < this.profile.dropRate) {
      this.stats.dropped++;
      return [];
    }
    const times = [nowMs + this.delayMs()];
    if (this.lossy && this.random.nextFloat() < this.profile.duplicateRate) {
      this.stats.duplicated++;
      times.push(nowMs + this.delayMs());
    }
    return times;
  }

  /** At delivery time: a partition that started meanwhile cuts the message too. */
  deliverable(msg: Message): boolean {
    if (this.isBlocked(msg.from, msg.to)) {
      this.stats.cut++;
      return false;
    }
    this.stats.delivered++;
    return true;
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked[from]![to]!;
  }

  private delayMs(): number {
    const p = this.profile;
    if (this.lossy && this.random.nextFloat() < p.slowRate) {
      return p.delayMsMax + this.random.nextInt(p.slowDelayMsMax - p.delayMsMax + 1);
    }
    return p.delayMsMin + this.random.nextInt(p.delayMsMax - p.delayMsMin + 1);
  }

  /** Starts a random partition lasting [durationMsMin, durationMsMax]; returns it. */
  partitionRandom(nowMs: number, durationMs: number): Partition {
    const ids = this.nodeIds;
    const roll = this.random.nextInt(3);
    const cut: Array<[NodeId, NodeId]> = [];
    let kind: PartitionKind;
    if (roll === 0) {
      kind = 'isolate';
      const alone = ids[this.random.nextInt(ids.length)]!;
      for (const other of ids) if (other !== alone) cut.push([alone, other], [other, alone]);
    } else if (roll === 1) {
      kind = 'split';
      // A random non-trivial bipartition: every node flips a coin, then fix up emptiness.
      const side = ids.map(() => this.random.nextInt(2));
      if (side.every((s) => s === side[0])) side[this.random.nextInt(ids.length)] ^= 1;
      for (let i = 0; i < ids.length; i++) {
        for (let j = 0; j < ids.length; j++) {
          if (side[i] !== side[j]) cut.push([ids[i]!, ids[j]!]);
        }
      }
    } else {
      kind = 'one-way';
      const from = ids[this.random.nextInt(ids.length)]!;
      const others = ids.filter((x) => x !== from);
      // One or more outgoing links of one node die; its incoming links still work.
      const count = 1 + this.random.nextInt(others.length);
      for (let k = 0; k < count; k++) cut.push([from, others[(k + from) % others.length]!]);
    }
    const p: Partition = { id: this.partitionIdNext++, kind, cut, untilMs: nowMs + durationMs };
    this.partitions.push(p);
    this.recompute();
    return p;
  }

  /** Removes partitions whose time is up; returns how many ended. */
  expire(nowMs: number): number {
    const before = this.partitions.length;
    for (let i = this.partitions.length - 1; i >= 0; i--) {
      if (this.partitions[i]!.untilMs <= nowMs) this.partitions.splice(i, 1);
    }
    const ended = before - this.partitions.length;
    if (ended > 0) this.recompute();
    return ended;
  }

  activePartitions(): readonly Partition[] {
    return this.partitions;
  }

  /** Ends every partition and every random loss: the network becomes reliable. */
  heal(): void {
    this.partitions.length = 0;
    this.lossy = false;
    this.recompute();
  }

  private recompute(): void {
    this.blocked = this.emptyMatrix();
    for (const p of this.partitions) {
      for (const [from, to] of p.cut) this.blocked[from]![to] = true;
    }
  }

  private emptyMatrix(): boolean[][] {
    const size = Math.max(...this.nodeIds) + 1;
    return Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  }
}

/** A copy of a message for the receiver (see the file comment). */
export function copyMessage(msg: Message): Message {
  return {
    ...msg,
    entries: msg.entries.length === 0 ? [] : msg.entries.map((e) => ({ ...e })),
    snapshot:
      msg.snapshot === null
        ? null
        : {
            metadata: {
              ...msg.snapshot.metadata,
              confState: {
                voters: [...msg.snapshot.metadata.confState.voters],
                learners: [...msg.snapshot.metadata.confState.learners],
              },
            },
            data: msg.snapshot.data,
          },
  };
}

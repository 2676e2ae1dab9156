/**
 * What the driver needs from a node's disk, and the errors a simulated disk raises.
 *
 * A `SimDisk` outlives the node process: it is the node's medium. `open()` is a process start
 * (recovery); `crash()` is a power loss (everything not fsynced may be lost or torn). The
 * node's `NodeStore` is what one process incarnation writes through; after a crash it is dead.
 */
import type { ConfState, Entry, HardState, LogIndex, Snapshot } from '../../src/codec/types.js';
import type { RaftStorage } from '../../src/raft/storage.js';

/** Thrown out of a store call when the world decided the machine loses power right there. */
export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

/** One incarnation's view of its durable state. Every call is durable when it returns. */
export interface NodeStore {
  readonly raftStorage: RaftStorage;
  /** Persistence order step 1: a snapshot received from the leader. */
  saveSnapshot(snapshot: Snapshot): void;
  /** Step 2: HardState and new entries, one fsync for the batch. */
  save(hardState: HardState | null, entries: readonly Entry[]): void;
  /** A local snapshot of the state machine at `index` (<= applied). */
  createSnapshot(index: LogIndex, confState: ConfState, data: Uint8Array): void;
  /** Drops log entries up to `index` (covered by a durable snapshot). */
  compact(index: LogIndex): void;
  /** The applied index a restarted state machine resumes from (the snapshot's index). */
  snapshot(): Snapshot;
}

export interface SimDisk {
  /** Starts a process on this disk. Throws when recovery refuses (corruption). */
  open(bootstrap: ConfState): NodeStore;
  /** Power loss: unsynced writes are lost or torn. The open store is dead afterwards. */
  crash(): void;
  /** The next fsync does not happen: the machine crashes right before it. */
  armCrashAtNextSync(): void;
  /** The next fsync fails with EIO (the WAL fail-stops the node). */
  armSyncFailure(): void;
  /** Cancels armed crash and fsync faults (the faults heal). */
  disarmFaults(): void;
  /**
   * Flips one bit of durable log data where recovery must notice it; returns a description,
   * or null when there is nothing to flip. Only called while the node is down.
   */
  flipBit(): string | null;
  /** fsyncs are queued and only done at flushDeferredSyncs() (or before the next write). */
  deferSyncs: boolean;
  /** Planted-bug support: queued fsyncs wait for flushDeferredSyncs() even across writes. */
  lazySyncs: boolean;
  flushDeferredSyncs(): void;
  /** Bytes on the medium (statistics). */
  readonly kind: 'model' | 'wal';
}

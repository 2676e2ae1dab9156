/**
 * A model disk over src/raft's MemoryStorage: one MemoryStorage is "the platter" (durable),
 * the open store's MemoryStorage is the process's view. Used to compare against the real WAL
 * (`--disk model`) and to run the simulation when src/storage is unavailable. Bit flips are
 * not modelled (there are no bytes); crashes inside a save keep a random prefix of the batch's
 * entries and drop the HardState (the WAL writes entries before the HardState).
 */
import { assert } from '../../src/codec/assert.js';
import type { ConfState, Entry, HardState, LogIndex, Snapshot } from '../../src/codec/types.js';
import type { Prng } from '../../src/raft/prng.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import { SimulatedCrash, type NodeStore, type SimDisk } from './disk.js';

/** The model's fail-stop error for an fsync failure (the WAL throws WalFailedError). */
export class ModelSyncFailed extends Error {
  override name = 'ModelSyncFailed';
}

type DurableOp =
  | { kind: 'save'; hardState: HardState | null; entries: readonly Entry[] }
  | { kind: 'snapshot'; snapshot: Snapshot };

export class ModelDisk implements SimDisk {
  readonly kind = 'model' as const;
  private platter: MemoryStorage | null = null;
  private generation = 0;
  private crashArmed = false;
  private failArmed = false;
  private deferred: DurableOp[] = [];
  deferSyncs = false;
  lazySyncs = false;

  constructor(private readonly random: Prng) {}

  open(bootstrap: ConfState): NodeStore {
    if (this.platter === null) this.platter = new MemoryStorage(bootstrap);
    this.generation++;
    return new ModelStore(this, this.generation, copyStorage(this.platter, bootstrap), bootstrap);
  }

  crash(): void {
    this.generation++;
    this.deferred = [];
    this.crashArmed = false;
    this.failArmed = false;
  }

  armCrashAtNextSync(): void {
    this.crashArmed = true;
  }

  armSyncFailure(): void {
    this.failArmed = true;
  }

  disarmFaults(): void {
    this.crashArmed = false;
    this.failArmed = false;
  }

  flipBit(): string | null {
    return null;
  }

  flushDeferredSyncs(): void {
    for (const op of this.deferred) this.applyDurable(op);
    this.deferred = [];
  }

  /** Called by the store for each durable operation ("write + fsync"). */
  write(generation: number, op: DurableOp): void {
    assert(generation === this.generation, 'a dead process wrote to the model disk');
    if (this.crashArmed) {
      this.crashArmed = false;
      if (op.kind === 'save' && op.entries.length > 0) {
        const kept = this.random.nextInt(op.entries.length + 1);
        this.flushDeferredSyncs();
        this.applyDurable({ kind: 'save', hardState: null, entries: op.entries.slice(0, kept) });
      }
      throw new SimulatedCrash('power lost before fsync');
    }
    if (this.failArmed) {
      this.failArmed = false;
      this.deferred = [];
      throw new ModelSyncFailed('fsync failed (EIO); node must stop');
    }
    if (this.deferSyncs) this.deferred.push(op);
    else this.applyDurable(op);
  }

  private applyDurable(op: DurableOp): void {
    const p = this.platter!;
    if (op.kind === 'snapshot') {
      if (op.snapshot.metadata.index > p.snapshot().metadata.index) p.applySnapshot(op.snapshot);
      return;
    }
    if (op.entries.length > 0 && op.entries[0]!.index <= p.lastIndex() + 1) p.append(op.entries);
    if (op.hardState !== null) p.setHardState(op.hardState);
  }

  createSnapshotDurable(index: LogIndex, cs: ConfState, data: Uint8Array): void {
    const p = this.platter!;
    if (index > p.snapshot().metadata.index && index <= p.lastIndex()) {
      p.createSnapshot(index, cs, data);
    }
  }

  compactDurable(index: LogIndex): void {
    const p = this.platter!;
    if (index >= p.firstIndex() && index <= p.snapshot().metadata.index) p.compact(index);
  }
}

class ModelStore implements NodeStore {
  constructor(
    private readonly disk: ModelDisk,
    private readonly generation: number,
    readonly raftStorage: MemoryStorage,
    private readonly bootstrap: ConfState,
  ) {}

  saveSnapshot(snapshot: Snapshot): void {
    this.disk.write(this.generation, { kind: 'snapshot', snapshot });
    this.raftStorage.applySnapshot(snapshot);
  }

  save(hardState: HardState | null, entries: readonly Entry[]): void {
    this.disk.write(this.generation, { kind: 'save', hardState, entries: [...entries] });
    this.raftStorage.append(entries);
    if (hardState !== null) this.raftStorage.setHardState(hardState);
  }

  createSnapshot(index: LogIndex, confState: ConfState, data: Uint8Array): void {
    this.raftStorage.createSnapshot(index, confState, data);
    this.disk.createSnapshotDurable(index, confState, data);
  }

  compact(index: LogIndex): void {
    this.raftStorage.compact(index);
    this.disk.compactDurable(index);
  }

  snapshot(): Snapshot {
    void this.bootstrap;
    return this.raftStorage.snapshot();
  }
}

function copyStorage(from: MemoryStorage, bootstrap: ConfState): MemoryStorage {
  const to = new MemoryStorage(bootstrap);
  const snap = from.snapshot();
  if (snap.metadata.index > 0) to.applySnapshot(snap);
  const first = from.firstIndex();
  const last = from.lastIndex();
  if (last >= first) to.append(from.entries(first, last + 1, Number.MAX_SAFE_INTEGER));
  to.setHardState(from.initialState().hardState);
  return to;
}

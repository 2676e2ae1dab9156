/**
 * Options of one simulation run. Everything random about a run (fault rates, network
 * profile, timings) is drawn from the seed; these options only choose the size of the world,
 * the disk implementation and the planted bugs the teeth tests switch on.
 */
import { assert } from '../../src/codec/assert.js';

/** Bugs planted in the driver (the teeth tests); all off in a correct run. */
export interface PlantedBugs {
  /**
   * The leader counts its own log in the commit quorum before its fsync: its driver calls
   * advance() (which is where RawNode counts the leader's own match) and acknowledges clients
   * while the WAL fsync is still pending.
   */
  leaderAdvanceBeforeFsync?: boolean;
  /** Writes are acknowledged as soon as the leader persisted them, before commit and apply. */
  ackBeforeCommit?: boolean;
  /** Followers send append and vote responses before their fsync. */
  respondBeforeFsync?: boolean;
}

export type DiskKind = 'wal' | 'model';

export interface SimOptions {
  seed: number;
  nodeCount: 3 | 5;
  /** Record a readable trace (`--trace`). */
  trace: boolean;
  disk: DiskKind;
  bugs: PlantedBugs;
  /** Length of the fault phase, ms of simulated time. */
  chaosMs: number;
  /** Client operations issued during the fault phase (across all clients), at most. */
  clientOpsMax: number;
  /** Multiplies the fault rates drawn from the seed (the teeth tests raise it). */
  faultScale: number;
  /**
   * Check the §5.4.2 commit rule directly (safety.ts 'commit-rule'). On by default; the teeth
   * tests turn it off to show the end-to-end checks catch a broken commit rule as well.
   */
  commitRuleCheck: boolean;
}

export const defaultSimOptions: Omit<SimOptions, 'seed'> = {
  nodeCount: 3,
  trace: false,
  disk: 'wal',
  bugs: {},
  chaosMs: 2_500,
  clientOpsMax: 250,
  faultScale: 1,
  commitRuleCheck: true,
};

export function resolveSimOptions(partial: Partial<SimOptions> & { seed: number }): SimOptions {
  const o: SimOptions = { ...defaultSimOptions, ...partial, bugs: { ...partial.bugs } };
  assert(Number.isSafeInteger(o.seed) && o.seed >= 0, `seed must be an integer >= 0: ${o.seed}`);
  assert(o.nodeCount === 3 || o.nodeCount === 5, `nodeCount must be 3 or 5: ${o.nodeCount}`);
  assert(o.chaosMs >= 100, `chaosMs must be >= 100: ${o.chaosMs}`);
  assert(o.clientOpsMax >= 1, `clientOpsMax must be >= 1: ${o.clientOpsMax}`);
  assert(o.faultScale >= 0, `faultScale must be >= 0: ${o.faultScale}`);
  return o;
}

/** Raft timing shared by every node. */
export const TICK_MS = 10;
export const ELECTION_TICKS = 10;
export const HEARTBEAT_TICKS = 2;
export const ELECTION_TIMEOUT_MS = TICK_MS * ELECTION_TICKS;

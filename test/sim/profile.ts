/**
 * The run's profile: fault rates, network behaviour, disk latency, client load and snapshot
 * cadence, all drawn from the seed so that different seeds explore different regimes (a calm
 * cluster, a lossy one, one that crashes every few hundred ms, ...). docs/sim.md lists the
 * ranges. `faultScale` multiplies the per-tick fault probabilities.
 */
import type { Prng } from '../../src/raft/prng.js';
import type { NetworkProfile } from './network.js';

export interface FaultProfile {
  /** Per chaos tick (10 ms): probability to crash a random running node. */
  crashPerTick: number;
  /** Of those crashes, the fraction that strike during the node's next fsync. */
  crashAtSyncFraction: number;
  /** Per chaos tick: probability to start a partition. */
  partitionPerTick: number;
  /** Per chaos tick: probability to make a random node's next fsync fail (EIO). */
  syncErrorPerTick: number;
  /** Per chaos tick: probability that the leader is asked to hand over to a random node. */
  transferPerTick: number;
  /** When (ms) to flip a bit in one stopped node's WAL, or -1 for no bit flip this run. */
  bitFlipAtMs: number;
  restartDelayMsMin: number;
  restartDelayMsMax: number;
  partitionMsMin: number;
  partitionMsMax: number;
  fsyncLatencyMsMax: number;
  network: NetworkProfile;
  clientCount: number;
  thinkMsMax: number;
  snapshotEveryEntries: number;
  compactKeepEntries: number;
  maxSizePerMsgBytes: number;
  maxInflightMsgs: number;
}

function between(r: Prng, lo: number, hi: number): number {
  return lo + r.nextFloat() * (hi - lo);
}

function intBetween(r: Prng, lo: number, hi: number): number {
  return lo + r.nextInt(hi - lo + 1);
}

export function drawProfile(
  r: Prng,
  chaosMs: number,
  faultScale: number,
  walDisk: boolean,
): FaultProfile {
  // A quarter of the runs have a reliable network, so progress-heavy paths get time too.
  const lossy = r.nextInt(4) !== 0;
  const delayMsMax = intBetween(r, 2, 12);
  return {
    crashPerTick: faultScale * between(r, 0, 0.035),
    crashAtSyncFraction: 0.5,
    partitionPerTick: faultScale * between(r, 0, 0.035),
    syncErrorPerTick: faultScale * between(r, 0, 0.008),
    transferPerTick: between(r, 0, 0.01),
    bitFlipAtMs: walDisk && r.nextInt(5) === 0 ? intBetween(r, 100, chaosMs - 50) : -1,
    restartDelayMsMin: 10,
    restartDelayMsMax: intBetween(r, 50, 600),
    partitionMsMin: 30,
    partitionMsMax: intBetween(r, 100, 800),
    fsyncLatencyMsMax: intBetween(r, 1, 5),
    network: {
      dropRate: lossy ? between(r, 0, 0.08) : 0,
      duplicateRate: lossy ? between(r, 0, 0.04) : 0,
      delayMsMin: 1,
      delayMsMax,
      slowRate: lossy ? between(r, 0, 0.05) : 0,
      slowDelayMsMax: delayMsMax + intBetween(r, 10, 150),
    },
    clientCount: intBetween(r, 3, 6),
    thinkMsMax: intBetween(r, 2, 25),
    snapshotEveryEntries: intBetween(r, 8, 60),
    compactKeepEntries: intBetween(r, 0, 12),
    maxSizePerMsgBytes: r.nextInt(2) === 0 ? 256 : 4096,
    maxInflightMsgs: intBetween(r, 1, 8),
  };
}

/**
 * The experiments. Each run injects one fault under load, measures what the issue asks, and
 * undoes the fault so the next run starts from a healthy cluster.
 */
import { isolate } from '../cluster/actions.js';
import type { ExperimentContext, RunRecord, Scenario } from './runner.js';

const becameLeader = (excluding: number) => (e: { node: number; text: string }) =>
  e.node !== excluding && e.text.startsWith('became leader');

const since = (from: number, to: number | null) => (to === null ? null : to - from);

export const failover: Scenario = {
  name: 'failover',
  description: 'kill the leader under load, measure the time to a new leader and to the first ' +
    'acknowledged write after the kill, restart the old leader; repeat',
  timingNames: ['newLeaderMs', 'firstWriteMs'],
  async run(ctx: ExperimentContext, run: number): Promise<RunRecord> {
    const leader = await ctx.cluster.waitForLeader();
    const killAt = ctx.mark(`run ${run}: kill leader ${leader}`, 'fault');
    const firstWrite = ctx.firstAckAfter(killAt);
    await ctx.cluster.kill(leader);
    const electedAt = await ctx.waitForEvent(killAt, becameLeader(leader));
    if (electedAt !== null) ctx.mark(`run ${run}: new leader`, 'recovery');
    const writeAt = await firstWrite;
    await ctx.cluster.restart(leader);
    await ctx.waitCaughtUp(leader);
    return {
      run,
      timings: { newLeaderMs: since(killAt, electedAt), firstWriteMs: since(killAt, writeAt) },
      notes: [`killed node ${leader}`],
    };
  },
};

export const partition: Scenario = {
  name: 'partition',
  description: 'isolate the leader in a minority under load; the majority elects a new leader ' +
    'and keeps acknowledging writes, the old leader steps down (check-quorum); heal',
  timingNames: ['newLeaderMs', 'firstWriteMs', 'oldLeaderStepDownMs', 'rejoinMs'],
  async run(ctx: ExperimentContext, run: number): Promise<RunRecord> {
    const leader = await ctx.cluster.waitForLeader();
    const cutAt = ctx.mark(`run ${run}: isolate leader ${leader}`, 'fault');
    const firstWrite = ctx.firstAckAfter(cutAt);
    await isolate(ctx.cluster, leader);
    const electedAt = await ctx.waitForEvent(cutAt, becameLeader(leader));
    const stepDownAt = await ctx.waitForEvent(cutAt, (e) =>
      e.node === leader && e.text.startsWith('became follower'));
    const writeAt = await firstWrite;
    await ctx.sleep(ctx.options.settleMs);
    const healAt = ctx.mark(`run ${run}: heal`, 'recovery');
    await ctx.cluster.heal();
    await ctx.waitCaughtUp(leader);
    return {
      run,
      timings: {
        newLeaderMs: since(cutAt, electedAt), firstWriteMs: since(cutAt, writeAt),
        oldLeaderStepDownMs: since(cutAt, stepDownAt), rejoinMs: performance.now() - healAt,
      },
      notes: [`isolated node ${leader}`],
    };
  },
};

/** A fault held for a while under load; the timings are the write latency while it lasts. */
function heldFault(
  name: string, description: string,
  apply: (ctx: ExperimentContext) => Promise<string>,
  undo: (ctx: ExperimentContext) => Promise<void>,
): Scenario {
  return {
    name, description, timingNames: ['faultP99Ms', 'recoveredP99Ms'],
    async run(ctx: ExperimentContext, run: number): Promise<RunRecord> {
      const latencies: number[] = [];
      const off = ctx.load.onOp((op) => {
        if (op.outcome === 'ok') latencies.push(op.completeMs - op.invokeMs);
      });
      const label = await apply(ctx);
      ctx.mark(`run ${run}: ${label}`, 'fault');
      await ctx.sleep(ctx.options.settleMs * 3);
      const during = latencies.splice(0);
      await undo(ctx);
      ctx.mark(`run ${run}: undo`, 'recovery');
      await ctx.sleep(ctx.options.settleMs * 2);
      off();
      const p99 = (xs: number[]) => {
        const s = [...xs].sort((a, b) => a - b);
        return s.length === 0 ? null : s[Math.ceil(s.length * 0.99) - 1]!;
      };
      return {
        run, timings: { faultP99Ms: p99(during), recoveredP99Ms: p99(latencies) }, notes: [label],
      };
    },
  };
}

export const slowDisk = heldFault('slow-disk',
  'add 40 ms to every fsync of the leader under load, then restore the disk',
  async (ctx) => {
    const leader = await ctx.cluster.waitForLeader();
    await ctx.cluster.setDiskDelay(leader, 40);
    return `slow disk on leader ${leader}`;
  },
  async (ctx) => {
    for (const id of ctx.cluster.ids) {
      if (ctx.cluster.isAlive(id)) await ctx.cluster.setDiskDelay(id, 0);
    }
  });

export const flakyNetwork = heldFault('flaky-network',
  'drop 10% of messages and delay the rest 20±10 ms under load, then heal',
  async (ctx) => {
    await ctx.cluster.setNetwork({ dropRate: 0.1, delayMs: 20, delayJitterMs: 10 });
    return 'drop 10%, delay 20±10 ms';
  },
  (ctx) => ctx.cluster.heal());

export const scenarios: Record<string, Scenario> = {
  failover, partition, 'slow-disk': slowDisk, 'flaky-network': flakyNetwork,
};

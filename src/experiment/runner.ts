/**
 * The experiment runner: a real cluster, a steady history-recording load, a scenario that
 * injects its fault `runs` times and measures, then the verdicts every experiment owes:
 * acknowledged writes lost (every acknowledged receipt key is read back through Raft) and
 * linearizability of the recorded history (src/check). Scenarios live in scenarios.ts.
 */
import { Cluster, type ClusterEvent } from '../cluster/cluster.js';
import { LoadGenerator, type LoadBucket, type OpRecord } from '../cluster/loadGenerator.js';
import { RespClient } from '../cluster/respClient.js';
import { HistoryRecorder, checkLinearizability, type Operation } from '../check/index.js';
import { summarize, type Summary } from './stats.js';

export interface ExperimentOptions {
  runs: number;
  seed: number;
  nodes: number;
  clients: number;
  keys: number;
  /** Quiet load before the first fault and between faults. */
  settleMs: number;
  /** How long one measured wait (new leader, first write) may take before the run fails. */
  waitMsMax: number;
}

export const experimentDefaults: ExperimentOptions = {
  runs: 5, seed: 1, nodes: 3, clients: 4, keys: 8, settleMs: 500, waitMsMax: 10_000,
};

/** Something to draw on the chart: a fault and what followed it. */
export interface Mark {
  atMs: number;
  label: string;
  kind: 'fault' | 'recovery';
}

export interface RunRecord {
  run: number;
  /** Named timings in ms; null = did not happen within waitMsMax. */
  timings: Record<string, number | null>;
  notes: string[];
}

export interface ExperimentContext {
  cluster: Cluster;
  load: LoadGenerator;
  options: ExperimentOptions;
  mark(label: string, kind: Mark['kind']): number;
  /** performance.now() of the first event after `sinceMs` that matches, or null on timeout. */
  waitForEvent(sinceMs: number, match: (e: ClusterEvent) => boolean): Promise<number | null>;
  /** Completion time of the first acknowledged write invoked at or after `sinceMs`, or null. */
  firstAckAfter(sinceMs: number): Promise<number | null>;
  /** Waits until node `id` has applied everything the leader committed (bounded). */
  waitCaughtUp(id: number): Promise<void>;
  sleep(ms: number): Promise<void>;
}

export interface Scenario {
  name: string;
  description: string;
  /** Timing names in the order the table shows them. */
  timingNames: string[];
  run(ctx: ExperimentContext, run: number): Promise<RunRecord>;
}

export interface ExperimentResult {
  name: string;
  description: string;
  options: ExperimentOptions;
  timing: Cluster['options']['timing'];
  runs: RunRecord[];
  timings: Record<string, Summary>;
  ops: { acknowledged: number; failed: number; unknown: number };
  receipts: { acknowledged: number; lost: number; lostKeys: string[] };
  linearizable: 'yes' | 'no' | 'unknown';
  linearizabilityNote: string;
  leaderChanges: number;
  marks: Mark[];
  buckets: { startMs: number; ok: number; failed: number; unknown: number; p99Ms: number | null }[];
  bucketMs: number;
  startMs: number;
  history: Operation[];
  events: { atMs: number; node: number; text: string }[];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitUntil(probe: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!probe()) {
    if (performance.now() > deadline) return false;
    await sleep(5);
  }
  return true;
}

function makeContext(
  cluster: Cluster, load: LoadGenerator, options: ExperimentOptions,
  marks: Mark[], events: (ClusterEvent & { nowMs: number })[],
): ExperimentContext {
  return {
    cluster, load, options, sleep,
    mark(label, kind) {
      const atMs = performance.now();
      marks.push({ atMs, label, kind });
      return atMs;
    },
    async waitForEvent(sinceMs, match) {
      let found: number | null = null;
      await waitUntil(() => {
        const e = events.find((x) => x.nowMs >= sinceMs && match(x));
        found = e?.nowMs ?? null;
        return found !== null;
      }, options.waitMsMax);
      return found;
    },
    firstAckAfter(sinceMs) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => { off(); resolve(null); }, options.waitMsMax);
        const off = load.onOp((op: OpRecord) => {
          if (op.write && op.outcome === 'ok' && op.invokeMs >= sinceMs) {
            clearTimeout(timer);
            off();
            resolve(op.completeMs);
          }
        });
      });
    },
    async waitCaughtUp(id) {
      const deadline = performance.now() + options.waitMsMax;
      while (performance.now() < deadline) {
        const statuses = await cluster.status();
        const leader = statuses.find((s) => s.alive && s.role === 'leader');
        const node = statuses.find((s) => s.id === id);
        if (leader && node?.alive && node.appliedIndex >= leader.commitIndex - 50) return;
        await sleep(20);
      }
    },
  };
}

/** Reads every acknowledged receipt back (linearizable reads, pipelined); returns lost keys. */
async function lostReceipts(
  cluster: Cluster, acknowledged: Map<string, string>,
): Promise<string[]> {
  const leader = await cluster.waitForLeader();
  const client = await RespClient.connect({
    host: cluster.options.host, port: cluster.portOf(leader), connectTimeoutMs: 2000,
    callTimeoutMs: 10_000,
  });
  const lost: string[] = [];
  try {
    const entries = [...acknowledged];
    for (let i = 0; i < entries.length; i += 256) {
      const batch = entries.slice(i, i + 256);
      const values = await Promise.all(batch.map(([key]) => client.call('GET', key)));
      batch.forEach(([key, value], j) => { if (values[j] !== value) lost.push(key); });
    }
  } finally {
    client.close();
  }
  return lost;
}

function bucketRows(buckets: LoadBucket[]): ExperimentResult['buckets'] {
  return buckets.map((b) => {
    const sorted = [...b.latenciesMs].sort((x, y) => x - y);
    const p99 = sorted.length === 0 ? null : sorted[Math.ceil(sorted.length * 0.99) - 1]!;
    return { startMs: b.startMs, ok: b.ok, failed: b.failed, unknown: b.unknown, p99Ms: p99 };
  });
}

export async function runExperiment(
  scenario: Scenario, partial: Partial<ExperimentOptions> = {},
): Promise<ExperimentResult> {
  const options = { ...experimentDefaults, ...partial };
  // No dataDir: a temporary directory that stop() removes.
  const cluster = await Cluster.start({ nodes: options.nodes, basePort: 0, seed: options.seed });
  const events: (ClusterEvent & { nowMs: number })[] = [];
  const offEvents = cluster.onEvent((e) => events.push({ ...e, nowMs: performance.now() }));
  const marks: Mark[] = [];
  const history = new HistoryRecorder();
  let load: LoadGenerator | null = null;
  try {
    await cluster.waitForLeader();
    const startMs = performance.now();
    load = new LoadGenerator({
      host: cluster.options.host, ports: () => cluster.ids.map((id) => cluster.portOf(id)),
      clients: options.clients, keys: options.keys, seed: options.seed, history,
      receipts: true, keyPrefix: `${scenario.name}:`, bucketMs: 100, bucketsMax: 100_000,
      callTimeoutMs: 3000,
    });
    const ctx = makeContext(cluster, load, options, marks, events);
    const runs: RunRecord[] = [];
    await sleep(options.settleMs * 2);
    for (let run = 1; run <= options.runs; run++) {
      runs.push(await scenario.run(ctx, run));
      await sleep(options.settleMs);
    }
    await load.stop();
    const lost = await lostReceipts(cluster, load.acknowledged);
    const operations = history.operations();
    const check = checkLinearizability(operations);
    const timings = Object.fromEntries(scenario.timingNames.map((name) =>
      [name, summarize(runs.map((r) => r.timings[name] ?? null))]));
    return {
      name: scenario.name, description: scenario.description, options,
      timing: cluster.options.timing, runs, timings,
      ops: {
        acknowledged: load.counts.ok, failed: load.counts.failed, unknown: load.counts.unknown,
      },
      receipts: {
        acknowledged: load.acknowledged.size, lost: lost.length, lostKeys: lost.slice(0, 100),
      },
      linearizable: check.result === 'ok' ? 'yes' : check.result === 'violation' ? 'no' : 'unknown',
      linearizabilityNote: check.violation?.explanation ?? '',
      leaderChanges: events.filter((e) => e.text.startsWith('became leader')).length,
      marks: marks.map((m) => ({ ...m, atMs: m.atMs - startMs })),
      buckets: bucketRows(load.timeline()).map((b) => ({ ...b, startMs: b.startMs - startMs })),
      bucketMs: load.options.bucketMs, startMs,
      history: operations,
      events: events.map((e) => ({ atMs: e.nowMs - startMs, node: e.node, text: e.text })),
    };
  } finally {
    offEvents();
    await load?.stop();
    await cluster.stop();
  }
}

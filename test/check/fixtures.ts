/**
 * Helpers shared by the src/check tests: a compact way to write histories by hand, a generator
 * of histories that are linearizable by construction, and an independent validator of a
 * linearization the checker returns.
 */
import {
  applyModelOp,
  type ModelOp,
  type ModelResult,
  type OpId,
  type OpOutcome,
  type Operation,
} from '../../src/check/index.js';
import { seededRandom } from '../../src/raft/index.js';

export type Outcome = ModelResult | 'failed' | 'unknown';

/** [client, op, invokeTime, completeTime (null = never), outcome] */
export type Row = [number, ModelOp, number, number | null, Outcome];

export function history(rows: Row[]): Operation[] {
  return rows.map(([clientId, op, invokeTime, completeTime, out], i) => {
    const outcome: OpOutcome =
      out === 'failed' || out === 'unknown' ? { kind: out } : { kind: 'ok', result: out };
    return { id: i as OpId, clientId, op, invokeTime, completeTime, outcome };
  });
}

/** The project's seeded PRNG, so generated histories replay from a seed. */
export const prng = seededRandom;

export interface GeneratedOp {
  op: ModelOp;
  /** How the generated op is recorded; 'ok' ones took effect at their linearization point. */
  fate: 'ok' | 'unknownApplied' | 'unknownNotApplied' | 'failed';
  jitterBefore: number;
  jitterAfter: number;
}

/**
 * Runs `plan` sequentially against a Map: op i takes effect at time 10*i + 5 (its linearization
 * point). Each op's interval is stretched by its jitter around that point, so operations
 * overlap in real time while the sequential order remains a valid linearization. Ops whose
 * fate is 'unknownNotApplied' or 'failed' are not applied at all.
 */
export function runSequentially(plan: GeneratedOp[]): Operation[] {
  const store = new Map<string, string>();
  const ops: Operation[] = [];
  plan.forEach((p, i) => {
    const point = 10 * i + 5;
    const invokeTime = point - p.jitterBefore;
    const completeTime = point + p.jitterAfter;
    const applied = p.fate === 'ok' || p.fate === 'unknownApplied';
    const { result, next } = applyModelOp(store.get(p.op.key) ?? null, p.op);
    if (applied) {
      if (next === null) store.delete(p.op.key);
      else store.set(p.op.key, next);
    }
    let outcome: OpOutcome = { kind: 'ok', result };
    if (p.fate === 'failed') outcome = { kind: 'failed' };
    else if (p.fate !== 'ok') outcome = { kind: 'unknown' };
    ops.push({ id: i as OpId, clientId: i % 7, op: p.op, invokeTime, completeTime, outcome });
  });
  return ops;
}

/**
 * Throws unless `order` is a linearization of the key's operations in `ops`: it contains every
 * operation with an ok outcome, only writes among the unknown ones, respects real time, and
 * replaying it sequentially yields every recorded result.
 */
export function assertValidLinearization(ops: Operation[], key: string, order: OpId[]): void {
  const byId = new Map(ops.map((o) => [o.id, o]));
  const mustContain = ops.filter(
    (o) => o.op.key === key && o.outcome.kind === 'ok',
  );
  const inOrder = new Set(order);
  for (const o of mustContain) {
    if (!inOrder.has(o.id)) throw new Error(`linearization misses op ${o.id}`);
  }
  let state: string | null = null;
  let latestInvoke = -Infinity;
  for (const id of order) {
    const o = byId.get(id);
    if (o === undefined || o.op.key !== key) throw new Error(`foreign op ${id} in order`);
    if (o.outcome.kind === 'failed') throw new Error(`failed op ${id} linearized`);
    // Real time: an op that completed before a prior op was invoked cannot come after it.
    if (o.outcome.kind === 'ok' && o.completeTime! < latestInvoke) {
      throw new Error(`op ${id} completed before an earlier-placed op was invoked`);
    }
    latestInvoke = Math.max(latestInvoke, o.invokeTime);
    const { result, next } = applyModelOp(state, o.op);
    if (o.outcome.kind === 'ok' && JSON.stringify(result) !== JSON.stringify(o.outcome.result)) {
      throw new Error(`op ${id} recorded ${JSON.stringify(o.outcome.result)}, ` +
        `replay gives ${JSON.stringify(result)}`);
    }
    state = next;
  }
}

export interface ConcurrentHistoryOptions {
  seed: number;
  opCount: number;
  keyCount: number;
  /** Clients issuing operations at the same time, each one at a time. */
  clientCount: number;
  /** Fraction of writes whose outcome is recorded as unknown (half of them never applied). */
  unknownFraction: number;
}

/**
 * A realistic concurrent history: each client issues operations back to back with random
 * latencies; each operation takes effect at a random instant inside its interval, and the
 * results come from applying operations to a Map in the order of those instants. Linearizable
 * by construction.
 */
export function concurrentHistory(o: ConcurrentHistoryOptions): Operation[] {
  const random = prng(o.seed);
  const pick = (n: number): number => Math.floor(random() * n);
  const plans: { clientId: number; op: ModelOp; invoke: number; complete: number; point: number;
    unknown: boolean; applied: boolean }[] = [];
  const clientTime = new Array<number>(o.clientCount).fill(0);
  for (let i = 0; i < o.opCount; i++) {
    const clientId = i % o.clientCount;
    const invoke = clientTime[clientId]! + 1 + pick(3);
    const complete = invoke + 1 + pick(20);
    clientTime[clientId] = complete;
    const key = `key-${pick(o.keyCount)}`;
    const value = `v${pick(8)}`;
    const kind = pick(10);
    const op: ModelOp = kind < 4 ? { kind: 'get', key } : kind < 7 ? { kind: 'put', key, value }
      : kind < 8 ? { kind: 'del', key } : { kind: 'cas', key, expected: `v${pick(8)}`, value };
    const unknown = op.kind !== 'get' && random() < o.unknownFraction;
    const applied = !unknown || random() < 0.5;
    const point = invoke + random() * (complete - invoke);
    plans.push({ clientId, op, invoke, complete, point, unknown, applied });
  }
  const results = new Array<ModelResult>(plans.length);
  const byPoint = plans.map((_, i) => i).sort((a, b) => plans[a]!.point - plans[b]!.point);
  const store = new Map<string, string>();
  for (const i of byPoint) {
    const p = plans[i]!;
    const { result, next } = applyModelOp(store.get(p.op.key) ?? null, p.op);
    results[i] = result;
    if (!p.applied) continue;
    if (next === null) store.delete(p.op.key);
    else store.set(p.op.key, next);
  }
  return plans.map((p, i) => ({
    id: i as OpId, clientId: p.clientId, op: p.op, invokeTime: p.invoke,
    completeTime: p.complete,
    outcome: p.unknown ? { kind: 'unknown' } : { kind: 'ok', result: results[i]! },
  }));
}

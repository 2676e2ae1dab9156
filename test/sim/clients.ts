/**
 * Simulated clients. Each runs one operation at a time (think time in between), over a small
 * key space so that operations collide, and records every operation in a HistoryRecorder with
 * the simulated clock:
 *
 * - a write is sent to the node the client believes is the leader; a node that refuses it
 *   before proposing (down, not leader) makes the client retry elsewhere until the deadline,
 *   and if no node ever accepted it the outcome is `failed` (it cannot have happened);
 * - once accepted, the client waits for the answer; a lost answer (the node crashed) or the
 *   deadline makes the outcome `unknown` (it may still commit later);
 * - a get goes through ReadIndex on any node (followers forward to the leader); a get has no
 *   effect, so a lost one is simply retried until the deadline.
 *
 * The recorder's time is the world's event clock (ms * 1024 + event order within the ms), so
 * the real-time order of operations is precise even inside one simulated millisecond.
 */
import {
  HistoryRecorder, describeKvOp, describeKvResult, kv, type ModelOp, type ModelResult, type OpId,
} from '../../src/check/index.js';
import type { NodeId } from '../../src/codec/types.js';
import { NONE } from '../../src/codec/types.js';
import type { Prng } from '../../src/raft/prng.js';
import type { NodeRequest, SimNode } from './simNode.js';

export interface ClientWorld {
  nowMs(): number;
  /** A strictly increasing clock for the history. */
  historyTime(): number;
  nodes: readonly SimNode[];
  later(delayMs: number, fn: () => void): void;
  newRequestId(): number;
  /** A readable trace line (only built with --trace). */
  note(make: () => string): void;
}

interface InFlight {
  opId: OpId;
  op: ModelOp;
  requestId: number;
  deadlineMs: number;
  /** Some node accepted (proposed) this write: its outcome can no longer be `failed`. */
  accepted: boolean;
  done: boolean;
}

export const KEYS = ['a', 'b', 'c', 'd', 'e', 'f'];
export const OP_TIMEOUT_MS = 400;
const RETRY_DELAY_MS = 15;

export class SimClient {
  private leaderHint: NodeId = NONE;
  private seq = 0;
  private current: InFlight | null = null;
  /** Values this client saw or wrote, for plausible cas expectations. */
  private readonly seen = new Map<string, string | null>();
  stats = { ok: 0, failed: 0, unknown: 0 };

  constructor(
    readonly id: number,
    private readonly world: ClientWorld,
    private readonly history: HistoryRecorder,
    private readonly random: Prng,
  ) {}

  get busy(): boolean {
    return this.current !== null;
  }

  /** Starts one operation (the caller decides when); `op` defaults to a random one. */
  startOp(op: ModelOp = this.randomOp(), onEnd?: (ok: boolean) => void): void {
    const opId = this.history.invoke(this.id, op, this.world.historyTime());
    const f: InFlight = {
      opId, op, requestId: this.world.newRequestId(),
      deadlineMs: this.world.nowMs() + OP_TIMEOUT_MS, accepted: false, done: false,
    };
    this.current = f;
    this.onEnd = onEnd ?? null;
    this.world.note(() => `c${this.id} invokes #${opId} ${describeKvOp(op)}`);
    this.world.later(OP_TIMEOUT_MS, () => {
      if (!f.done) this.finish(f, f.accepted ? 'unknown' : 'failed', null);
    });
    this.attempt(f);
  }

  private onEnd: ((ok: boolean) => void) | null = null;

  private attempt(f: InFlight): void {
    if (f.done) return;
    const nodes = this.world.nodes;
    const target = this.leaderHint !== NONE
      ? nodes[this.leaderHint - 1]!
      : nodes[this.random.nextInt(nodes.length)]!;
    const req: NodeRequest = {
      requestId: f.requestId,
      op: f.op,
      onDone: (result) => this.answer(f, result),
    };
    const r = target.submit(req);
    if (r.kind === 'accepted') {
      if (f.op.kind !== 'get') f.accepted = true;
      return;
    }
    this.leaderHint = r.leaderHint !== target.id ? r.leaderHint : NONE;
    this.retry(f);
  }

  private retry(f: InFlight): void {
    if (this.world.nowMs() + RETRY_DELAY_MS >= f.deadlineMs) return; // the deadline decides
    this.world.later(RETRY_DELAY_MS, () => this.attempt(f));
  }

  private answer(f: InFlight, result: ModelResult | null): void {
    if (f.done) return;
    if (result !== null) {
      this.finish(f, 'ok', result);
      return;
    }
    // The node went away with our request.
    this.leaderHint = NONE;
    if (f.op.kind === 'get') this.retry(f);
    else this.finish(f, 'unknown', null);
  }

  private finish(f: InFlight, kind: 'ok' | 'failed' | 'unknown', result: ModelResult | null): void {
    f.done = true;
    this.current = null;
    const time = this.world.historyTime();
    if (kind === 'ok') {
      this.history.complete(f.opId, { kind: 'ok', result: result! }, time);
      this.learn(f.op, result!);
    } else {
      this.history.complete(f.opId, { kind }, time);
    }
    this.stats[kind]++;
    this.world.note(() => `c${this.id} completes #${f.opId} ${kind}` +
      (result === null ? '' : ` ${describeKvResult(result)}`));
    const onEnd = this.onEnd;
    this.onEnd = null;
    if (onEnd !== null) onEnd(kind === 'ok');
  }

  private learn(op: ModelOp, result: ModelResult): void {
    if (result.kind === 'get') this.seen.set(op.key, result.value);
    else if (op.kind === 'put') this.seen.set(op.key, op.value);
    else if (op.kind === 'del') this.seen.set(op.key, null);
    else if (op.kind === 'cas' && result.kind === 'cas' && result.swapped) {
      this.seen.set(op.key, op.value);
    }
  }

  private randomOp(): ModelOp {
    const r = this.random;
    const key = KEYS[r.nextInt(KEYS.length)]!;
    const value = `${this.id}.${++this.seq}`;
    const roll = r.nextInt(100);
    if (roll < 35) return kv.get(key);
    if (roll < 65) return kv.put(key, value);
    if (roll < 80) return kv.del(key);
    const expected = r.nextInt(4) === 0 ? null : (this.seen.get(key) ?? null);
    return kv.cas(key, expected, value);
  }
}

/**
 * The linearizability search for the operations on ONE key: Wing & Gong's backtracking search
 * with Lowe's memoisation, as Porcupine does it, written iteratively.
 *
 * The history is a list of call and return entries in time order. Walking it from the front,
 * the search takes the first call whose operation the model accepts in the current state,
 * "lifts" that operation (removes its call and return from the list: it is linearized now) and
 * starts again from the front. Reaching a return entry means that operation's response was
 * observed while it was still unlinearized — every order tried so far is impossible — so the
 * search pops the last linearized operation, puts it back, and tries the next call after it.
 * A cache of (set of linearized operations, model state) pairs already explored cuts the
 * search: two paths that linearized the same set and reached the same state have the same
 * future, so the second one is skipped (Lowe, "Testing for linearizability", 2017).
 *
 * Operations with an unknown outcome have no return entry: they may be linearized at any
 * point after their call, or never (equivalently, after every other operation, where nothing
 * observes them). The search succeeds once every operation with a known result is linearized.
 *
 * Entries with equal times are ordered call before return: operations that touch at one
 * instant count as concurrent, which can only hide a violation, never invent one.
 */
import { assert } from '../codec/assert.js';
import type { Operation } from './history.js';
import { LinearizedSet, Memo } from './memo.js';

export interface KeySearchOptions {
  /** Loop iterations before giving up with 'unknown'. */
  stepBudget: number;
  /** Bytes the memo cache may hold before giving up with 'unknown'. */
  memoBytesMax: number;
}

/** Where the deepest failed attempt got stuck; indexes are into the input array. */
export interface KeySearchFailure {
  /** Operations linearized in the longest linearizable prefix found. */
  prefixLength: number;
  /** Model state after that prefix. */
  state: string | null;
  /** The operation whose completion the search reached while unable to linearize it. */
  blocking: number;
  /** Operations invoked and not yet linearized at that point (the blocking one included). */
  candidates: number[];
  /** The last few operations of the prefix, oldest first. */
  recent: number[];
}

export type KeySearchOutcome =
  | { result: 'ok'; steps: number; linearization: number[] }
  | { result: 'violation'; steps: number; failure: KeySearchFailure }
  | { result: 'unknown'; steps: number; reason: string };

const opGet = 0;
const opPut = 1;
const opDel = 2;
const opCas = 3;
/** Result flags for del (existed) and cas (swapped); `any` = outcome unknown. */
const flagFalse = 0;
const flagTrue = 1;
const flagAny = 2;
/** Interned model state of an absent key. */
const stateAbsent = 0;

const candidatesReportedMax = 16;
const recentReportedMax = 3;

/** The integer form of the KV model: states and values interned to small integers. */
class EncodedOps {
  readonly code: Uint8Array;
  readonly flag: Uint8Array;
  /** get: required state; put: new state; cas: expected state. */
  readonly arg0: Int32Array;
  /** cas: new state. */
  readonly arg1: Int32Array;
  readonly definite: Uint8Array;
  readonly states: (string | null)[] = [null];
  private readonly stateIds = new Map<string, number>();

  constructor(ops: readonly Operation[]) {
    const n = ops.length;
    this.code = new Uint8Array(n);
    this.flag = new Uint8Array(n);
    this.arg0 = new Int32Array(n);
    this.arg1 = new Int32Array(n);
    this.definite = new Uint8Array(n);
    for (let i = 0; i < n; i++) this.encode(i, ops[i]!);
  }

  private intern(value: string | null): number {
    if (value === null) return stateAbsent;
    let id = this.stateIds.get(value);
    if (id === undefined) {
      id = this.states.length;
      this.states.push(value);
      this.stateIds.set(value, id);
    }
    return id;
  }

  private encode(i: number, o: Operation): void {
    const outcome = o.outcome;
    assert(outcome.kind !== 'failed', 'failed operations are dropped before the search');
    const result = outcome.kind === 'ok' ? outcome.result : null;
    this.definite[i] = result === null ? 0 : 1;
    const op = o.op;
    switch (op.kind) {
      case 'get':
        assert(result !== null && result.kind === 'get', 'only answered gets are searched');
        this.code[i] = opGet;
        this.arg0[i] = this.intern(result.value);
        return;
      case 'put':
        this.code[i] = opPut;
        this.arg0[i] = this.intern(op.value);
        return;
      case 'del':
        this.code[i] = opDel;
        if (result === null) this.flag[i] = flagAny;
        else if (result.kind === 'del') this.flag[i] = result.existed ? flagTrue : flagFalse;
        else assert(false, `del with a ${result.kind} result`);
        return;
      case 'cas':
        this.code[i] = opCas;
        if (result === null) this.flag[i] = flagAny;
        else if (result.kind === 'cas') this.flag[i] = result.swapped ? flagTrue : flagFalse;
        else assert(false, `cas with a ${result.kind} result`);
        this.arg0[i] = this.intern(op.expected);
        this.arg1[i] = this.intern(op.value);
        return;
    }
  }

  /** The state after op `i` in `state`, or -1 when the op's recorded result is impossible. */
  step(i: number, state: number): number {
    switch (this.code[i]) {
      case opGet:
        return state === this.arg0[i] ? state : -1;
      case opPut:
        return this.arg0[i]!;
      case opDel: {
        const flag = this.flag[i];
        if (flag === flagAny) return stateAbsent;
        const existed = state !== stateAbsent;
        return existed === (flag === flagTrue) ? stateAbsent : -1;
      }
      default: {
        const flag = this.flag[i];
        const swapped = state === this.arg0[i];
        if (flag !== flagAny && swapped !== (flag === flagTrue)) return -1;
        return swapped ? this.arg1[i]! : state;
      }
    }
  }
}

/** The doubly linked list of call/return entries, with O(1) lift and unlift. */
class EntryList {
  /** Index of the sentinel head node: one past the last entry. */
  readonly head: number;
  readonly next: Int32Array;
  readonly prev: Int32Array;
  readonly op: Int32Array;
  readonly isCall: Uint8Array;
  readonly callOf: Int32Array;
  /** -1 for operations without a return (unknown outcome). */
  readonly returnOf: Int32Array;

  constructor(ops: readonly Operation[], definite: Uint8Array) {
    const n = ops.length;
    const order: { time: number; isReturn: number; op: number }[] = [];
    for (let i = 0; i < n; i++) {
      const o = ops[i]!;
      order.push({ time: o.invokeTime, isReturn: 0, op: i });
      if (definite[i] === 1) {
        assert(o.completeTime !== null, 'a definite operation has a completion time');
        order.push({ time: o.completeTime, isReturn: 1, op: i });
      }
    }
    order.sort((a, b) => a.time - b.time || a.isReturn - b.isReturn || a.op - b.op);
    const m = order.length;
    this.head = m;
    this.next = new Int32Array(m + 1);
    this.prev = new Int32Array(m + 1);
    this.op = new Int32Array(m);
    this.isCall = new Uint8Array(m);
    this.callOf = new Int32Array(n).fill(-1);
    this.returnOf = new Int32Array(n).fill(-1);
    for (let e = 0; e < m; e++) {
      const item = order[e]!;
      this.op[e] = item.op;
      this.isCall[e] = item.isReturn === 0 ? 1 : 0;
      if (item.isReturn === 0) this.callOf[item.op] = e;
      else this.returnOf[item.op] = e;
      this.next[e] = e + 1 < m ? e + 1 : -1;
      this.prev[e] = e === 0 ? m : e - 1;
    }
    this.next[m] = m > 0 ? 0 : -1;
    this.prev[m] = -1;
  }

  private remove(e: number): void {
    this.next[this.prev[e]!] = this.next[e]!;
    if (this.next[e] !== -1) this.prev[this.next[e]!] = this.prev[e]!;
  }

  /** Re-inserts `e` where it was; valid only in reverse order of remove (dancing links). */
  private restore(e: number): void {
    this.next[this.prev[e]!] = e;
    if (this.next[e] !== -1) this.prev[this.next[e]!] = e;
  }

  lift(op: number): void {
    this.remove(this.callOf[op]!);
    if (this.returnOf[op] !== -1) this.remove(this.returnOf[op]!);
  }

  unlift(op: number): void {
    if (this.returnOf[op] !== -1) this.restore(this.returnOf[op]!);
    this.restore(this.callOf[op]!);
  }
}

export function searchKey(ops: readonly Operation[], options: KeySearchOptions): KeySearchOutcome {
  const n = ops.length;
  const model = new EncodedOps(ops);
  const list = new EntryList(ops, model.definite);
  const linearized = new LinearizedSet(n);
  const memo = new Memo(options.memoBytesMax);
  const stackOp = new Int32Array(n);
  const stackState = new Int32Array(n);
  let definiteLeft = 0;
  for (let i = 0; i < n; i++) definiteLeft += model.definite[i]!;

  let depth = 0;
  let state = stateAbsent;
  let steps = 0;
  let failure: KeySearchFailure | null = null;
  let entry = list.next[list.head]!;
  while (definiteLeft > 0) {
    if (steps >= options.stepBudget) {
      return { result: 'unknown', steps, reason: `step budget of ${options.stepBudget} exhausted` };
    }
    steps++;
    // A definite operation's return is still in the list, and its call precedes it.
    assert(entry !== -1, 'the walk meets a return entry before the end of the list');
    const op = list.op[entry]!;
    if (list.isCall[entry] === 1) {
      const nextState = model.step(op, state);
      if (nextState >= 0) {
        linearized.add(op);
        if (memo.insert(linearized, nextState)) {
          stackOp[depth] = op;
          stackState[depth] = state;
          depth++;
          state = nextState;
          definiteLeft -= model.definite[op]!;
          list.lift(op);
          entry = list.next[list.head]!;
          if (memo.full) {
            const reason = `memo cache exceeded ${options.memoBytesMax} bytes`;
            return { result: 'unknown', steps, reason };
          }
          continue;
        }
        linearized.remove(op);
      }
      entry = list.next[entry]!;
      continue;
    }
    // The response of `op` was seen, yet no order tried so far could place it: backtrack.
    if (failure === null || depth > failure.prefixLength) {
      failure = describeFailure(list, entry, model.states[state]!, depth, stackOp);
    }
    if (depth === 0) return { result: 'violation', steps, failure };
    depth--;
    const undone = stackOp[depth]!;
    state = stackState[depth]!;
    linearized.remove(undone);
    definiteLeft += model.definite[undone]!;
    list.unlift(undone);
    entry = list.next[list.callOf[undone]!]!;
  }
  return { result: 'ok', steps, linearization: Array.from(stackOp.subarray(0, depth)) };
}

function describeFailure(
  list: EntryList,
  returnEntry: number,
  state: string | null,
  depth: number,
  stackOp: Int32Array,
): KeySearchFailure {
  const candidates: number[] = [];
  for (let e = list.next[list.head]!; e !== returnEntry && e !== -1; e = list.next[e]!) {
    if (list.isCall[e] === 1 && candidates.length < candidatesReportedMax) {
      candidates.push(list.op[e]!);
    }
  }
  const recent = Array.from(stackOp.subarray(Math.max(0, depth - recentReportedMax), depth));
  return { prefixLength: depth, state, blocking: list.op[returnEntry]!, candidates, recent };
}

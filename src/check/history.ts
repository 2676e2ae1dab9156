/**
 * Recording what clients did: each operation is invoked, then completed with an outcome.
 *
 * Outcomes, as Jepsen names them:
 * - ok:      the system answered; the result is what it answered.
 * - failed:  the system says the operation did NOT take effect (e.g. rejected before proposal).
 * - unknown: no answer (timeout, connection lost, node crashed). The operation may have taken
 *            effect at any moment after its invocation, or never. An operation still pending
 *            when the history is read is unknown.
 *
 * Time is whatever monotonic clock the caller uses: a simulation's logical clock or
 * performance.now(). When the caller passes no time, an internal counter stands in (one tick
 * past the latest time seen), so a single-threaded harness can record without any clock.
 */
import { assert } from '../codec/assert.js';
import type { ModelOp, ModelResult } from './kv.js';

export type OpId = number & { readonly __brand: 'OpId' };

export type OpOutcome =
  | { kind: 'ok'; result: ModelResult }
  | { kind: 'failed' }
  | { kind: 'unknown' };

export interface Operation {
  /** Index in the history, dense from 0. */
  readonly id: OpId;
  /** For reports only; the checker does not assume one pending operation per client. */
  readonly clientId: number;
  readonly op: ModelOp;
  readonly invokeTime: number;
  /** null when never completed. For 'unknown' the checker treats it as +infinity. */
  readonly completeTime: number | null;
  readonly outcome: OpOutcome;
}

/** Misuse of the recorder (a harness bug) or a malformed history. */
export class HistoryError extends Error {
  override name = 'HistoryError';
}

/** The recorder reached its operation bound. */
export class HistoryFullError extends HistoryError {
  override name = 'HistoryFullError';
}

export interface HistoryRecorderOptions {
  /** Refuse to record more operations than this; default 1,000,000. */
  operationCountMax?: number;
}

const operationCountMaxDefault = 1_000_000;

interface MutableOperation {
  id: OpId;
  clientId: number;
  op: ModelOp;
  invokeTime: number;
  completeTime: number | null;
  outcome: OpOutcome | null; // null = pending
}

export class HistoryRecorder {
  private readonly records: MutableOperation[] = [];
  private readonly operationCountMax: number;
  /** Latest time seen from invoke or complete; times must never go backwards. */
  private timeLast = 0;
  private pendingCount = 0;

  constructor(options: HistoryRecorderOptions = {}) {
    const max = options.operationCountMax ?? operationCountMaxDefault;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new HistoryError(`operationCountMax must be a positive integer, got ${max}`);
    }
    this.operationCountMax = max;
  }

  /** Records the start of `op` by `clientId`; returns the id to complete it with. */
  invoke(clientId: number, op: ModelOp, time?: number): OpId {
    if (this.records.length >= this.operationCountMax) {
      throw new HistoryFullError(
        `history is full: ${this.operationCountMax} operations recorded; ` +
          'raise operationCountMax or record a shorter run',
      );
    }
    validateOp(op, 'invoke');
    if (!Number.isSafeInteger(clientId)) {
      throw new HistoryError(`invoke: clientId must be an integer, got ${clientId}`);
    }
    const invokeTime = this.nextTime(time, 'invoke');
    const id = this.records.length as OpId;
    this.records.push({ id, clientId, op, invokeTime, completeTime: null, outcome: null });
    this.pendingCount++;
    return id;
  }

  /** Records how operation `id` ended. Each operation completes at most once. */
  complete(id: OpId, outcome: OpOutcome, time?: number): void {
    const record = this.records[id];
    if (record === undefined) {
      throw new HistoryError(`complete: no operation with id ${id} was invoked`);
    }
    if (record.outcome !== null) {
      throw new HistoryError(`complete: operation ${id} was already completed`);
    }
    validateOutcome(record.op, outcome, `complete(${id})`);
    record.completeTime = this.nextTime(time, `complete(${id})`);
    record.outcome = outcome;
    this.pendingCount--;
    assert(this.pendingCount >= 0, 'pending count never negative');
  }

  /** Operations still awaiting complete(). */
  pending(): number {
    return this.pendingCount;
  }

  /** A copy of the history; operations still pending appear as 'unknown'. */
  operations(): Operation[] {
    return this.records.map((r) => ({
      id: r.id,
      clientId: r.clientId,
      op: r.op,
      invokeTime: r.invokeTime,
      completeTime: r.completeTime,
      outcome: r.outcome ?? { kind: 'unknown' },
    }));
  }

  /** One JSON object per line; read back with HistoryRecorder.fromJsonLines. */
  toJsonLines(): string {
    return operationsToJsonLines(this.operations());
  }

  static fromJsonLines(text: string): Operation[] {
    return operationsFromJsonLines(text);
  }

  private nextTime(time: number | undefined, what: string): number {
    const t = time ?? this.timeLast + 1;
    if (!Number.isFinite(t)) throw new HistoryError(`${what}: time must be finite, got ${t}`);
    if (t < this.timeLast) {
      throw new HistoryError(
        `${what}: time went backwards (${t} after ${this.timeLast}); ` +
          'pass a monotonic clock such as performance.now(), or no time at all',
      );
    }
    this.timeLast = t;
    return t;
  }
}

export function operationsToJsonLines(ops: readonly Operation[]): string {
  return ops.map((o) => JSON.stringify(o) + '\n').join('');
}

export function operationsFromJsonLines(text: string): Operation[] {
  const ops: Operation[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new HistoryError(`history line ${i + 1}: not JSON (${(e as Error).message})`);
    }
    ops.push(parseOperation(value, `history line ${i + 1}`));
  }
  return ops;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseOperation(v: unknown, where: string): Operation {
  if (!isObject(v)) throw new HistoryError(`${where}: expected an object`);
  const { id, clientId, op, invokeTime, completeTime, outcome } = v;
  if (!Number.isSafeInteger(id) || (id as number) < 0) {
    throw new HistoryError(`${where}: id must be a non-negative integer`);
  }
  if (!Number.isSafeInteger(clientId)) {
    throw new HistoryError(`${where}: clientId must be an integer`);
  }
  if (!isObject(op)) throw new HistoryError(`${where}: op must be an object`);
  if (!isObject(outcome)) throw new HistoryError(`${where}: outcome must be an object`);
  if (typeof invokeTime !== 'number' || !Number.isFinite(invokeTime)) {
    throw new HistoryError(`${where}: invokeTime must be a finite number`);
  }
  const badComplete = typeof completeTime !== 'number' || !Number.isFinite(completeTime);
  if (completeTime !== null && badComplete) {
    throw new HistoryError(`${where}: completeTime must be a finite number or null`);
  }
  const operation = {
    id: id as OpId,
    clientId: clientId as number,
    op: op as ModelOp,
    invokeTime,
    completeTime,
    outcome: outcome as OpOutcome,
  };
  validateOperation(operation, where);
  return operation;
}

/** Throws HistoryError unless `o` is well formed. The checker calls it on every input. */
export function validateOperation(o: Operation, where: string): void {
  validateOp(o.op, where);
  validateOutcome(o.op, o.outcome, where);
  if (!Number.isFinite(o.invokeTime)) throw new HistoryError(`${where}: invokeTime not finite`);
  if (o.completeTime === null) {
    if (o.outcome.kind !== 'unknown') {
      const kind = o.outcome.kind;
      throw new HistoryError(`${where}: an operation with outcome ${kind} needs a completeTime`);
    }
    return;
  }
  if (!(o.completeTime >= o.invokeTime)) {
    throw new HistoryError(
      `${where}: completed at ${o.completeTime}, before its invocation at ${o.invokeTime}`,
    );
  }
}

function isNullableString(v: unknown): v is string | null {
  return v === null || typeof v === 'string';
}

function validateOp(op: ModelOp, where: string): void {
  const o = op as unknown as Record<string, unknown>;
  if (typeof o.key !== 'string') throw new HistoryError(`${where}: op.key must be a string`);
  switch (op.kind) {
    case 'get':
    case 'del':
      return;
    case 'put':
      if (typeof o.value !== 'string') throw new HistoryError(`${where}: put needs a string value`);
      return;
    case 'cas':
      if (typeof o.value !== 'string') throw new HistoryError(`${where}: cas needs a string value`);
      if (!isNullableString(o.expected)) {
        throw new HistoryError(`${where}: cas needs expected: string | null`);
      }
      return;
    default:
      throw new HistoryError(`${where}: unknown op kind ${JSON.stringify(o.kind)}`);
  }
}

function validateOutcome(op: ModelOp, outcome: OpOutcome, where: string): void {
  const kind = (outcome as { kind: unknown }).kind;
  if (kind === 'failed' || kind === 'unknown') return;
  if (kind !== 'ok') throw new HistoryError(`${where}: unknown outcome ${JSON.stringify(kind)}`);
  const result = (outcome as { result?: unknown }).result;
  if (!isObject(result) || result.kind !== op.kind) {
    throw new HistoryError(`${where}: an ok ${op.kind} needs a result of kind ${op.kind}`);
  }
  const badResult =
    (op.kind === 'get' && !isNullableString(result.value)) ||
    (op.kind === 'del' && typeof result.existed !== 'boolean') ||
    (op.kind === 'cas' && typeof result.swapped !== 'boolean');
  if (badResult) throw new HistoryError(`${where}: malformed ${op.kind} result`);
}

/**
 * Is a history of key-value operations linearizable? The history is split by key (every
 * operation touches one key and keys are independent registers, so the whole history is
 * linearizable iff each key's part is: linearizability is local), and each part is searched
 * on its own (keySearch.ts). Before the search:
 * - 'failed' operations are dropped: they are known not to have taken effect;
 * - gets with an 'unknown' outcome are dropped: a read with no answer constrains nothing.
 * Writes (put, del, cas) with an 'unknown' outcome stay, as optional operations that may take
 * effect at any point after their invocation, or never.
 *
 * 'unknown' as a RESULT (budget exhausted) is not a pass: callers must treat it as a failure.
 */
import { assert } from '../codec/assert.js';
import { HistoryError, validateOperation, type OpId, type Operation } from './history.js';
import { describeState } from './kv.js';
import { searchKey } from './keySearch.js';
import { explainViolation } from './report.js';

export type CheckVerdict = 'ok' | 'violation' | 'unknown';

export interface CheckOptions {
  /** Search steps allowed PER KEY before that key is reported 'unknown'; default 10,000,000. */
  stepBudget?: number;
  /** Memo cache bytes allowed per key before that key is 'unknown'; default 256 MiB. */
  memoBytesMax?: number;
}

export interface Violation {
  key: string;
  /** The operations around the point where the search got stuck, in invocation order. */
  ops: Operation[];
  /** The operation whose completion no linearization could get past. */
  blocking: Operation;
  /** Operations in the longest linearizable prefix the search found, and the state after it. */
  prefixLength: number;
  stateAfterPrefix: string | null;
  explanation: string;
}

export interface KeyCheck {
  key: string;
  result: CheckVerdict;
  /** Operations searched (after dropping failed operations and unanswered gets). */
  opCount: number;
  droppedCount: number;
  steps: number;
  /** For 'ok': one valid order; unknown-outcome writes not in it never took effect. */
  linearization?: OpId[];
  violation?: Violation;
  /** For 'unknown': why the search gave up. */
  reason?: string;
}

export interface CheckResult {
  result: CheckVerdict;
  perKey: Map<string, KeyCheck>;
  /** The violation whose blocking operation completed first, when any key has one. */
  violation?: Violation;
  /** Search steps over all keys. */
  steps: number;
}

const stepBudgetDefault = 10_000_000;
const memoBytesMaxDefault = 256 * 1024 * 1024;

function validateOptions(options: CheckOptions): Required<CheckOptions> {
  const stepBudget = options.stepBudget ?? stepBudgetDefault;
  const memoBytesMax = options.memoBytesMax ?? memoBytesMaxDefault;
  if (!Number.isSafeInteger(stepBudget) || stepBudget < 0) {
    throw new HistoryError(`stepBudget must be a non-negative integer, got ${stepBudget}`);
  }
  if (!Number.isSafeInteger(memoBytesMax) || memoBytesMax < 1024) {
    throw new HistoryError(`memoBytesMax must be an integer >= 1024, got ${memoBytesMax}`);
  }
  return { stepBudget, memoBytesMax };
}

/** Keeps the operations that constrain the search; groups them by key in first-seen order. */
interface KeyPart {
  kept: Operation[];
  dropped: number;
}

function partitionByKey(ops: readonly Operation[]): Map<string, KeyPart> {
  const byKey = new Map<string, KeyPart>();
  for (let i = 0; i < ops.length; i++) {
    const o = ops[i]!;
    validateOperation(o, `operation ${o.id} (index ${i})`);
    let part = byKey.get(o.op.key);
    if (part === undefined) {
      part = { kept: [], dropped: 0 };
      byKey.set(o.op.key, part);
    }
    const unansweredGet = o.op.kind === 'get' && o.outcome.kind !== 'ok';
    if (o.outcome.kind === 'failed' || unansweredGet) part.dropped++;
    else part.kept.push(o);
  }
  // Invocation order keeps the search's bitset window narrow (keySearch.ts, LinearizedSet).
  for (const part of byKey.values()) part.kept.sort((a, b) => a.invokeTime - b.invokeTime);
  return byKey;
}

function checkKey(
  key: string,
  kept: Operation[],
  dropped: number,
  options: Required<CheckOptions>,
): KeyCheck {
  const base = { key, opCount: kept.length, droppedCount: dropped };
  const outcome = searchKey(kept, options);
  switch (outcome.result) {
    case 'ok':
      return {
        ...base,
        result: 'ok',
        steps: outcome.steps,
        linearization: outcome.linearization.map((i) => kept[i]!.id),
      };
    case 'unknown':
      return { ...base, result: 'unknown', steps: outcome.steps, reason: outcome.reason };
    case 'violation': {
      const f = outcome.failure;
      const indexes = new Set<number>([...f.recent, ...f.candidates, f.blocking]);
      const involved = [...indexes].map((i) => kept[i]!);
      involved.sort((a, b) => a.invokeTime - b.invokeTime || a.id - b.id);
      const partial = {
        key,
        ops: involved,
        blocking: kept[f.blocking]!,
        prefixLength: f.prefixLength,
        stateAfterPrefix: f.state,
      };
      const recent = f.recent.map((i) => kept[i]!);
      const violation = { ...partial, explanation: explainViolation(partial, recent, kept.length) };
      return { ...base, result: 'violation', steps: outcome.steps, violation };
    }
  }
}

export function checkLinearizability(
  ops: readonly Operation[],
  options: CheckOptions = {},
): CheckResult {
  const valid = validateOptions(options);
  const perKey = new Map<string, KeyCheck>();
  let steps = 0;
  let violation: Violation | undefined;
  let anyUnknown = false;
  for (const [key, part] of partitionByKey(ops)) {
    const check = checkKey(key, part.kept, part.dropped, valid);
    perKey.set(key, check);
    steps += check.steps;
    if (check.result === 'unknown') anyUnknown = true;
    const v = check.violation;
    if (v !== undefined && (violation === undefined || completedBefore(v, violation))) {
      violation = v;
    }
  }
  const result: CheckVerdict =
    violation !== undefined ? 'violation' : anyUnknown ? 'unknown' : 'ok';
  return violation === undefined
    ? { result, perKey, steps }
    : { result, perKey, violation, steps };
}

function completedBefore(a: Violation, b: Violation): boolean {
  const ta = a.blocking.completeTime ?? Infinity;
  const tb = b.blocking.completeTime ?? Infinity;
  return ta < tb;
}

/** A human summary: the verdict, and for a violation the key and the operations involved. */
export function describeResult(r: CheckResult): string {
  const keyCount = r.perKey.size;
  let opCount = 0;
  for (const k of r.perKey.values()) opCount += k.opCount;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const scope =
    `${plural(opCount, 'operation')} on ${plural(keyCount, 'key')}, ` +
    `${plural(r.steps, 'search step')}`;
  switch (r.result) {
    case 'ok':
      return `linearizable (${scope})`;
    case 'unknown': {
      const gaveUp = [...r.perKey.values()].filter((k) => k.result === 'unknown');
      const lines = gaveUp.slice(0, 5).map((k) => `  key ${describeState(k.key)}: ${k.reason}`);
      if (gaveUp.length > 5) lines.push(`  … and ${gaveUp.length - 5} more keys`);
      return (
        `UNKNOWN: the search gave up on ${gaveUp.length} key(s) (${scope}); ` +
        'treat this as a failure, or raise stepBudget\n' +
        lines.join('\n')
      );
    }
    case 'violation': {
      const v = r.violation;
      assert(v !== undefined, 'a violation result carries its violation');
      const others = [...r.perKey.values()].filter(
        (k) => k.result === 'violation' && k.key !== v.key,
      ).length;
      const more = others > 0 ? `\n(${others} other key(s) also have violations)` : '';
      return `NOT linearizable (${scope})\n${v.explanation}${more}`;
    }
  }
}


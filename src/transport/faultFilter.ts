/**
 * The fault filter: network faults injected on purpose (by the cluster controller, tests and
 * the UI) into every node's transport. The decision logic is pure — `decideSend` and
 * `acceptFrom` take the rules and a random source and return what to do — so it is tested as
 * a table with no timers; the transport carries the decisions out (setTimeout for delays).
 *
 * Where it sits (docs/transport.md):
 * - Send side: blocked links (`blockedTo`), random drop, delay ± jitter, reorder, duplicate.
 *   Each batch's fate is decided once, by its sender, so a 10% drop rate is 10% per link,
 *   not 19% from being applied at both ends.
 * - Receive side: blocked links only (`blockedFrom`). A partition takes effect as soon as
 *   either end has the rule (rules reach the nodes asynchronously), and a one-way partition
 *   a->b is blocked by a's blockedTo and by b's blockedFrom alike.
 *
 * Randomness is a seeded `random(): number` in [0, 1) passed in by the caller (the node
 * passes its PRNG), and it is consumed only by rules that are on, in a fixed order: drop, then
 * per copy delay jitter, reorder, then duplicate. A clean network draws nothing.
 */
import type { NodeId } from '../codec/types.js';
import { assert } from '../codec/assert.js';

/**
 * The rules for one node. Structurally the same as src/node/control.ts's LinkFaults (what the
 * cluster pushes), plus the optional reorder fields.
 */
export interface FaultRules {
  /** Peers this node's messages are not delivered to (outgoing half of a partition). */
  blockedTo: readonly NodeId[];
  /** Peers whose messages to this node are dropped on arrival (incoming half). */
  blockedFrom: readonly NodeId[];
  /** Probability in [0, 1] that a batch is lost. */
  dropRate: number;
  /** Added latency per batch, uniformly in [delayMs - jitter, delayMs + jitter], >= 0. */
  delayMs: number;
  delayJitterMs: number;
  /** Probability in [0, 1] that a Raft batch is delivered twice (forwards never are). */
  duplicateRate: number;
  /** Probability in [0, 1] that a batch is held back so later ones overtake it. */
  reorderRate?: number;
  /** A held-back batch waits an extra 1..reorderWindowMs ms. Default 20. */
  reorderWindowMs?: number;
}

/** Upper bound for every ms field: a delay beyond a minute is a typo, not an experiment. */
export const faultDelayMsMax = 60_000;
export const reorderWindowMsDefault = 20;

export const NO_FAULTS: FaultRules = Object.freeze({
  blockedTo: [],
  blockedFrom: [],
  dropRate: 0,
  delayMs: 0,
  delayJitterMs: 0,
  duplicateRate: 0,
  reorderRate: 0,
  reorderWindowMs: reorderWindowMsDefault,
});

export class FaultRulesError extends Error {
  override name = 'FaultRulesError';
}

/** Throws FaultRulesError naming the first bad field and its value. */
export function validateFaultRules(rules: FaultRules): void {
  const rates: [string, number | undefined][] = [
    ['dropRate', rules.dropRate],
    ['duplicateRate', rules.duplicateRate],
    ['reorderRate', rules.reorderRate],
  ];
  for (const [name, value] of rates) {
    if (value === undefined) continue;
    if (!(typeof value === 'number' && value >= 0 && value <= 1)) {
      throw new FaultRulesError(`fault rules: ${name} must be a probability in [0, 1], ` +
        `got ${String(value)}`);
    }
  }
  const durations: [string, number | undefined][] = [
    ['delayMs', rules.delayMs],
    ['delayJitterMs', rules.delayJitterMs],
    ['reorderWindowMs', rules.reorderWindowMs],
  ];
  for (const [name, value] of durations) {
    if (value === undefined) continue;
    if (!(Number.isFinite(value) && value >= 0 && value <= faultDelayMsMax)) {
      throw new FaultRulesError(`fault rules: ${name} must be a number of ms in ` +
        `[0, ${faultDelayMsMax}], got ${String(value)}`);
    }
  }
  for (const name of ['blockedTo', 'blockedFrom'] as const) {
    const ids = rules[name];
    if (!Array.isArray(ids) || !ids.every((id) => Number.isSafeInteger(id) && id > 0)) {
      throw new FaultRulesError(`fault rules: ${name} must be a list of node ids (>= 1), ` +
        `got ${JSON.stringify(ids)}`);
    }
  }
}

/** Raft batches may be duplicated; forwarded requests ride a reliable stream and never are. */
export type Traffic = 'raft' | 'forward';

export type SendDecision =
  | { kind: 'drop'; reason: 'blocked' | 'random' }
  /** One delay per copy (1 or 2 copies); 0 means post now, in order. */
  | { kind: 'deliver'; delaysMs: number[] };

export function decideSend(
  rules: FaultRules,
  to: NodeId,
  random: () => number,
  traffic: Traffic,
): SendDecision {
  if (rules.blockedTo.includes(to)) return { kind: 'drop', reason: 'blocked' };
  if (rules.dropRate > 0 && draw(random) < rules.dropRate) {
    return { kind: 'drop', reason: 'random' };
  }
  const delaysMs = [copyDelayMs(rules, random)];
  const duplicate = traffic === 'raft' && rules.duplicateRate > 0 &&
    draw(random) < rules.duplicateRate;
  if (duplicate) delaysMs.push(copyDelayMs(rules, random));
  return { kind: 'deliver', delaysMs };
}

/** Receive side: only blocked links are enforced here (see the header comment). */
export function acceptFrom(rules: FaultRules, from: NodeId): boolean {
  return !rules.blockedFrom.includes(from);
}

function copyDelayMs(rules: FaultRules, random: () => number): number {
  let delayMs = rules.delayMs;
  if (rules.delayJitterMs > 0) delayMs += (draw(random) * 2 - 1) * rules.delayJitterMs;
  const reorderRate = rules.reorderRate ?? 0;
  if (reorderRate > 0 && draw(random) < reorderRate) {
    const windowMs = rules.reorderWindowMs ?? reorderWindowMsDefault;
    delayMs += 1 + Math.floor(draw(random) * windowMs);
  }
  return Math.max(0, Math.round(delayMs));
}

function draw(random: () => number): number {
  const value = random();
  assert(value >= 0 && value < 1, `random() returns a number in [0, 1), got ${value}`);
  return value;
}

/** The rules one node's transport currently applies, plus its random source. */
export class FaultFilter {
  private current: FaultRules = NO_FAULTS;

  constructor(private readonly random: () => number) {}

  /** Replaces all rules at once (the cluster always pushes the whole state). */
  setRules(rules: FaultRules): void {
    validateFaultRules(rules);
    this.current = Object.freeze({
      ...rules,
      blockedTo: [...rules.blockedTo],
      blockedFrom: [...rules.blockedFrom],
    });
  }

  /** Clears every rule: no partitions, drops, delays, duplicates or reordering. */
  heal(): void {
    this.current = NO_FAULTS;
  }

  rules(): FaultRules {
    return this.current;
  }

  decideSend(to: NodeId, traffic: Traffic): SendDecision {
    return decideSend(this.current, to, this.random, traffic);
  }

  acceptFrom(from: NodeId): boolean {
    return acceptFrom(this.current, from);
  }
}

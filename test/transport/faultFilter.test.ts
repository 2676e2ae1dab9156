// Proves the fault filter's pure decisions: which batches are blocked, dropped, delayed,
// held back (reorder) or duplicated for given rules and random draws, the exact order and
// number of random draws (a clean network draws none, so seeds replay), that forwards are
// never duplicated, the receive-side block check, rule validation with exact messages, and
// that heal clears every rule.
import { describe, expect, it } from 'vitest';
import {
  FaultFilter, FaultRulesError, NO_FAULTS, acceptFrom, decideSend, validateFaultRules,
  type FaultRules, type SendDecision, type Traffic,
} from '../../src/transport/index.js';
import { scripted } from './scriptedRandom.js';

function rules(fields: Partial<FaultRules>): FaultRules {
  return { ...NO_FAULTS, ...fields };
}

describe('decideSend', () => {
  const table: [string, Partial<FaultRules>, Traffic, number[], SendDecision][] = [
    ['clean network: deliver now, no draws', {}, 'raft', [], { kind: 'deliver', delaysMs: [0] }],
    ['blocked link: drop without drawing', { blockedTo: [2], dropRate: 1 }, 'raft', [],
      { kind: 'drop', reason: 'blocked' }],
    ['other link blocked: deliver', { blockedTo: [3] }, 'raft', [],
      { kind: 'deliver', delaysMs: [0] }],
    ['drop draw below rate: drop', { dropRate: 0.3 }, 'raft', [0.29],
      { kind: 'drop', reason: 'random' }],
    ['drop draw at rate: deliver', { dropRate: 0.3 }, 'raft', [0.3],
      { kind: 'deliver', delaysMs: [0] }],
    ['fixed delay: no draw', { delayMs: 40 }, 'raft', [], { kind: 'deliver', delaysMs: [40] }],
    ['jitter low end', { delayMs: 40, delayJitterMs: 10 }, 'raft', [0],
      { kind: 'deliver', delaysMs: [30] }],
    ['jitter high end', { delayMs: 40, delayJitterMs: 10 }, 'raft', [0.999],
      { kind: 'deliver', delaysMs: [50] }],
    ['jitter never below zero', { delayMs: 5, delayJitterMs: 10 }, 'raft', [0],
      { kind: 'deliver', delaysMs: [0] }],
    ['reorder holds back 1..window ms', { reorderRate: 0.5, reorderWindowMs: 20 }, 'raft',
      [0.1, 0.5], { kind: 'deliver', delaysMs: [11] }],
    ['reorder draw at rate: no hold', { reorderRate: 0.5 }, 'raft', [0.5],
      { kind: 'deliver', delaysMs: [0] }],
    ['duplicate: second copy with its own delay', { duplicateRate: 0.5, delayMs: 10,
      delayJitterMs: 10 }, 'raft', [0.5, 0.2, 0.9], { kind: 'deliver', delaysMs: [10, 18] }],
    ['duplicate draw at rate: one copy', { duplicateRate: 0.5 }, 'raft', [0.5],
      { kind: 'deliver', delaysMs: [0] }],
    ['forwards are never duplicated', { duplicateRate: 1 }, 'forward', [],
      { kind: 'deliver', delaysMs: [0] }],
    ['forwards are dropped and blocked too', { dropRate: 0.5 }, 'forward', [0.1],
      { kind: 'drop', reason: 'random' }],
    ['all rules: drop, jitter, reorder, duplicate, then the copy',
      { dropRate: 0.1, delayMs: 100, delayJitterMs: 50, reorderRate: 0.5, reorderWindowMs: 10,
        duplicateRate: 0.5 }, 'raft', [0.9, 0.5, 0.9, 0.1, 0.6, 0.1, 0.7],
      { kind: 'deliver', delaysMs: [100, 118] }],
  ];

  it.each(table)('%s', (_name, fields, traffic, draws, expected) => {
    const random = scripted(draws);
    expect(decideSend(rules(fields), 2, random, traffic)).toEqual(expected);
    expect(random.used()).toBe(draws.length);
  });

  it('asserts on a random source outside [0, 1)', () => {
    expect(() => decideSend(rules({ dropRate: 0.5 }), 2, () => 1, 'raft')).toThrow(
      'assertion failed: random() returns a number in [0, 1), got 1');
  });
});

describe('acceptFrom', () => {
  it.each([
    [[], 1, true],
    [[1], 1, false],
    [[1, 3], 3, false],
    [[1, 3], 2, true],
  ])('blockedFrom %j, from %i: %s', (blockedFrom, from, expected) => {
    expect(acceptFrom(rules({ blockedFrom }), from)).toBe(expected);
  });
});

describe('validateFaultRules', () => {
  it.each([
    [{ dropRate: 1.5 }, 'fault rules: dropRate must be a probability in [0, 1], got 1.5'],
    [{ duplicateRate: -0.1 },
      'fault rules: duplicateRate must be a probability in [0, 1], got -0.1'],
    [{ reorderRate: Number.NaN }, 'fault rules: reorderRate must be a probability in [0, 1], ' +
      'got NaN'],
    [{ delayMs: 60_001 }, 'fault rules: delayMs must be a number of ms in [0, 60000], ' +
      'got 60001'],
    [{ delayJitterMs: -1 }, 'fault rules: delayJitterMs must be a number of ms in [0, 60000], ' +
      'got -1'],
    [{ blockedTo: [0] }, 'fault rules: blockedTo must be a list of node ids (>= 1), got [0]'],
    [{ blockedFrom: [1.5] },
      'fault rules: blockedFrom must be a list of node ids (>= 1), got [1.5]'],
  ])('%j', (fields, message) => {
    expect(() => validateFaultRules(rules(fields as Partial<FaultRules>))).toThrow(message);
    expect(() => validateFaultRules(rules(fields as Partial<FaultRules>)))
      .toThrow(FaultRulesError);
  });

  it('accepts the cluster\'s LinkFaults shape (no reorder fields)', () => {
    const linkFaults = { blockedTo: [2], blockedFrom: [3], dropRate: 0.1, delayMs: 5,
      delayJitterMs: 1, duplicateRate: 0 };
    expect(() => validateFaultRules(linkFaults)).not.toThrow();
  });
});

describe('FaultFilter', () => {
  it('applies the rules it was given and heal clears them all', () => {
    const filter = new FaultFilter(scripted([0.1]));
    filter.setRules(rules({ blockedTo: [2], blockedFrom: [3], dropRate: 0.5 }));
    expect(filter.decideSend(2, 'raft')).toEqual({ kind: 'drop', reason: 'blocked' });
    expect(filter.decideSend(4, 'raft')).toEqual({ kind: 'drop', reason: 'random' });
    expect(filter.acceptFrom(3)).toBe(false);
    filter.heal();
    expect(filter.rules()).toEqual(NO_FAULTS);
    expect(filter.decideSend(2, 'raft')).toEqual({ kind: 'deliver', delaysMs: [0] });
    expect(filter.acceptFrom(3)).toBe(true);
  });

  it('refuses invalid rules and keeps the previous ones', () => {
    const filter = new FaultFilter(scripted([]));
    filter.setRules(rules({ blockedTo: [2] }));
    expect(() => filter.setRules(rules({ dropRate: 2 }))).toThrow(FaultRulesError);
    expect(filter.rules().blockedTo).toEqual([2]);
  });

  it('copies the lists it is given', () => {
    const filter = new FaultFilter(scripted([]));
    const blockedTo = [2];
    filter.setRules(rules({ blockedTo }));
    blockedTo.push(3);
    expect(filter.decideSend(3, 'raft')).toEqual({ kind: 'deliver', delaysMs: [0] });
  });
});

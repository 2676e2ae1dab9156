// Proves the linearizability checker accepts histories that have a valid linearization and
// rejects those that do not, on hand-written cases: sequential runs, overlapping operations
// that may take either order, unknown-outcome writes that did and did not take effect, and the
// classic bugs a replicated store can have (stale read, lost write, double CAS, a read of a
// value never written, a read seeing a failed write). It also proves the step budget turns
// into 'unknown', that results name the key and operations, and that keys are independent.
import { describe, expect, it } from 'vitest';
import {
  checkLinearizability,
  describeResult,
  HistoryError,
  kv,
} from '../../src/check/index.js';
import { assertValidLinearization, history, type Row } from './fixtures.js';

const { get, put, del, cas, getResult: got, putResult, delResult, casResult } = kv;
const OK = putResult();

const linearizable: [string, Row[]][] = [
  ['empty history', []],
  ['sequential put, get, del, get, cas', [
    [1, put('x', 'a'), 0, 1, OK],
    [1, get('x'), 2, 3, got('a')],
    [1, del('x'), 4, 5, delResult(true)],
    [1, get('x'), 6, 7, got(null)],
    [1, del('x'), 8, 9, delResult(false)],
    [1, cas('x', null, 'b'), 10, 11, casResult(true)],
    [1, cas('x', 'a', 'c'), 12, 13, casResult(false)],
    [1, cas('x', 'b', 'c'), 14, 15, casResult(true)],
    [1, get('x'), 16, 17, got('c')],
  ]],
  ['get of a never-written key is nil', [[1, get('x'), 0, 1, got(null)]]],
  ['overlapping put and get: get sees the old value', [
    [1, put('x', 'a'), 0, 10, OK],
    [2, get('x'), 1, 2, got(null)],
  ]],
  ['overlapping put and get: get sees the new value', [
    [1, put('x', 'a'), 0, 10, OK],
    [2, get('x'), 1, 2, got('a')],
  ]],
  ['concurrent puts, then reads agree on the later one', [
    [1, put('x', 'a'), 0, 5, OK],
    [2, put('x', 'b'), 1, 4, OK],
    [3, get('x'), 6, 7, got('a')],
    [3, get('x'), 8, 9, got('a')],
  ]],
  ['a read during two puts may see either, then settle', [
    [1, put('x', 'a'), 0, 10, OK],
    [2, put('x', 'b'), 0, 10, OK],
    [3, get('x'), 1, 2, got('b')],
    [3, get('x'), 3, 4, got('a')],
    [3, get('x'), 11, 12, got('a')],
  ]],
  ['operations touching at one instant count as concurrent', [
    [1, put('x', 'a'), 0, 5, OK],
    [2, get('x'), 5, 6, got(null)],
  ]],
  ['unknown put that took effect', [
    [1, put('x', 'a'), 0, null, 'unknown'],
    [2, get('x'), 5, 6, got('a')],
  ]],
  ['unknown put that never took effect', [
    [1, put('x', 'a'), 0, 3, 'unknown'],
    [2, get('x'), 5, 6, got(null)],
    [2, get('x'), 7, 8, got(null)],
  ]],
  ['unknown put that took effect long after its client gave up', [
    [1, put('x', 'a'), 0, 1, 'unknown'],
    [2, get('x'), 5, 6, got(null)],
    [2, get('x'), 100, 101, got('a')],
  ]],
  ['unknown cas that swapped', [
    [1, cas('x', null, 'a'), 0, null, 'unknown'],
    [2, get('x'), 5, 6, got('a')],
  ]],
  ['unknown del that took effect, and one that did not', [
    [1, put('x', 'a'), 0, 1, OK],
    [1, put('y', 'a'), 0, 1, OK],
    [2, del('x'), 2, null, 'unknown'],
    [2, del('y'), 2, null, 'unknown'],
    [3, get('x'), 5, 6, got(null)],
    [3, get('y'), 5, 6, got('a')],
  ]],
  ['unknown get constrains nothing', [
    [1, put('x', 'a'), 0, 1, OK],
    [2, get('x'), 2, null, 'unknown'],
  ]],
  ['failed put is ignored', [
    [1, put('x', 'a'), 0, 1, 'failed'],
    [2, get('x'), 2, 3, got(null)],
  ]],
  ['two unknown puts applied in the opposite order of invocation', [
    [1, put('x', 'a'), 0, null, 'unknown'],
    [2, put('x', 'b'), 1, null, 'unknown'],
    [3, get('x'), 5, 6, got('b')],
    [3, get('x'), 7, 8, got('a')],
  ]],
];

const violating: [string, string, Row[]][] = [
  ['stale read after a completed write', 'x', [
    [1, put('x', 'a'), 0, 1, OK],
    [1, put('x', 'b'), 2, 3, OK],
    [2, get('x'), 4, 5, got('a')],
  ]],
  ['lost write', 'x', [
    [1, put('x', 'a'), 0, 1, OK],
    [2, get('x'), 2, 3, got(null)],
  ]],
  ['cas succeeding twice from the same expected value (concurrent)', 'x', [
    [1, cas('x', null, 'a'), 0, 10, casResult(true)],
    [2, cas('x', null, 'b'), 1, 9, casResult(true)],
  ]],
  ['cas succeeding twice from the same expected value (sequential)', 'x', [
    [1, put('x', 'v'), 0, 1, OK],
    [1, cas('x', 'v', 'a'), 2, 3, casResult(true)],
    [2, cas('x', 'v', 'b'), 4, 5, casResult(true)],
  ]],
  ['cas that should have swapped reports not swapped', 'x', [
    [1, put('x', 'v'), 0, 1, OK],
    [1, cas('x', 'v', 'a'), 2, 3, casResult(false)],
  ]],
  ['read of a value never written', 'x', [
    [1, put('x', 'a'), 0, 1, OK],
    [2, get('x'), 0, 5, got('zzz')],
  ]],
  ['read seeing a failed write', 'x', [
    [1, put('x', 'a'), 0, 1, 'failed'],
    [2, get('x'), 2, 3, got('a')],
  ]],
  ['del of an absent key reports it existed', 'x', [
    [1, del('x'), 0, 1, delResult(true)],
  ]],
  ['reads flip-flop after both writes completed', 'x', [
    [1, put('x', 'a'), 0, 5, OK],
    [2, put('x', 'b'), 1, 4, OK],
    [3, get('x'), 6, 7, got('b')],
    [3, get('x'), 8, 9, got('a')],
  ]],
  ['read before an unknown put was even invoked', 'x', [
    [1, get('x'), 0, 1, got('a')],
    [2, put('x', 'a'), 2, null, 'unknown'],
  ]],
  ['unknown put seen, then unseen, with no other writer', 'x', [
    [1, put('x', 'a'), 0, null, 'unknown'],
    [2, get('x'), 5, 6, got('a')],
    [2, get('x'), 7, 8, got(null)],
  ]],
  ['violation on one key among healthy ones', 'b', [
    [1, put('a', '1'), 0, 1, OK],
    [2, put('b', '1'), 0, 1, OK],
    [1, get('a'), 2, 3, got('1')],
    [2, get('b'), 2, 3, got(null)],
    [3, get('c'), 2, 3, got(null)],
  ]],
];

describe('checkLinearizability: linearizable histories', () => {
  it.each(linearizable)('%s', (_name, rows) => {
    const ops = history(rows);
    const r = checkLinearizability(ops);
    expect(describeResult(r)).toMatch(/^linearizable/);
    expect(r.result).toBe('ok');
    for (const [key, k] of r.perKey) {
      expect(k.result).toBe('ok');
      assertValidLinearization(ops, key, k.linearization!);
    }
  });
});

describe('checkLinearizability: violations', () => {
  it.each(violating)('%s', (_name, key, rows) => {
    const r = checkLinearizability(history(rows));
    expect(r.result).toBe('violation');
    expect(r.violation!.key).toBe(key);
    for (const [k, check] of r.perKey) expect(check.result).toBe(k === key ? 'violation' : 'ok');
    const text = describeResult(r);
    expect(text).toMatch(/^NOT linearizable/);
    expect(text).toContain(`key "${key}"`);
    expect(text).toContain(`#${r.violation!.blocking.id} `);
  });

  it('names the stale read, the writes before it and the state they left', () => {
    const ops = history(violating[0]![2]);
    const v = checkLinearizability(ops).violation!;
    expect(v.blocking).toBe(ops[2]);
    expect(v.ops).toEqual([ops[0], ops[1], ops[2]]);
    expect(v.prefixLength).toBe(2);
    expect(v.stateAfterPrefix).toBe('b');
    expect(v.explanation).toBe([
      'key "x": no linearization gets past the completion of',
      '  #2 client 2 get("x") → "a"  [t 4 .. 5]',
      'longest linearizable prefix: 2 of 3 operations, leaving the key at "b"; it ends with',
      '  #0 client 1 put("x", "a") → OK  [t 0 .. 1]',
      '  #1 client 1 put("x", "b") → OK  [t 2 .. 3]',
      'operations pending there, none of which can go next to make the results agree:',
      '  #2 client 2 get("x") → "a"  [t 4 .. 5]',
    ].join('\n'));
  });

  it('reports the violation that completed first when several keys have one', () => {
    const r = checkLinearizability(history([
      [1, put('late', 'a'), 0, 1, OK],
      [1, get('late'), 50, 51, got(null)],
      [2, put('early', 'a'), 0, 1, OK],
      [2, get('early'), 10, 11, got(null)],
    ]));
    expect(r.violation!.key).toBe('early');
    expect(describeResult(r)).toContain('(1 other key(s) also have violations)');
  });
});

describe('checkLinearizability: budget and inputs', () => {
  /** Many overlapping writes and a final read no order can satisfy: a large search. */
  function hardHistory(writers: number): Row[] {
    const rows: Row[] = [];
    for (let i = 0; i < writers; i++) rows.push([i, put('x', `v${i}`), 0, 100, OK]);
    for (let i = 0; i < writers; i++) rows.push([i, get('x'), 1 + i, 99, got(`v${i}`)]);
    rows.push([99, get('x'), 200, 201, got('never')]);
    return rows;
  }

  it('reports unknown when the step budget runs out, and says to treat it as failure', () => {
    const r = checkLinearizability(history(hardHistory(8)), { stepBudget: 50 });
    expect(r.result).toBe('unknown');
    expect(r.perKey.get('x')!.reason).toBe('step budget of 50 exhausted');
    expect(r.steps).toBe(50);
    expect(describeResult(r)).toMatch(/^UNKNOWN: the search gave up on 1 key\(s\)/);
    expect(describeResult(r)).toContain('treat this as a failure');
  });

  it('finds the same history a violation with a sufficient budget', () => {
    const r = checkLinearizability(history(hardHistory(8)));
    expect(r.result).toBe('violation');
    expect(r.steps).toBeGreaterThan(50);
  });

  it('a budget exhausted on one key leaves other keys checked', () => {
    const rows = hardHistory(8);
    rows.push([7, put('y', '1'), 0, 1, OK], [7, get('y'), 2, 3, got(null)]);
    const r = checkLinearizability(history(rows), { stepBudget: 50 });
    expect(r.perKey.get('x')!.result).toBe('unknown');
    expect(r.result).toBe('violation');
    expect(r.violation!.key).toBe('y');
  });

  it('reports unknown when the memo cache bound is reached', () => {
    const r = checkLinearizability(history(hardHistory(8)), { memoBytesMax: 1024 });
    expect(r.result).toBe('unknown');
    expect(r.perKey.get('x')!.reason).toBe('memo cache exceeded 1024 bytes');
  });

  it.each([
    [{ stepBudget: -1 }, 'stepBudget must be a non-negative integer, got -1'],
    [{ stepBudget: 1.5 }, 'stepBudget must be a non-negative integer, got 1.5'],
    [{ memoBytesMax: 10 }, 'memoBytesMax must be an integer >= 1024, got 10'],
  ])('rejects options %j', (options, message) => {
    expect(() => checkLinearizability([], options)).toThrow(new HistoryError(message));
  });

  it('rejects a malformed operation with a message naming it', () => {
    const ops = history([[1, put('x', 'a'), 5, 1, OK]]);
    expect(() => checkLinearizability(ops)).toThrow(
      'operation 0 (index 0): completed at 1, before its invocation at 5',
    );
    const mismatched = history([[1, get('x'), 0, 1, OK]]);
    expect(() => checkLinearizability(mismatched)).toThrow(
      'operation 0 (index 0): an ok get needs a result of kind get',
    );
  });
});

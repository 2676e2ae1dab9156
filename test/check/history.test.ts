// Proves the history recorder keeps what clients did: ids in invocation order, caller-supplied
// or internal monotonic times, outcomes (pending at the end = unknown), its operation bound and
// its misuse errors, and a JSON-lines form that round-trips and rejects malformed lines with
// the line number.
import { describe, expect, it } from 'vitest';
import {
  HistoryError,
  HistoryFullError,
  HistoryRecorder,
  kv,
  type OpId,
} from '../../src/check/index.js';

describe('HistoryRecorder', () => {
  it('records invocations and completions with internal counter times', () => {
    const h = new HistoryRecorder();
    const a = h.invoke(1, kv.put('x', 'a'));
    const b = h.invoke(2, kv.get('x'));
    h.complete(a, { kind: 'ok', result: kv.putResult() });
    h.complete(b, { kind: 'ok', result: kv.getResult('a') });
    expect(h.pending()).toBe(0);
    expect(h.operations()).toEqual([
      { id: 0, clientId: 1, op: kv.put('x', 'a'), invokeTime: 1, completeTime: 3,
        outcome: { kind: 'ok', result: { kind: 'put' } } },
      { id: 1, clientId: 2, op: kv.get('x'), invokeTime: 2, completeTime: 4,
        outcome: { kind: 'ok', result: { kind: 'get', value: 'a' } } },
    ]);
  });

  it('uses caller times, allows equal times, and continues the counter after them', () => {
    const h = new HistoryRecorder();
    const a = h.invoke(1, kv.del('x'), 10.5);
    h.complete(a, { kind: 'failed' }, 10.5);
    const b = h.invoke(1, kv.del('x'));
    const ops = h.operations();
    expect(ops[0]).toMatchObject({ invokeTime: 10.5, completeTime: 10.5 });
    expect(ops[1]).toMatchObject({ id: b, invokeTime: 11.5 });
  });

  it('reports operations still pending as unknown, with no completion time', () => {
    const h = new HistoryRecorder();
    h.invoke(3, kv.cas('x', null, 'v'));
    expect(h.pending()).toBe(1);
    expect(h.operations()[0]).toMatchObject({ completeTime: null, outcome: { kind: 'unknown' } });
  });

  it('refuses time going backwards', () => {
    const h = new HistoryRecorder();
    h.invoke(1, kv.get('x'), 100);
    expect(() => h.invoke(1, kv.get('x'), 99)).toThrow(new HistoryError(
      'invoke: time went backwards (99 after 100); ' +
        'pass a monotonic clock such as performance.now(), or no time at all',
    ));
    expect(() => h.invoke(1, kv.get('x'), NaN)).toThrow('invoke: time must be finite, got NaN');
  });

  it('refuses completing twice, completing an unknown id, and a mismatched result', () => {
    const h = new HistoryRecorder();
    const a = h.invoke(1, kv.get('x'));
    expect(() => h.complete(a, { kind: 'ok', result: kv.putResult() })).toThrow(
      'complete(0): an ok get needs a result of kind get',
    );
    h.complete(a, { kind: 'unknown' });
    expect(() => h.complete(a, { kind: 'failed' })).toThrow(
      'complete: operation 0 was already completed',
    );
    expect(() => h.complete(7 as OpId, { kind: 'failed' })).toThrow(
      'complete: no operation with id 7 was invoked',
    );
  });

  it('stops at its operation bound with a clear error', () => {
    const h = new HistoryRecorder({ operationCountMax: 2 });
    h.invoke(1, kv.get('x'));
    h.invoke(1, kv.get('x'));
    expect(() => h.invoke(1, kv.get('x'))).toThrow(new HistoryFullError(
      'history is full: 2 operations recorded; raise operationCountMax or record a shorter run',
    ));
    expect(() => new HistoryRecorder({ operationCountMax: 0 })).toThrow(
      'operationCountMax must be a positive integer, got 0',
    );
  });

  it('round-trips through JSON lines', () => {
    const h = new HistoryRecorder();
    const a = h.invoke(1, kv.put('k\n"', 'v'));
    h.invoke(2, kv.cas('k', null, 'w'));
    const c = h.invoke(3, kv.del('k'));
    h.complete(a, { kind: 'ok', result: kv.putResult() });
    h.complete(c, { kind: 'ok', result: kv.delResult(true) });
    const text = h.toJsonLines();
    expect(text.split('\n')).toHaveLength(4);
    expect(HistoryRecorder.fromJsonLines(text)).toEqual(h.operations());
  });

  it.each([
    ['{not json', /^history line 2: not JSON/],
    ['[1]', /^history line 2: expected an object$/],
    ['{"id":1,"clientId":1,"op":{"kind":"put","key":"k"},"invokeTime":1,"completeTime":2,' +
      '"outcome":{"kind":"failed"}}', /^history line 2: put needs a string value$/],
    ['{"id":1,"clientId":1,"op":{"kind":"get","key":"k"},"invokeTime":1,"completeTime":null,' +
      '"outcome":{"kind":"ok","result":{"kind":"get","value":"v"}}}',
      /^history line 2: an operation with outcome ok needs a completeTime$/],
    ['{"id":1,"clientId":1,"op":{"kind":"zap","key":"k"},"invokeTime":1,"completeTime":2,' +
      '"outcome":{"kind":"failed"}}', /^history line 2: unknown op kind "zap"$/],
  ])('rejects a malformed line: %s', (line, message) => {
    const first = '{"id":0,"clientId":1,"op":{"kind":"get","key":"k"},"invokeTime":0,' +
      '"completeTime":null,"outcome":{"kind":"unknown"}}';
    expect(() => HistoryRecorder.fromJsonLines(`${first}\n${line}\n`)).toThrow(message);
  });
});

// Proves the state machine's ops (src/kv) have Redis's semantics when applied to a
// KvStore: every op's result and effect in a table, per-op errors inside a multi that do not
// abort the other ops, integer parsing and overflow, CAS, and the MemoryKvStore's ordered
// iteration against a sorted-array model.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  applyKvOp, compareBytes, MemoryKvStore, parseInt64, type KvOp, type KvResult,
} from '../../src/kv/index.js';

const b = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const str = (u: Uint8Array | undefined): string | undefined =>
  u === undefined ? undefined : Buffer.from(u).toString('latin1');

function storeWith(entries: Record<string, string>): MemoryKvStore {
  const store = new MemoryKvStore();
  for (const [k, v] of Object.entries(entries)) store.put(b(k), b(v));
  return store;
}

function dump(store: MemoryKvStore): Record<string, string> {
  const out: Record<string, string> = {};
  store.forEachInRange({}, (k, v) => { out[str(k)!] = str(v)!; return true; });
  return out;
}

/** Replies with byte arrays as latin1 strings (Buffer and Uint8Array compare equal) and integers
 * as bigint (an integer reply may be either). */
function norm(r: KvResult): unknown {
  if (r instanceof Uint8Array) return { bulk: str(r) };
  if (Array.isArray(r)) return r.map(norm);
  if (typeof r === 'number') return BigInt(r);
  return r;
}

/** Applies with a fixed context (these ops read no time or randomness). */
const apply = (store: MemoryKvStore, op: KvOp): KvResult =>
  applyKvOp(store, op, { index: 1, timeMs: 0, seed: 0 });

const bulk = (s: string | null): KvResult => (s === null ? null : b(s));
const int = (n: number | bigint): KvResult => n;
const ok: KvResult = { simple: 'OK' };
const notInt: KvResult = { error: 'ERR value is not an integer or out of range' };
const overflow: KvResult = { error: 'ERR increment or decrement would overflow' };

const put = (key: string, value: string, condition: 'always' | 'nx' | 'xx' = 'always', get = false):
  KvOp => ({ type: 'put', key: b(key), value: b(value), condition, get });

interface Row {
  name: string;
  before: Record<string, string>;
  op: KvOp;
  result: KvResult;
  after: Record<string, string>;
}

const rows: Row[] = [
  { name: 'put new', before: {}, op: put('a', '1'), result: ok, after: { a: '1' } },
  { name: 'put overwrite', before: { a: '1' }, op: put('a', '2'), result: ok, after: { a: '2' } },
  { name: 'put NX absent', before: {}, op: put('a', '1', 'nx'), result: ok, after: { a: '1' } },
  { name: 'put NX present', before: { a: '1' }, op: put('a', '2', 'nx'), result: bulk(null),
    after: { a: '1' } },
  { name: 'put XX absent', before: {}, op: put('a', '1', 'xx'), result: bulk(null), after: {} },
  { name: 'put XX present', before: { a: '1' }, op: put('a', '2', 'xx'), result: ok,
    after: { a: '2' } },
  { name: 'put GET old', before: { a: '1' }, op: put('a', '2', 'always', true), result: bulk('1'),
    after: { a: '2' } },
  { name: 'put GET none', before: {}, op: put('a', '2', 'always', true), result: bulk(null),
    after: { a: '2' } },
  { name: 'put NX GET present', before: { a: '1' }, op: put('a', '2', 'nx', true),
    result: bulk('1'), after: { a: '1' } },
  { name: 'del counts removed', before: { a: '1', b: '2' },
    op: { type: 'del', keys: [b('a'), b('x'), b('b'), b('a')] }, result: int(2), after: {} },
  { name: 'cas match', before: { a: '1' },
    op: { type: 'cas', key: b('a'), expected: b('1'), value: b('2') }, result: int(1),
      after: { a: '2' } },
  { name: 'cas mismatch', before: { a: '1' },
    op: { type: 'cas', key: b('a'), expected: b('9'), value: b('2') }, result: int(0),
      after: { a: '1' } },
  { name: 'cas absent expected', before: {},
    op: { type: 'cas', key: b('a'), expected: null, value: b('2') }, result: int(1),
      after: { a: '2' } },
  { name: 'cas null but present', before: { a: '1' },
    op: { type: 'cas', key: b('a'), expected: null, value: b('2') }, result: int(0),
      after: { a: '1' } },
  { name: 'cas on missing key', before: {},
    op: { type: 'cas', key: b('a'), expected: b(''), value: b('2') }, result: int(0), after: {} },
  { name: 'incr absent', before: {}, op: { type: 'incrBy', key: b('n'), delta: 1n },
    result: int(1n), after: { n: '1' } },
  { name: 'incrby negative', before: { n: '10' }, op: { type: 'incrBy', key: b('n'), delta: -15n },
    result: int(-5n), after: { n: '-5' } },
  { name: 'incr not integer', before: { n: 'abc' }, op: { type: 'incrBy', key: b('n'), delta: 1n },
    result: notInt, after: { n: 'abc' } },
  { name: 'incr leading space', before: { n: ' 1' }, op: { type: 'incrBy', key: b('n'), delta: 1n },
    result: notInt, after: { n: ' 1' } },
  { name: 'incr leading zero', before: { n: '01' }, op: { type: 'incrBy', key: b('n'), delta: 1n },
    result: notInt, after: { n: '01' } },
  { name: 'incr overflow', before: { n: '9223372036854775807' },
    op: { type: 'incrBy', key: b('n'), delta: 1n }, result: overflow,
      after: { n: '9223372036854775807' } },
  { name: 'decr underflow', before: { n: '-9223372036854775808' },
    op: { type: 'incrBy', key: b('n'), delta: -1n }, result: overflow,
      after: { n: '-9223372036854775808' } },
  { name: 'incr to max', before: { n: '9223372036854775806' },
    op: { type: 'incrBy', key: b('n'), delta: 1n }, result: int(9223372036854775807n),
      after: { n: '9223372036854775807' } },
  { name: 'append new', before: {}, op: { type: 'append', key: b('s'), value: b('ab') },
    result: int(2), after: { s: 'ab' } },
  { name: 'append existing', before: { s: 'ab' },
    op: { type: 'append', key: b('s'), value: b('cd') }, result: int(4), after: { s: 'abcd' } },
  { name: 'getset', before: { s: 'x' }, op: { type: 'getset', key: b('s'), value: b('y') },
    result: bulk('x'), after: { s: 'y' } },
  { name: 'getset absent', before: {}, op: { type: 'getset', key: b('s'), value: b('y') },
    result: bulk(null), after: { s: 'y' } },
  { name: 'mset', before: { a: '0' },
    op: { type: 'mset', entries: [[b('a'), b('1')], [b('b'), b('2')]] }, result: ok,
      after: { a: '1', b: '2' } },
  { name: 'flushall', before: { a: '1', b: '2' }, op: { type: 'flushall' }, result: ok, after: {} },
  { name: 'get', before: { a: '1' }, op: { type: 'get', key: b('a') }, result: bulk('1'),
    after: { a: '1' } },
  { name: 'get absent', before: {}, op: { type: 'get', key: b('a') },
    result: bulk(null), after: {} },
  { name: 'mget', before: { a: '1' }, op: { type: 'mget', keys: [b('a'), b('z')] },
    result: [b('1'), null], after: { a: '1' } },
  { name: 'exists counts repeats', before: { a: '1' },
    op: { type: 'exists', keys: [b('a'), b('a'), b('z')] }, result: int(2), after: { a: '1' } },
  { name: 'strlen', before: { a: 'hello' }, op: { type: 'strlen', key: b('a') }, result: int(5),
    after: { a: 'hello' } },
  { name: 'strlen absent', before: {}, op: { type: 'strlen', key: b('a') },
    result: int(0), after: {} },
  { name: 'count', before: { a: '1', b: '2' }, op: { type: 'count' }, result: int(2),
    after: { a: '1', b: '2' } },
];

describe('applyKvOp', () => {
  it.each(rows)('$name', ({ before, op, result, after }) => {
    const store = storeWith(before);
    expect(norm(apply(store, op))).toEqual(norm(result));
    expect(dump(store)).toEqual(after);
  });

  it('applies a multi in order; a failing sub-op does not abort the others', () => {
    const store = storeWith({ s: 'text' });
    const result = apply(store, {
      type: 'multi',
      ops: [
        put('a', '1'),
        { type: 'incrBy', key: b('s'), delta: 1n },
        { type: 'incrBy', key: b('a'), delta: 41n },
        { type: 'get', key: b('a') },
      ],
    });
    expect(norm(result)).toEqual(norm([ok, notInt, int(42n), bulk('42')]));
    expect(dump(store)).toEqual({ a: '42', s: 'text' });
  });

  it('is binary-safe for keys and values', () => {
    const store = new MemoryKvStore();
    const key = new Uint8Array([0, 255, 13, 10, 0]);
    const value = new Uint8Array([0, 1, 2, 255]);
    apply(store, { type: 'put', key, value, condition: 'always', get: false });
    expect(norm(apply(store, { type: 'get', key }))).toEqual(norm(value));
    expect(norm(apply(store, { type: 'get', key: key.subarray(0, 4) }))).toEqual(norm(bulk(null)));
  });
});

describe('parseInt64 (Redis string2ll rules)', () => {
  it.each([
    ['0', 0n], ['1', 1n], ['-1', -1n], ['9223372036854775807', 9223372036854775807n],
    ['-9223372036854775808', -9223372036854775808n],
  ])('%s parses', (text, value) => expect(parseInt64(b(text))).toBe(value));
  it.each([
    [''], ['-'], ['+1'], ['01'], ['-0'], [' 1'], ['1 '], ['1.0'], ['9223372036854775808'],
    ['-9223372036854775809'], ['1e3'], ['0x10'], ['123456789012345678901'],
  ])('%j is rejected', (text) => expect(parseInt64(b(text))).toBeUndefined());
});

describe('MemoryKvStore ordered iteration', () => {
  it('matches a sorted-array model for ranges in both directions', () => {
    const keyArb = fc.uint8Array({ maxLength: 4 });
    fc.assert(fc.property(
      fc.array(keyArb, { maxLength: 40 }), fc.option(keyArb), fc.option(keyArb), fc.boolean(),
      (keys, start, end, reverse) => {
        const store = new MemoryKvStore();
        for (const k of keys) store.put(k, k);
        const model = [...new Map(keys.map((k) => [str(k)!, k])).values()]
          .sort(compareBytes)
          .filter((k) => (start === null || compareBytes(k, start) >= 0)
            && (end === null || compareBytes(k, end) < 0));
        if (reverse) model.reverse();
        const seen: Uint8Array[] = [];
        store.forEachInRange(
          { start: start ?? undefined, end: end ?? undefined, reverse },
          (k) => { seen.push(k); return true; },
        );
        expect(seen.map(str)).toEqual(model.map(str));
      },
    ), { seed: 1234, numRuns: 300 });
  });
});

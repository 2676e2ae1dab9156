// Proves the KvOp codec (src/kv/codec.ts) round-trips every op shape exactly (fast-check),
// rejects garbage — wrong version, unknown tags, truncation at every byte, trailing bytes,
// impossible counts, NX with XX, nested multi — with a typed KvOpDecodeError and never with
// anything else, and that the glob matcher follows Redis's pattern rules.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeKvOp, encodeKvOp, globMatch, KvOpDecodeError, type KvOp,
} from '../../src/kv/index.js';

const bytes = fc.uint8Array({ maxLength: 12 });
const keys = fc.array(bytes, { maxLength: 5 });
const singleOp: fc.Arbitrary<KvOp> = fc.oneof(
  fc.record({
    type: fc.constant('put' as const), key: bytes, value: bytes,
    condition: fc.constantFrom('always' as const, 'nx' as const, 'xx' as const), get: fc.boolean(),
  }),
  fc.record({ type: fc.constant('del' as const), keys }),
  fc.record(
    { type: fc.constant('cas' as const), key: bytes, expected: fc.option(bytes), value: bytes }),
  fc.record({
    type: fc.constant('incrBy' as const), key: bytes,
    delta: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  }),
  fc.record({ type: fc.constant('append' as const), key: bytes, value: bytes }),
  fc.record({ type: fc.constant('getset' as const), key: bytes, value: bytes }),
  fc.record(
    { type: fc.constant('mset' as const),
      entries: fc.array(fc.tuple(bytes, bytes), { maxLength: 4 }) }),
  fc.constant({ type: 'flushall' as const }),
  fc.record({ type: fc.constant('get' as const), key: bytes }),
  fc.record({ type: fc.constant('mget' as const), keys }),
  fc.record({ type: fc.constant('exists' as const), keys }),
  fc.record({ type: fc.constant('strlen' as const), key: bytes }),
  fc.constant({ type: 'count' as const }),
);
const anyOp: fc.Arbitrary<KvOp> = fc.oneof(
  singleOp,
  fc.record({ type: fc.constant('multi' as const), ops: fc.array(singleOp, { maxLength: 6 }) }),
);

/** Deep copy with byte arrays turned into plain number arrays, so Buffer/Uint8Array compare. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Uint8Array) return { bytes: [...v] };
    if (typeof v === 'bigint') return { bigint: v.toString() };
    return v;
  }));
}

function decodeOutcome(buf: Uint8Array): 'ok' | 'typed' {
  try {
    decodeKvOp(buf);
    return 'ok';
  } catch (err) {
    if (err instanceof KvOpDecodeError) return 'typed';
    throw err;
  }
}

describe('KvOp codec', () => {
  it('round-trips every op', () => {
    fc.assert(fc.property(anyOp, (op) => {
      expect(plain(decodeKvOp(encodeKvOp(op)))).toEqual(plain(op));
    }), { seed: 42, numRuns: 2000 });
  });

  it('rejects every truncation and trailing bytes with KvOpDecodeError', () => {
    fc.assert(fc.property(anyOp, fc.uint8Array({ minLength: 1, maxLength: 3 }), (op, extra) => {
      const buf = encodeKvOp(op);
      for (let n = 0; n < buf.length; n++) {
        expect(() => decodeKvOp(buf.subarray(0, n))).toThrow(KvOpDecodeError);
      }
      const longer = new Uint8Array([...buf, ...extra]);
      expect(() => decodeKvOp(longer)).toThrow(KvOpDecodeError);
    }), { seed: 7, numRuns: 300 });
  });

  it('never throws anything but KvOpDecodeError on random or mutated bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (buf) => {
      decodeOutcome(buf);
    }), { seed: 9, numRuns: 3000 });
    fc.assert(fc.property(anyOp, fc.nat(), fc.integer({ min: 0, max: 255 }), (op, at, byte) => {
      const buf = encodeKvOp(op).slice();
      buf[at % buf.length] = byte;
      decodeOutcome(buf);
    }), { seed: 10, numRuns: 3000 });
  });

  it.each([
    ['empty', []],
    ['unknown version', [2, 8]],
    ['unknown tag', [1, 99]],
    ['put with NX and XX', [1, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0]],
    ['put with unknown flag', [1, 1, 8, 0, 0, 0, 0, 0, 0, 0, 0]],
    ['del count beyond the buffer', [1, 2, 255, 255, 255, 255]],
    ['nested multi', [1, 14, 1, 0, 0, 0, 14, 0, 0, 0, 0]],
    ['cas hasExpected 2', [1, 3, 0, 0, 0, 0, 2, 0, 0, 0, 0]],
  ])('rejects %s', (_name, raw) => {
    expect(() => decodeKvOp(new Uint8Array(raw))).toThrow(KvOpDecodeError);
  });

  it('names the offset in the error', () => {
    expect(() => decodeKvOp(new Uint8Array([1, 99]))).toThrow('kv op offset 1: unknown op tag 99');
  });
});

describe('globMatch (Redis stringmatchlen rules)', () => {
  const g = (p: string, s: string): boolean => globMatch(Buffer.from(p), Buffer.from(s));
  it.each([
    ['*', '', true], ['*', 'anything', true], ['h?llo', 'hello', true], ['h?llo', 'hllo', false],
    ['h*llo', 'heeeello', true], ['h*llo', 'hellox', false], ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false], ['h[^e]llo', 'hallo', true], ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true], ['h[b-a]llo', 'hallo', true], ['h[a-b]llo', 'hcllo', false],
    ['h\\*llo', 'h*llo', true], ['h\\*llo', 'hello', false], ['[\\]]', ']', true],
    ['a*b*c', 'aXXbYYc', true], ['a*b*c', 'aXXbYY', false],
      ['*a*a*a*a*a*a*b', 'aaaaaaaaaaaaaaaaaaaaaaaaa', false],
    ['user:*', 'user:1', true], ['user:*', 'users', false], ['[abc', 'a', true], ['', '', true],
    ['', 'a', false], ['a', '', false], ['**', 'x', true],
  ])('%j matches %j: %s', (pattern, subject, expected) => {
    expect(g(pattern, subject)).toBe(expected);
  });

  it('runs in bounded time on adversarial patterns (no exponential backtracking)', () => {
    const started = performance.now();
    expect(g('*a'.repeat(200) + 'b', 'a'.repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

// Proves the protocol-independent Reply (src/kv/reply.ts) reaches a RESP2 client as Redis 7.0
// sends it: doubles printed with %.17g (figures below are C's printf output for each value),
// maps and pairs flattened, sets and pushes as arrays, booleans as 0/1, verbatim text as a
// bulk string; and that isErrorReply tells errors from every other kind.
import { describe, expect, it } from 'vitest';
import { formatDouble, isErrorReply, type Reply } from '../../src/kv/index.js';
import { encodeReply } from '../../src/server/respEncoder.js';

describe('formatDouble (%.17g, as Redis 7.0 prints scores)', () => {
  it.each([
    [1.1, '1.1000000000000001'], [3, '3'], [1e21, '1e+21'], [0.00001, '1.0000000000000001e-05'],
    [0.0001234, '0.00012339999999999999'], [123456789012345678, '1.2345678901234568e+17'],
    [1 / 3, '0.33333333333333331'], [-2.5, '-2.5'], [1e16, '10000000000000000'],
    [1e17, '1e+17'], [12345.678, '12345.678'], [5e-324, '4.9406564584124654e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'], [0.1, '0.10000000000000001'],
    [100, '100'], [-0.0001, '-0.0001'], [Infinity, 'inf'], [-Infinity, '-inf'], [0, '0'],
  ])('%s → %s', (value, text) => expect(formatDouble(value)).toBe(text));
});

describe('RESP2 encoding of the RESP3-only kinds', () => {
  const wire = (r: Reply): string => encodeReply(r).toString('latin1');
  it.each<[string, Reply, string]>([
    ['double', { double: 1.5 }, '$3\r\n1.5\r\n'],
    ['bool', { bool: true }, ':1\r\n'],
    ['map', { map: [['a', 1], ['b', null]] }, '*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n$-1\r\n'],
    ['pairs', { pairs: [['m', { double: 2 }]] }, '*2\r\n$1\r\nm\r\n$1\r\n2\r\n'],
    ['set', { set: ['x'] }, '*1\r\n$1\r\nx\r\n'],
    ['push', { push: ['message', 'c', 'hi'] }, '*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nhi\r\n'],
    ['verbatim', { verbatim: 'a:1', format: 'txt' }, '$3\r\na:1\r\n'],
    ['nested', [{ map: [['k', { set: [] }]] }], '*1\r\n*2\r\n$1\r\nk\r\n*0\r\n'],
  ])('%s', (_name, reply, expected) => expect(wire(reply)).toBe(expected));
});

describe('isErrorReply', () => {
  it.each<[Reply, boolean]>([
    [{ error: 'ERR x' }, true], [null, false], ['error', false], [[{ error: 'ERR' }], false],
    [{ simple: 'OK' }, false], [new Uint8Array([1]), false], [{ map: [] }, false],
  ])('%j → %s', (reply, expected) => expect(isErrorReply(reply)).toBe(expected));
});

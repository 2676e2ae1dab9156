// Proves the RESP2/inline request decoder (src/server/respDecoder.ts): table cases for valid
// requests, inline quoting (sdssplitargs rules) and every protocol error with Redis's exact
// wording; that every split of a pipelined stream into chunks yields the same commands and the
// same error; and that limits are checked against the line/bulk being read, independent of how
// the bytes arrive.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RespDecoder, RespProtocolError,
  type RespDecoderLimits } from '../../src/server/respDecoder.js';

interface Outcome {
  commands: string[][];
  error?: string | undefined;
}

function decodeChunks(chunks: Uint8Array[], limits: Partial<RespDecoderLimits> = {}): Outcome {
  const decoder = new RespDecoder(limits);
  const commands: string[][] = [];
  for (const chunk of chunks) {
    decoder.feed(chunk);
    for (;;) {
      let cmd: Buffer[] | undefined;
      try {
        cmd = decoder.next();
      } catch (err) {
        if (!(err instanceof RespProtocolError)) throw err;
        return { commands, error: err.reply ?? '(closed)' };
      }
      if (cmd === undefined) break;
      commands.push(cmd.map((a) => a.toString('latin1')));
    }
    expect(decoder.hasPendingInput()).toBe(false);
  }
  return { commands };
}

const decode = (text: string, limits: Partial<RespDecoderLimits> = {}): Outcome =>
  decodeChunks([Buffer.from(text, 'latin1')], limits);

const resp = (...args: string[]): string => `*${args.length}\r\n` +
  args.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('');

describe('valid requests', () => {
  it.each<[string, string, string[][]]>([
    ['one RESP command', resp('GET', 'k'), [['GET', 'k']]],
    ['pipelined RESP', resp('SET', 'a', '1') + resp('GET', 'a'), [['SET', 'a', '1'], ['GET', 'a']]],
    ['binary bulk with CRLF inside', resp('SET', 'k', 'a\r\nb\0c'), [['SET', 'k', 'a\r\nb\0c']]],
    ['empty bulk', resp('SET', 'k', ''), [['SET', 'k', '']]],
    ['*0 is no command', '*0\r\n' + resp('PING'), [['PING']]],
    ['negative multibulk length is no command', '*-10\r\n' + resp('PING'), [['PING']]],
    ['inline', 'SET key value\r\n', [['SET', 'key', 'value']]],
    ['inline with bare LF', 'PING\n', [['PING']]],
    ['empty inline lines skipped', '\r\n\n  \r\nPING\r\n', [['PING']]],
    ['inline double quotes', 'SET "a key" "x\\ny\\x41\\"z"\r\n', [['SET', 'a key', 'x\nyA"z']]],
    ['inline single quotes', "SET 'a \\'b' 'c\\nd'\r\n", [['SET', "a 'b", 'c\\nd']]],
    ['quote in mid-argument', 'SET a"b c" d\r\n', [['SET', 'ab c', 'd']]],
    ['inline tabs', 'GET\tk\r\n', [['GET', 'k']]],
    ['empty quoted argument', 'SET k ""\r\n', [['SET', 'k', '']]],
    ['bad hex escape is literal x', 'ECHO "\\xZZ"\r\n', [['ECHO', 'xZZ']]],
    ['NUL ends an inline line', 'ECHO a\0 b\r\n', [['ECHO', 'a']]],
    ['mixed inline and RESP', 'PING\r\n' + resp('ECHO', 'x') + 'ECHO y\n',
      [['PING'], ['ECHO', 'x'], ['ECHO', 'y']]],
  ])('%s', (_name, text, commands) => {
    expect(decode(text)).toEqual({ commands });
  });
});

// Ports of redis tests/unit/protocol.tcl at the decoder level (test/server/protocol.test.ts runs
// them over a socket too).
describe('protocol errors (Redis wording)', () => {
  it.each<[string, string, string, Partial<RespDecoderLimits>?]>([
    ['out of range multibulk length', '*20000000\r\n',
      'ERR Protocol error: invalid multibulk length'],
    ['out of range multibulk length (3e9)', '*3000000000\r\n',
      'ERR Protocol error: invalid multibulk length'],
    ['non-number multibulk length', '*x\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['wrong multibulk payload header', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n',
      "ERR Protocol error: expected '$', got 'f'"],
    ['negative multibulk payload length', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n',
      'ERR Protocol error: invalid bulk length'],
    ['out of range multibulk payload length', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n',
      'ERR Protocol error: invalid bulk length'],
    ['non-number multibulk payload length', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n',
      'ERR Protocol error: invalid bulk length'],
    ['multi bulk request not followed by bulk arguments', '*1\r\nfoo\r\n',
      "ERR Protocol error: expected '$', got 'f'"],
    ['unbalanced number of quotes', 'set """test-key""" test-value\r\nping\r\n',
      'ERR Protocol error: unbalanced quotes in request'],
    ['unterminated double quote', 'SET "abc\r\n',
      'ERR Protocol error: unbalanced quotes in request'],
    ['unterminated single quote', "SET 'abc\r\n",
      'ERR Protocol error: unbalanced quotes in request'],
    ['closing quote followed by a letter', 'SET "a"b\r\n',
      'ERR Protocol error: unbalanced quotes in request'],
    ['too big inline request', 'A'.repeat(65537), 'ERR Protocol error: too big inline request'],
    ['too big inline request with a late newline', 'A'.repeat(70000) + '\n',
      'ERR Protocol error: too big inline request'],
    ['too big mbulk count string', '*' + '1'.repeat(65537),
      'ERR Protocol error: too big mbulk count string'],
    ['too big bulk count string', '*1\r\n$' + '1'.repeat(65537),
      'ERR Protocol error: too big bulk count string'],
    ['bulk beyond a configured limit', resp('SET', 'k', 'abcdef'),
      'ERR Protocol error: invalid bulk length', { bulkBytesMax: 5 }],
    ['multibulk beyond a configured limit', resp('A', 'B', 'C'),
      'ERR Protocol error: invalid multibulk length', { multibulkLengthMax: 2 }],
    ['bulk length with plus sign', '*1\r\n$+3\r\nabc\r\n',
      'ERR Protocol error: invalid bulk length'],
    ['empty bulk header line', '*1\r\n\r\n', "ERR Protocol error: expected '$', got ' '"],
    ['request beyond commandBytesMax closes silently', resp('SET', 'k', 'x'.repeat(100)),
      '(closed)', { commandBytesMax: 128 }],
  ])('%s', (_name, text, error, limits) => {
    const outcome = decode(text, limits ?? {});
    expect(outcome.error).toBe(error);
  });

  it('hands out the commands before the error, then fails for good', () => {
    const decoder = new RespDecoder();
    decoder.feed(Buffer.from(resp('PING') + '*1\r\nfoo\r\n' + resp('PING')));
    expect(decoder.next()?.map(String)).toEqual(['PING']);
    expect(() => decoder.next()).toThrow("expected '$', got 'f'");
    expect(() => decoder.next()).toThrow(RespProtocolError);
    expect(decoder.hasPendingInput()).toBe(false);
  });

  it('accepts an inline line of exactly inlineBytesMax bytes', () => {
    expect(decode('ECHO ' + 'a'.repeat(65536 - 5) + '\n').commands[0]![1]!.length).toBe(65531);
  });
});

/** Cuts `bytes` at the given sorted, de-duplicated positions. */
function cut(bytes: Buffer, positions: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let last = 0;
  for (const p of positions) {
    if (p > last && p < bytes.length) {
      chunks.push(bytes.subarray(last, p));
      last = p;
    }
  }
  chunks.push(bytes.subarray(last));
  return chunks;
}

describe('any split of the stream gives the same outcome', () => {
  const stream = Buffer.from(
    resp('SET', 'key:1', 'v\r\n1') + 'PING\r\n' + resp('MSET', 'a', '', 'b', 'x'.repeat(300))
    + '*0\r\n' + 'SET "q k" \'v\'\n' + resp('GET', 'key:1') + '\r\n' + resp(
      'ECHO', 'z'.repeat(70000)),
    'latin1',
  );
  const whole = decodeChunks([stream]);

  it('byte by byte', () => {
    expect(whole.commands.length).toBe(6);
    const bytes = [...stream].map((b) => Buffer.from([b]));
    expect(decodeChunks(bytes)).toEqual(whole);
  });

  it('random cuts (fast-check)', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.nat(stream.length), { maxLength: 30 }), (ps) => {
      expect(decodeChunks(cut(stream, ps.sort((a, b) => a - b)))).toEqual(whole);
    }), { seed: 5, numRuns: 300 });
  });

  it('random cuts of streams ending in an error', () => {
    const bad = Buffer.from(resp('SET', 'k', 'v') + 'PING\r\n' + '*2\r\n$1\r\na\r\n$x\r\n');
    const expected = decodeChunks([bad]);
    expect(expected.error).toBe('ERR Protocol error: invalid bulk length');
    fc.assert(fc.property(fc.uniqueArray(fc.nat(bad.length), { maxLength: 20 }), (ps) => {
      expect(decodeChunks(cut(bad, ps.sort((a, b) => a - b)))).toEqual(expected);
    }), { seed: 6, numRuns: 300 });
  });

  it('does linear work on a large bulk fed one byte at a time', () => {
    const big = Buffer.from(resp('SET', 'k', 'y'.repeat(200_000)));
    const started = performance.now();
    const decoder = new RespDecoder();
    let got: Buffer[] | undefined;
    for (let i = 0; i < big.length; i++) {
      decoder.feed(big.subarray(i, i + 1));
      got = decoder.next() ?? got;
    }
    expect(got?.[2]?.length).toBe(200_000);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

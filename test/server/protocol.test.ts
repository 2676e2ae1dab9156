// Proves the server's wire behaviour over a real socket, porting redis tests/unit/protocol.tcl:
// empty queries and negative multibulk lengths are ignored; each malformed request gets Redis's
// error wording and the connection is closed after the replies to the commands before it;
// inline commands work as typed in telnet; pipelined replies arrive in order in raw RESP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, resp, startMemoryServer, type Running } from './serverHelpers.js';

let running: Running;
beforeAll(async () => { running = await startMemoryServer(); });
afterAll(async () => { await running.server.close(); });

describe('redis protocol.tcl ports', () => {
  it('handles an empty query', async () => {
    const { text } = await rawExchange(running.port, '\r\n' + resp('PING'));
    expect(text).toBe('+PONG\r\n');
  });

  it('ignores a negative multibulk length', async () => {
    const { text } = await rawExchange(running.port, '*-10\r\n' + resp('PING'));
    expect(text).toBe('+PONG\r\n');
  });

  it.each([
    ['out of range multibulk length', '*3000000000\r\n', 'invalid multibulk length'],
    ['out of range multibulk length (1M limit)', '*20000000\r\n', 'invalid multibulk length'],
    ['wrong multibulk payload header', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n',
      "expected '$', got 'f'"],
    ['negative multibulk payload length', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n',
      'invalid bulk length'],
    ['out of range multibulk payload length', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n',
      'invalid bulk length'],
    ['non-number multibulk payload length', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n',
      'invalid bulk length'],
    ['multi bulk request not followed by bulk arguments', '*1\r\nfoo\r\n', "expected '$', got 'f'"],
    ['unbalanced number of quotes', 'set """test-key""" test-value\r\nping\r\n',
      'unbalanced quotes in request'],
  ])('%s: error and close', async (_name, payload, wording) => {
    const { text, closed } = await rawExchange(running.port, payload);
    expect(text).toBe(`-ERR Protocol error: ${wording}\r\n`);
    expect(closed).toBe(true);
  });

  it('answers generic wrong number of args', async () => {
    const { text } = await rawExchange(running.port, resp('ping', 'x', 'y', 'z'));
    expect(text).toBe("-ERR wrong number of arguments for 'ping' command\r\n");
  });

  it.each([['\x00'], ['*\x00'], ['$\x00']])(
    'protocol desync %j: too big request closes', async (seq) => {
    const payload = Buffer.concat([Buffer.from(seq, 'latin1'), Buffer.alloc(70 * 1024, 'A')]);
    const { text, closed } = await rawExchange(running.port, payload);
    expect(text).toMatch(/^-ERR Protocol error: too big (inline request|mbulk count string)\r\n$/);
    expect(closed).toBe(true);
  });

  it('answers the commands before a protocol error, then the error', async () => {
    const { text, closed } =
      await rawExchange(running.port, resp('PING') + 'ECHO hi\r\n*1\r\nx\r\n');
    expect(text).toBe("+PONG\r\n$2\r\nhi\r\n-ERR Protocol error: expected '$', got 'x'\r\n");
    expect(closed).toBe(true);
  });
});

describe('raw replies', () => {
  it('inline commands as typed in telnet, including DELETE', async () => {
    const { text } = await rawExchange(running.port,
      'SET greeting "hello world"\r\nGET greeting\r\nDELETE greeting\r\nGET greeting\r\n',
        { minBytes: 27 });
    expect(text).toBe('+OK\r\n$11\r\nhello world\r\n:1\r\n$-1\r\n');
  });

  it('bulk reply protocol for integer-looking values', async () => {
    const { text } = await rawExchange(running.port,
      resp('SET', 'crlf', '-9223372036854775809') + resp('GET', 'crlf') + resp('DEL', 'crlf'));
    expect(text).toBe('+OK\r\n$20\r\n-9223372036854775809\r\n:1\r\n');
  });

  it('unknown command wording', async () => {
    const { text } = await rawExchange(running.port, resp('foo', 'a', 'b'));
    expect(text).toBe("-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n");
  });

  it('QUIT answers OK and closes; later commands are not run', async () => {
    const { text, closed } =
      await rawExchange(running.port, resp('QUIT') + resp('SET', 'after-quit', '1'));
    expect(text).toBe('+OK\r\n');
    expect(closed).toBe(true);
    expect(running.backend.store.get(Buffer.from('after-quit'))).toBeUndefined();
  });

  it('a pipeline of 5000 commands in one write gets 5000 replies in order', async () => {
    let payload = '';
    for (let i = 0; i < 5000; i++) payload += resp('INCR', 'counter') + resp('ECHO', `e${i}`);
    let expected = '';
    for (let i = 0; i < 5000; i++) expected += `:${i + 1}\r\n$${`e${i}`.length}\r\ne${i}\r\n`;
    const { text } = await rawExchange(running.port, payload, { minBytes: expected.length });
    expect(text).toBe(expected);
  });
});

// Proves RESP3 per connection: every Reply kind is written as RESP3 specifies once a client
// sends HELLO 3 (and as RESP2 before, or after HELLO 2); HELLO answers with Redis 7's map and
// refuses what Redis refuses; a reply is written in the protocol of when its command ran, so a
// pipelined HELLO 3 changes only the replies after it; and the replies whose shape Redis 7
// changes under RESP3 (HELLO, CONFIG GET, INFO, CLIENT INFO/LIST, subscribe confirmations,
// UNSUBSCRIBE with nothing subscribed) arrive in that shape. Expected bytes were checked
// against redis-server 7.0.15.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/kv/index.js';
import { encodeReply } from '../../src/server/respEncoder.js';
import { rawExchange, resp, startMemoryServer, type Running } from './serverHelpers.js';

describe('RESP3 encoding of every kind', () => {
  const wire = (r: Reply): string => encodeReply(r, 3).toString('latin1');
  it.each<[string, Reply, string]>([
    ['null', null, '_\r\n'],
    ['null array', { nullArray: true }, '_\r\n'],
    ['integer', 42, ':42\r\n'],
    ['bigint in i64', -(2n ** 63n), ':-9223372036854775808\r\n'],
    ['big number', 2n ** 64n, '(18446744073709551616\r\n'],
    ['bulk', 'héllo', '$6\r\nhéllo\r\n'.replace('é', '\u00c3\u00a9')],
    ['simple', { simple: 'OK' }, '+OK\r\n'],
    ['error', { error: 'ERR bad' }, '-ERR bad\r\n'],
    ['double', { double: 1.1 }, ',1.1000000000000001\r\n'],
    ['double inf', { double: -Infinity }, ',-inf\r\n'],
    ['bool true', { bool: true }, '#t\r\n'],
    ['bool false', { bool: false }, '#f\r\n'],
    ['verbatim', { verbatim: 'a:1\r\n', format: 'txt' }, '=9\r\ntxt:a:1\r\n\r\n'],
    ['map', { map: [['a', 1], ['b', null]] }, '%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n_\r\n'],
    ['set', { set: ['x', 'y'] }, '~2\r\n$1\r\nx\r\n$1\r\ny\r\n'],
    ['pairs', { pairs: [['m', { double: 2 }], ['n', { double: 3.5 }]] },
      '*2\r\n*2\r\n$1\r\nm\r\n,2\r\n*2\r\n$1\r\nn\r\n,3.5\r\n'],
    ['push', { push: ['message', 'c', 'hi'] }, '>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nhi\r\n'],
    ['nested', [{ map: [['k', { set: [] }]] }, []], '*2\r\n%1\r\n$1\r\nk\r\n~0\r\n*0\r\n'],
  ])('%s', (_name, reply, expected) => expect(wire(reply)).toBe(expected));

  it('RESP2 is unchanged for the same replies (flat pairs, bulk doubles, $-1 null)', () => {
    const wire2 = (r: Reply): string => encodeReply(r, 2).toString('latin1');
    expect(wire2({ pairs: [['m', { double: 2 }]] })).toBe('*2\r\n$1\r\nm\r\n$1\r\n2\r\n');
    expect(wire2(null)).toBe('$-1\r\n');
    expect(wire2(2n ** 64n)).toBe(':18446744073709551616\r\n');
  });
});

describe('HELLO and RESP3 on the wire', () => {
  let running: Running;
  beforeAll(async () => { running = await startMemoryServer(); });
  afterAll(async () => { await running.server.close(); });

  const helloMap = (proto: number, id: number): string => '%7\r\n'
    + '$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.0.0\r\n'
    + `$5\r\nproto\r\n:${proto}\r\n$2\r\nid\r\n:${id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n`
    + '$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n';

  it('HELLO 3 answers a map in RESP3; later replies are RESP3; HELLO 2 switches back', async () => {
    const { text } = await rawExchange(running.port, resp('CLIENT', 'ID') + resp('HELLO', '3')
      + resp('GET', 'missing') + resp('HELLO', '2') + resp('GET', 'missing'),
    { until: (t) => t.endsWith('*0\r\n$-1\r\n') });
    const id = Number(/^:(\d+)\r\n/.exec(text)![1]);
    expect(text).toBe(`:${id}\r\n${helloMap(3, id)}_\r\n`
      + `*14\r\n${helloMap(2, id).slice(4)}$-1\r\n`);
  });

  it('refuses versions other than 2 and 3, non-integers and unknown options', async () => {
    const { text } = await rawExchange(running.port, resp('HELLO', '4') + resp('HELLO', 'x')
      + resp('HELLO', '3', 'FOO') + resp('HELLO', '3', 'SETNAME', 'a b') + resp('PING'));
    expect(text).toBe('-NOPROTO unsupported protocol version\r\n'
      + '-ERR Protocol version is not an integer or out of range\r\n'
      + "-ERR Syntax error in HELLO option 'FOO'\r\n"
      + '-ERR Client names cannot contain spaces, newlines or special characters.\r\n'
      + '+PONG\r\n');
  });

  it('HELLO 3 SETNAME names the connection; HELLO without a version keeps the protocol',
    async () => {
      const { text } = await rawExchange(running.port, resp('HELLO', '3', 'SETNAME', 'app')
        + resp('HELLO') + resp('CLIENT', 'GETNAME'), { until: (t) => t.endsWith('app\r\n') });
      expect(text.match(/proto\r\n:3/g)).toHaveLength(2);
      expect(text.endsWith('$3\r\napp\r\n')).toBe(true);
    });

  it('a pipelined HELLO 3 leaves the replies before it in RESP2', async () => {
    const { text } = await rawExchange(running.port, resp('SET', 'k', 'v') + resp('GET', 'nope')
      + resp('HELLO', '3') + resp('GET', 'nope') + resp('GET', 'k'),
    { until: (t) => t.endsWith('$1\r\nv\r\n') });
    expect(text.startsWith('+OK\r\n$-1\r\n%7\r\n')).toBe(true);
    expect(text.endsWith('_\r\n$1\r\nv\r\n')).toBe(true);
  });

  it('CONFIG GET is a map, INFO and CLIENT INFO verbatim text, under RESP3', async () => {
    const { text } = await rawExchange(running.port, resp('HELLO', '3') + resp('CONFIG', 'GET',
      'save') + resp('CLIENT', 'INFO') + resp('INFO', 'persistence'),
    { until: (t) => t.includes('aof_last_write_status') });
    const after = text.slice(text.indexOf('*0\r\n') + 4);
    expect(after.startsWith('%1\r\n$4\r\nsave\r\n$0\r\n\r\n=')).toBe(true);
    expect(after).toMatch(/=\d+\r\ntxt:id=\d+ addr=.* resp=3 /);
    expect(after).toMatch(/=\d+\r\ntxt:# Persistence\r\nloading:0\r\n/);
  });

  it('subscribe confirmations are pushes; UNSUBSCRIBE with nothing answers a null channel',
    async () => {
      const { text } = await rawExchange(running.port, resp('HELLO', '3') + resp('SUBSCRIBE',
        'a', 'b') + resp('PING') + resp('UNSUBSCRIBE') + resp('PUNSUBSCRIBE'),
      { until: (t) => t.endsWith('_\r\n:0\r\n') });
      const after = text.slice(text.indexOf('*0\r\n') + 4);
      expect(after).toBe('>3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n'
        + '>3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n+PONG\r\n'
        + '>3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n'
        + '>3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n'
        + '>3\r\n$12\r\npunsubscribe\r\n_\r\n:0\r\n');
    });
});

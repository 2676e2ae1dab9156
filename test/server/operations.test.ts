// Proves the operations commands on one server: CONFIG GET answers the documented parameters
// (globs, several at once; what redis-benchmark asks for), CONFIG SET applies the settable ones
// all-or-nothing and refuses the rest with Redis's errors (checked against redis-server
// 7.0.15); CLIENT REPLY OFF/SKIP/ON suppress exactly the replies Redis suppresses; CLIENT
// LIST filters by TYPE and ID and shows flags; CLIENT KILL closes other connections by address
// or filter and its own after replying; TIME is this node's clock; INFO has Redis's sections
// with every field once, and CONFIG RESETSTAT resets its counters.
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, resp, startMemoryServer, type Running } from './serverHelpers.js';

let running: Running;
const opened: Redis[] = [];
beforeAll(async () => { running = await startMemoryServer(); });
afterAll(async () => { await running.server.close(); });
afterEach(() => { for (const c of opened.splice(0)) c.disconnect(); });

function client(): Redis {
  const r = new Redis({ port: running.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  opened.push(r);
  return r;
}

describe('CONFIG', () => {
  it('GET answers what tools ask for, by glob and several names at once', async () => {
    const r = client();
    expect(await r.config('GET', 'save')).toEqual(['save', '']);
    expect(await r.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await r.call('CONFIG', 'GET', 'databases', 'maxmemory')).toEqual(
      ['databases', '16', 'maxmemory', '0']);
    expect(await r.config('GET', 'port')).toEqual(['port', String(running.port)]);
    expect(await r.config('GET', 'no-such-thing')).toEqual([]);
    const all = await r.config('GET', '*') as string[];
    expect(all.length % 2).toBe(0);
    expect(new Set(all.filter((_, i) => i % 2 === 0)).size).toBe(all.length / 2);
    expect(await r.config('GET', 'notify-*')).toEqual(['notify-keyspace-events', '']);
  });

  it('SET: settable parameters, all or nothing, Redis\'s errors for the rest', async () => {
    const { text } = await rawExchange(running.port, resp('CONFIG', 'SET', 'foo', '1')
      + resp('CONFIG', 'SET', 'notify-keyspace-events', 'Kq')
      + resp('CONFIG', 'SET', 'appendonly', 'no')
      + resp('CONFIG', 'SET', 'notify-keyspace-events', 'Elg', 'client-output-buffer-limit',
        'pubsub 1mb 2k')
      + resp('CONFIG', 'GET', 'notify-keyspace-events')
      + resp('CONFIG', 'SET', 'notify-keyspace-events', 'KEA', 'client-output-buffer-limit',
        'pubsub 1mb 2k 3')
      + resp('CONFIG', 'GET', 'notify-keyspace-events', 'client-output-buffer-limit')
      + resp('CONFIG', 'SET', 'notify-keyspace-events', '', 'client-output-buffer-limit',
        'pubsub 32mb 8mb 60') + resp('CONFIG', 'SET', 'save') + resp('CONFIG', 'REWRITE'),
    { until: (t) => t.includes('config file') });
    expect(text).toBe("-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n"
      + "-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
      + "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n"
      + "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - can't set "
      + 'immutable config\r\n'
      + "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - "
      + 'Wrong number of arguments in buffer limit configuration.\r\n'
      + '*2\r\n$22\r\nnotify-keyspace-events\r\n$0\r\n\r\n+OK\r\n'
      + '*4\r\n$22\r\nnotify-keyspace-events\r\n$3\r\nAKE\r\n'
      + '$26\r\nclient-output-buffer-limit\r\n'
      + '$62\r\nnormal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2000 3\r\n+OK\r\n'
      + "-ERR wrong number of arguments for 'config|set' command\r\n"
      + '-ERR The server is running without a config file\r\n');
  });
});

describe('CLIENT', () => {
  it('REPLY OFF / SKIP / ON suppress the replies Redis suppresses', async () => {
    const { text } = await rawExchange(running.port, resp('CLIENT', 'REPLY', 'SKIP')
      + resp('PING') + resp('PING', 'b') + resp('CLIENT', 'REPLY', 'OFF') + resp('PING')
      + resp('SET', 'silent', '1') + resp('CLIENT', 'REPLY', 'ON') + resp('GET', 'silent'),
    { until: (t) => t.endsWith('$1\r\n1\r\n') });
    expect(text).toBe('$1\r\nb\r\n+OK\r\n$1\r\n1\r\n');
  });

  it('LIST filters by TYPE and ID and shows flags; INFO shows this connection', async () => {
    const a = client();
    const sub = client();
    await sub.subscribe('x');
    const id = await a.client('ID') as number;
    await a.client('SETNAME', 'lister');
    const mine = await a.call('CLIENT', 'LIST', 'ID', String(id)) as string;
    expect(mine.trim().split('\n')).toHaveLength(1);
    expect(mine).toMatch(new RegExp(`^id=${id} addr=\\S+ laddr=\\S+ fd=-1 name=lister .* `
      + 'flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 .* cmd=client\\|list|client .*resp=2 '));
    const pubsubOnly = await a.call('CLIENT', 'LIST', 'TYPE', 'pubsub') as string;
    expect(pubsubOnly.trim().split('\n')).toHaveLength(1);
    expect(pubsubOnly).toContain(' flags=P ');
    expect(pubsubOnly).toContain(' sub=1 ');
    await expect(a.call('CLIENT', 'LIST', 'TYPE', 'bogus')).rejects.toThrow(
      "ERR Unknown client type 'bogus'");
    expect(await a.client('INFO')).toMatch(new RegExp(`^id=${id} .*name=lister `));
  });

  it('KILL by address, by filter, and itself after the reply', async () => {
    const a = client();
    const victim = client();
    await victim.client('SETNAME', 'victim');
    const list = await a.client('LIST') as string;
    const addr = /addr=(\S+) .*name=victim /.exec(list)![1]!;
    const closed = new Promise<void>((resolve) => victim.once('end', () => resolve()));
    expect(await a.client('KILL', addr)).toBe('OK');
    await closed;
    await expect(a.client('KILL', '1.2.3.4:5')).rejects.toThrow('ERR No such client');
    const second = client();
    const secondId = await second.client('ID') as number;
    const secondClosed = new Promise<void>((resolve) => second.once('end', () => resolve()));
    expect(await a.client('KILL', 'ID', String(secondId))).toBe(1);
    await secondClosed;
    expect(await a.client('KILL', 'ID', String(await a.client('ID')))).toBe(0);
    const { text, closed: selfClosed } = await rawExchange(running.port,
      resp('CLIENT', 'KILL', 'SKIPME', 'no', 'USER', 'nobody') + resp('CLIENT', 'ID')
      + resp('CLIENT', 'KILL', 'ADDR', 'none:0', 'SKIPME', 'maybe'));
    expect(text).toMatch(/^:0\r\n:\d+\r\n-ERR syntax error\r\n$/);
    expect(selfClosed).toBe(false);
    const self = client();
    const selfId = String(await self.client('ID'));
    const selfEnded = new Promise<void>((resolve) => self.once('end', () => resolve()));
    expect(await self.client('KILL', 'SKIPME', 'no', 'ID', selfId)).toBe(1);
    await selfEnded;
  });

  it('NO-EVICT sets the e flag', async () => {
    const a = client();
    expect(await a.call('CLIENT', 'NO-EVICT', 'on')).toBe('OK');
    expect(await a.client('INFO')).toContain(' flags=e ');
    await expect(a.call('CLIENT', 'NO-EVICT', 'maybe')).rejects.toThrow('ERR syntax error');
  });
});

describe('TIME and INFO', () => {
  it('TIME is this node\'s clock in seconds and microseconds', async () => {
    const [seconds, micros] = await client().time();
    expect(Math.abs(Number(seconds) - Date.now() / 1000)).toBeLessThan(60);
    expect(Number(micros)).toBeGreaterThanOrEqual(0);
    expect(Number(micros)).toBeLessThan(1_000_000);
  });

  it('INFO has Redis\'s sections, every field once, and RESETSTAT resets counters', async () => {
    const r = client();
    await r.set('k', 'v');
    const info = await r.info('everything');
    const sections = [...info.matchAll(/^# (\w+)\r$/gm)].map((m) => m[1]);
    expect(sections).toEqual(['Server', 'Clients', 'Memory', 'Persistence', 'Stats',
      'Replication', 'CPU', 'Raft', 'Keyspace']);
    const fields = info.split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':')[0]);
    expect(fields.length).toBeGreaterThan(60);
    expect(new Set(fields).size).toBe(fields.length);
    for (const f of ['used_memory', 'connected_clients', 'blocked_clients',
      'total_commands_processed', 'total_connections_received', 'db0']) {
      expect(fields).toContain(f);
    }
    const processed = (): Promise<number> => r.info('stats').then((s) =>
      Number(/total_commands_processed:(\d+)/.exec(s)![1]));
    expect(await processed()).toBeGreaterThan(1);
    await r.config('RESETSTAT');
    expect(await processed()).toBe(1);
  });
});

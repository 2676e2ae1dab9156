// Proves the server works with a real client: ioredis over a real socket against the
// MemoryBackend exercises every command — strings, keyspace, SCAN to completion, RANGE, CAS,
// MULTI/EXEC (atomic block, per-op errors, EXECABORT), pipelines, introspection (INFO, ROLE,
// COMMAND, CLIENT, HELLO), the Sentinel subset (ioredis in Sentinel mode finds the leader),
// -MOVED/-TRYAGAIN from a follower, READONLY local reads and the HARMONY admin hook.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startMemoryServer, type Running } from './serverHelpers.js';

let running: Running;
let redis: Redis;

beforeAll(async () => {
  running = await startMemoryServer({
    admin: async (args) => [Buffer.from('admin'), ...args.map((a) => Buffer.from(a))],
  });
  redis = new Redis(
    { port: running.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  await redis.connect();
});
afterAll(async () => {
  redis.disconnect();
  await running.server.close();
});

describe('strings', () => {
  it('SET/GET with NX, XX, GET and unsupported EX', async () => {
    expect(await redis.set('s1', 'v1')).toBe('OK');
    expect(await redis.get('s1')).toBe('v1');
    expect(await redis.set('s1', 'v2', 'NX')).toBeNull();
    expect(await redis.set('s1', 'v2', 'XX')).toBe('OK');
    expect(await redis.set('s-missing', 'v', 'XX')).toBeNull();
    expect(await redis.set('s1', 'v3', 'GET')).toBe('v2');
    expect(await redis.get('nope')).toBeNull();
    await expect(redis.set('s1', 'v', 'EX', 10)).rejects.toThrow(
      'ERR SET EX/PX is not supported yet by HarmonyDB');
    await expect(redis.call('SET', 's1', 'v', 'NX', 'XX')).rejects.toThrow('ERR syntax error');
  });

  it('binary-safe keys and values', async () => {
    const key = Buffer.from([0, 1, 2, 13, 10, 255]);
    const value = Buffer.from([255, 0, 13, 10, 0]);
    await redis.set(key, value);
    expect(await redis.getBuffer(key)).toEqual(value);
  });

  it('GETSET MGET MSET APPEND STRLEN', async () => {
    expect(await redis.getset('gs', 'a')).toBeNull();
    expect(await redis.getset('gs', 'b')).toBe('a');
    expect(await redis.mset('m1', '1', 'm2', '2')).toBe('OK');
    expect(await redis.mget('m1', 'nope', 'm2')).toEqual(['1', null, '2']);
    await expect(redis.call('MSET', 'a', '1', 'b')).rejects.toThrow(
      "ERR wrong number of arguments for 'mset' command");
    expect(await redis.append('ap', 'hello')).toBe(5);
    expect(await redis.append('ap', ' world')).toBe(11);
    expect(await redis.strlen('ap')).toBe(11);
    expect(await redis.strlen('nope')).toBe(0);
  });

  it('INCR DECR INCRBY DECRBY with Redis errors', async () => {
    expect(await redis.incr('n')).toBe(1);
    expect(await redis.incrby('n', 10)).toBe(11);
    expect(await redis.decr('n')).toBe(10);
    expect(await redis.decrby('n', 20)).toBe(-10);
    await redis.set('txt', 'abc');
    await expect(redis.incr('txt')).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(redis.incrby('n', 'x' as unknown as number)).rejects.toThrow(
      'ERR value is not an integer or out of range');
    await redis.set('big', '9223372036854775807');
    await expect(redis.incr('big')).rejects.toThrow('ERR increment or decrement would overflow');
    await expect(redis.decrby('n', '-9223372036854775808')).rejects.toThrow(
      'ERR decrement would overflow');
  });

  it('CAS swaps only on a match', async () => {
    await redis.set('c', 'old');
    expect(await redis.call('CAS', 'c', 'wrong', 'new')).toBe(0);
    expect(await redis.get('c')).toBe('old');
    expect(await redis.call('CAS', 'c', 'old', 'new')).toBe(1);
    expect(await redis.get('c')).toBe('new');
  });
});

describe('keyspace', () => {
  it('DEL, DELETE, EXISTS, DBSIZE, FLUSHALL', async () => {
    await redis.flushall();
    await redis.mset('a', '1', 'b', '2', 'c', '3');
    expect(await redis.exists('a', 'a', 'z')).toBe(2);
    expect(await redis.dbsize()).toBe(3);
    expect(await redis.del('a', 'z')).toBe(1);
    expect(await redis.call('DELETE', 'b')).toBe(1);
    expect(await redis.dbsize()).toBe(1);
    expect(await redis.flushall()).toBe('OK');
    expect(await redis.dbsize()).toBe(0);
  });

  it('KEYS with glob patterns', async () => {
    await redis.flushall();
    await redis.mset('user:1', 'a', 'user:2', 'b', 'user:10', 'c', 'item:1', 'd');
    expect((await redis.keys('*')).sort()).toEqual(['item:1', 'user:1', 'user:10', 'user:2']);
    expect((await redis.keys('user:?')).sort()).toEqual(['user:1', 'user:2']);
    expect(await redis.keys('item:[0-9]')).toEqual(['item:1']);
  });

  it('SCAN iterates to completion with MATCH and COUNT (scanStream)', async () => {
    await redis.flushall();
    const pipeline = redis.pipeline();
    for (let i = 0; i < 1000; i++) pipeline.set(`k:${i}`, String(i));
    for (let i = 0; i < 100; i++) pipeline.set(`other:${i}`, String(i));
    await pipeline.exec();
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', 'k:*', 'COUNT', 37);
      for (const k of keys) seen.add(k);
      cursor = next;
      calls++;
    } while (cursor !== '0');
    expect(seen.size).toBe(1000);
    expect(calls).toBeGreaterThan(20);
    const streamed: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const stream = redis.scanStream({ count: 100 });
      stream.on('data', (keys: string[]) => streamed.push(...keys));
      stream.on('end', () => resolve());
      stream.on('error', reject);
    });
    expect(new Set(streamed).size).toBe(1100);
    await expect(redis.scan('bogus')).rejects.toThrow('ERR invalid cursor');
  });

  it('RANGE start end [LIMIT n] [REV] in key order', async () => {
    await redis.flushall();
    await redis.mset('a', '1', 'b', '2', 'c', '3', 'd', '4');
    expect(await redis.call('RANGE', 'b', 'd')).toEqual(['b', '2', 'c', '3']);
    expect(await redis.call('RANGE', '', '')).toEqual(['a', '1', 'b', '2', 'c', '3', 'd', '4']);
    expect(await redis.call('RANGE', '', '', 'LIMIT', '2')).toEqual(['a', '1', 'b', '2']);
    expect(await redis.call('RANGE', '', 'd', 'REV', 'LIMIT', '2')).toEqual(['c', '3', 'b', '2']);
    await expect(redis.call('RANGE', 'a', 'b', 'LIMIT', '0')).rejects.toThrow(
      'ERR LIMIT must be an integer between 1 and');
    await expect(redis.call('RANGE', 'a', 'b', 'FOO')).rejects.toThrow('ERR syntax error');
  });
});

describe('transactions', () => {
  it('MULTI/EXEC applies the block atomically with per-op results', async () => {
    await redis.flushall();
    await redis.set('t', 'text');
    const result = await redis.multi().set('x', '1').incr('x').incr('t').get('x').ping().exec();
    expect(result).toHaveLength(5);
    expect(result![0]).toEqual([null, 'OK']);
    expect(result![1]).toEqual([null, 2]);
    expect((result![2]![0] as Error).message).toBe('ERR value is not an integer or out of range');
    expect(result![3]).toEqual([null, '2']);
    expect(result![4]).toEqual([null, 'PONG']);
    expect(running.backend.store.count()).toBe(2);
  });

  it('a refused command while queuing makes EXEC answer EXECABORT', async () => {
    await expect(redis.multi().set('y', '1').call('NOPE').exec()).rejects.toThrow(/EXECABORT/);
    expect(await redis.get('y')).toBeNull();
  });

  it('DISCARD, nested MULTI, EXEC without MULTI, WATCH', async () => {
    await expect(redis.exec()).rejects.toThrow('ERR EXEC without MULTI');
    await expect(redis.discard()).rejects.toThrow('ERR DISCARD without MULTI');
    await expect(redis.watch('k')).rejects.toThrow(/WATCH is not supported by HarmonyDB/);
  });
});

describe('pipelines', () => {
  it('keeps order across interleaved reads and writes', async () => {
    await redis.flushall();
    const p = redis.pipeline();
    for (let i = 0; i < 200; i++) p.set('p', String(i)).get('p').incr('pc');
    const results = await p.exec();
    for (let i = 0; i < 200; i++) {
      expect(results![i * 3]).toEqual([null, 'OK']);
      expect(results![i * 3 + 1]).toEqual([null, String(i)]);
      expect(results![i * 3 + 2]).toEqual([null, i + 1]);
    }
  });
});

describe('connection and introspection', () => {
  it('PING ECHO SELECT HELLO', async () => {
    expect(await redis.ping()).toBe('PONG');
    expect(await redis.ping('hi')).toBe('hi');
    expect(await redis.echo('x')).toBe('x');
    expect(await redis.select(0)).toBe('OK');
    await expect(redis.select(1)).rejects.toThrow('ERR DB index is out of range');
    const hello = await redis.call('HELLO', '2') as unknown[];
    expect(hello.slice(0, 6)).toEqual(['server', 'redis', 'version', '7.0.0', 'proto', 2]);
    await expect(redis.call('HELLO', '4')).rejects.toThrow('NOPROTO unsupported protocol version');
  });

  it('CLIENT ID SETNAME GETNAME INFO LIST', async () => {
    const id = await redis.client('ID');
    expect(typeof id).toBe('number');
    expect(await redis.client('GETNAME')).toBeNull();
    expect(await redis.client('SETNAME', 'tester')).toBe('OK');
    expect(await redis.client('GETNAME')).toBe('tester');
    expect(await redis.client('INFO')).toContain(`id=${id} `);
    expect(await redis.client('LIST')).toContain('name=tester');
    await expect(redis.client('SETNAME', 'a b')).rejects.toThrow(
      'ERR Client names cannot contain spaces');
    await expect(redis.call('CLIENT', 'FOO')).rejects.toThrow(
      "ERR unknown subcommand 'FOO'. Try CLIENT HELP.");
  });

  it('COMMAND, COMMAND COUNT, COMMAND INFO, COMMAND DOCS', async () => {
    const count = await redis.call('COMMAND', 'COUNT') as number;
    expect(count).toBeGreaterThan(40);
    const all = await redis.call('COMMAND') as unknown[][];
    expect(all.length).toBe(count);
    const [get] = await redis.call('COMMAND', 'INFO', 'get', 'nope') as unknown[][];
    expect(get!.slice(0, 6)).toEqual(['get', 2, ['readonly', 'fast'], 1, 1, 1]);
    const docs = await redis.call('COMMAND', 'DOCS', 'set') as unknown[];
    expect(docs[0]).toBe('set');
  });

  it('INFO sections, ROLE, DBSIZE', async () => {
    const info = await redis.info();
    expect(info).toContain('# Server\r\nredis_version:7.0.0');
    expect(info).toContain('role:master');
    expect(info).toContain('# Raft\r\nraft_node_id:1\r\nraft_role:leader\r\n');
    expect(info).toContain('backend:memory');
    const replication = await redis.info('replication');
    expect(replication.startsWith('# Replication\r\n')).toBe(true);
    expect(replication).not.toContain('# Server');
    expect(await redis.role()).toEqual(['master', expect.any(Number), []]);
  });

  it('wrong arity and unknown commands', async () => {
    await expect(redis.call('GET')).rejects.toThrow(
      "ERR wrong number of arguments for 'get' command");
    await expect(redis.call('FOO', 'a')).rejects.toThrow(
      "ERR unknown command 'FOO', with args beginning with: 'a' ");
  });

  it('HARMONY dispatches to the admin handler', async () => {
    expect(await redis.call('HARMONY', 'STATUS', 'x')).toEqual(['admin', 'STATUS', 'x']);
  });
});

describe('sentinel subset and followers', () => {
  it('ioredis in Sentinel mode finds the leader and works', async () => {
    const viaSentinel = new Redis({
      sentinels: [{ host: '127.0.0.1', port: running.port }], name: 'harmonydb', lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    await viaSentinel.connect();
    expect(await viaSentinel.set('via-sentinel', 'yes')).toBe('OK');
    expect(await redis.get('via-sentinel')).toBe('yes');
    viaSentinel.disconnect();
    expect(await redis.call('SENTINEL', 'get-master-addr-by-name', 'harmonydb'))
      .toEqual(['127.0.0.1', String(running.port)]);
    expect(await redis.call('SENTINEL', 'get-master-addr-by-name', 'other')).toBeNull();
    await expect(redis.call('SENTINEL', 'sentinels', 'other')).rejects.toThrow(
      'ERR No such master with that name');
  });

  it('a follower answers -MOVED with the leader and serves READONLY reads locally', async () => {
    const follower = await startMemoryServer({
      nodeId: 2,
      leader: { id: 1, address: { host: '127.0.0.1', port: running.port } },
      peers: [{ id: 1, host: '127.0.0.1', port: running.port, voter: true, connected: true }],
    });
    const client = new Redis({ port: follower.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await client.connect();
    await expect(client.set('k', 'v')).rejects.toThrow(`MOVED 0 127.0.0.1:${running.port}`);
    await expect(client.get('k')).rejects.toThrow(`MOVED 0 127.0.0.1:${running.port}`);
    expect(await client.call('READONLY')).toBe('OK');
    expect(await client.get('k')).toBeNull();
    expect(await client.role()).toEqual(['slave', '127.0.0.1', running.port, 'connected', 0]);
    expect(await client.info('replication')).toContain('role:slave');
    const sentinels = await client.call('SENTINEL', 'sentinels', 'harmonydb') as string[][];
    expect(sentinels[0]).toContain(String(running.port));
    const replicas = await client.call('SENTINEL', 'replicas', 'harmonydb') as string[][];
    expect(replicas.map((r) => r[5])).toEqual([String(follower.port)]);
    follower.backend.setLeader('none');
    await expect(
      client.call('READWRITE').then(() => client.set('k', 'v'))).rejects.toThrow(/^TRYAGAIN/);
    client.disconnect();
    await follower.server.close();
  });
});

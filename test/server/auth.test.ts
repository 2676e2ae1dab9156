// Proves the password (requirepass) at the door: a connection that has not authenticated gets
// Redis's NOAUTH for everything but AUTH, HELLO and QUIT (HARMONY admin commands and MULTI
// included) while unknown commands and wrong arity keep their own errors (Redis's order);
// wrong passwords, prefixes and extensions of the right one, and other user names get
// WRONGPASS and are counted in INFO stats (acl_access_denied_auth); AUTH, AUTH default and
// HELLO 3 AUTH let a client in; RESET locks it out again; ioredis and node-redis connect with
// their password options. Without a password, AUTH behaves as Redis's nopass default user, and
// a server listening beyond loopback prints the warning (and does not when it has a password
// or listens on 127.0.0.1).
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBackend } from '../../src/server/memoryBackend.js';
import { startRespServer } from '../../src/server/server.js';
import { rawExchange, resp, startMemoryServer, type Running } from './serverHelpers.js';

const password = 'correct horse battery staple';
const noAuth = '-NOAUTH Authentication required.\r\n';
const wrongPass = '-WRONGPASS invalid username-password pair or user is disabled.\r\n';

describe('a server with a password', () => {
  let running: Running;
  beforeAll(async () => {
    running = await startMemoryServer({ admin: async () => 'admin ran' }, {},
      { requirePass: password });
  });
  afterAll(async () => { await running.server.close(); });

  it('refuses everything but AUTH, HELLO and QUIT before authentication', async () => {
    const { text, closed } = await rawExchange(running.port, resp('GET', 'k') + resp('PING')
      + resp('HARMONY', 'STATUS') + resp('MULTI') + resp('SUBSCRIBE', 'c') + resp('NOPE')
      + resp('GET') + resp('QUIT'));
    expect(text).toBe(noAuth.repeat(5) + "-ERR unknown command 'NOPE', with args beginning "
      + "with: \r\n-ERR wrong number of arguments for 'get' command\r\n+OK\r\n");
    expect(closed).toBe(true);
  });

  it('HELLO without AUTH is refused; with a wrong password too; then AUTH lets in', async () => {
    const { text } = await rawExchange(running.port, resp('HELLO', '3')
      + resp('HELLO', '3', 'AUTH', 'default', 'nope') + resp('AUTH', 'nope')
      + resp('AUTH', password.slice(0, -1)) + resp('AUTH', `${password}x`)
      + resp('AUTH', 'admin', password) + resp('GET', 'k') + resp('AUTH', password)
      + resp('SET', 'k', 'v') + resp('GET', 'k'), { until: (t) => t.endsWith('$1\r\nv\r\n') });
    expect(text).toBe('-NOAUTH HELLO must be called with the client already authenticated, '
      + 'otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the '
      + 'client and select the RESP protocol version at the same time\r\n'
      + wrongPass.repeat(5) + noAuth + '+OK\r\n+OK\r\n$1\r\nv\r\n');
  });

  it('HELLO 3 AUTH default <password> authenticates and switches to RESP3 at once', async () => {
    const { text } = await rawExchange(running.port, resp('HELLO', '3', 'AUTH', 'default',
      password) + resp('GET', 'nothing'), { until: (t) => t.endsWith('_\r\n') });
    expect(text).toMatch(/^%7\r\n.*proto\r\n:3\r\n.*_\r\n$/s);
  });

  it('AUTH default <password> works, and RESET locks the connection again', async () => {
    const { text } = await rawExchange(running.port, resp('AUTH', 'default', password)
      + resp('HARMONY', 'STATUS') + resp('RESET') + resp('GET', 'k'));
    expect(text).toBe(`+OK\r\n$9\r\nadmin ran\r\n+RESET\r\n${noAuth}`);
  });

  it('counts failed attempts in INFO stats', async () => {
    const count = async (): Promise<number> => {
      const { text } = await rawExchange(running.port, resp('AUTH', password)
        + resp('INFO', 'stats'), { until: (t) => t.includes('acl_access_denied_auth') });
      return Number(/acl_access_denied_auth:(\d+)/.exec(text)![1]);
    };
    const before = await count();
    await rawExchange(running.port, resp('AUTH', 'x') + resp('AUTH', 'y') + resp('HELLO', '2',
      'AUTH', 'default', 'z'));
    expect(await count()).toBe(before + 3);
  });

  it('ioredis and node-redis connect with their password options', async () => {
    const io = new Redis({ port: running.port, password, lazyConnect: true,
      maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await io.connect();
      expect(await io.set('io', '1')).toBe('OK');
    } finally {
      io.disconnect();
    }
    const nr = createClient({ socket: { port: running.port, reconnectStrategy: false },
      password });
    await nr.connect();
    try {
      expect(await nr.get('io')).toBe('1');
      expect((await nr.hello()).proto).toBe(3);
    } finally {
      await nr.close();
    }
    const bad = createClient({ socket: { port: running.port, reconnectStrategy: false },
      password: 'wrong' });
    bad.on('error', () => undefined);
    await expect(bad.connect()).rejects.toThrow('WRONGPASS');
  });
});

describe('a server without a password', () => {
  let running: Running;
  beforeAll(async () => { running = await startMemoryServer(); });
  afterAll(async () => { await running.server.close(); });

  it('AUTH <password> says none is configured; AUTH default <anything> is accepted', async () => {
    const { text } = await rawExchange(running.port, resp('AUTH', 'x')
      + resp('AUTH', 'default', 'anything') + resp('AUTH', 'someone', 'x') + resp('AUTH', 'a',
        'b', 'c'));
    expect(text).toBe('-ERR AUTH <password> called without any password configured for the '
      + 'default user. Are you sure your configuration is correct?\r\n+OK\r\n'
      + `${wrongPass}-ERR syntax error\r\n`);
  });

  it('warns when listening beyond loopback, and only then', async () => {
    const warnings: string[] = [];
    const warn = (text: string): void => { warnings.push(text); };
    const open = await startRespServer({ host: '0.0.0.0', port: 0, backend: new MemoryBackend(),
      warn });
    await open.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^WARNING: HarmonyDB is listening on 0\.0\.0\.0:\d+ without a password/);
    const guarded = await startRespServer({ host: '0.0.0.0', port: 0,
      backend: new MemoryBackend(), warn, requirePass: 'pw' });
    await guarded.close();
    const local = await startRespServer({ host: '127.0.0.1', port: 0,
      backend: new MemoryBackend(), warn });
    await local.close();
    expect(warnings).toHaveLength(1);
  });
});

/**
 * The RESP listener (RESP2, and RESP3 for connections that ask with HELLO 3): plain node:net,
 * so it runs in the main thread or inside a node worker (DESIGN.md: each node worker owns its
 * listener). startRespServer validates the limits, listens, and tracks connections; close()
 * stops accepting, closes every connection and resolves when the listener is closed. With a
 * password (requirePass) every connection must authenticate first; without one, listening on
 * an address beyond loopback prints a warning.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { assert } from '../codec/assert.js';
import type { KvBackend } from '../kv/backend.js';
import { Authenticator, isLoopbackHost } from './auth.js';
import type { ClientState } from './clientState.js';
import type { ClusterBus } from './clusterBus.js';
import { CommandTable } from './commandTable.js';
import type { CommandSpec, ServerView } from './commandTypes.js';
import { Connection, endSocket } from './connection.js';
import { validateLimits, type ServerLimits } from './limits.js';
import { PubSubHub } from './pubsub.js';
import { encodeReply } from './respEncoder.js';
import { ServerConfig } from './serverConfig.js';
import { ServerStats } from './stats.js';

export interface RespServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port (see address()). */
  port: number;
  backend: KvBackend;
  limits?: Partial<ServerLimits>;
  /** The master name for the SENTINEL commands; default 'harmonydb'. */
  masterName?: string;
  /** The password of the default user; absent: none (every connection is trusted). */
  requirePass?: string | Uint8Array;
  /** The node's channels to the other nodes (pub/sub, MONITOR, keyspace events). */
  bus?: ClusterBus;
  /** Where the warning about an open, password-less listener goes; default stderr. */
  warn?: (text: string) => void;
}

/** The text printed when a password-less server listens beyond this machine. */
export function openListenerWarning(host: string, port: number): string {
  return `WARNING: HarmonyDB is listening on ${host}:${port} without a password: anyone who `
    + 'can reach this address can read and change every key and run HARMONY admin commands. '
    + 'Set one with --requirepass-file FILE (library: requirePass), or listen on 127.0.0.1.';
}

export interface RespServer {
  address(): { host: string; port: number };
  connectionCount(): number;
  /** Stops accepting, closes every connection, resolves once the listener is closed. */
  close(): Promise<void>;
}

export async function startRespServer(options: RespServerOptions): Promise<RespServer> {
  const limits = validateLimits(options.limits);
  assert(Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535,
    `port ${options.port} is a TCP port`);
  const host = options.host ?? '127.0.0.1';
  const table = new CommandTable();
  const connections = new Set<Connection>();
  const listener = net.createServer({ noDelay: true });
  let nextClientId = 1;
  const auth = new Authenticator(options.requirePass);
  const pubsub = new PubSubHub(options.bus);
  const port = (): number => {
    const addr = listener.address();
    return addr !== null && typeof addr === 'object' ? addr.port : 0;
  };
  const config = new ServerConfig({
    notifyFlags: () => pubsub.notifyFlags,
    setNotifyFlags: (flags) => pubsub.setNotifyFlags(flags),
  }, { port, host, limits });
  const stats = new ServerStats();

  const view: ServerView = {
    startedAtMs: Date.now(),
    runId: randomBytes(20).toString('hex'),
    limits,
    masterName: options.masterName ?? 'harmonydb',
    *clients(): Iterable<ClientState> {
      for (const conn of connections) yield conn.client;
    },
    commands: (): Iterable<CommandSpec> => table.all(),
    lookup: (name: string) => table.lookup(name),
    port, host, auth, config, stats, pubsub,
  };

  /** Every open socket, lingering ones included, so close() can end them all. */
  const closing = new Set<net.Socket>();
  listener.on('connection', (socket) => {
    closing.add(socket);
    socket.once('close', () => closing.delete(socket));
    stats.totalConnectionsReceived++;
    if (connections.size >= limits.connectionsMax) {
      stats.rejectedConnections++;
      socket.on('error', () => {});
      socket.write(encodeReply({ error: 'ERR max number of clients reached' }));
      endSocket(socket);
      return;
    }
    const conn = new Connection(socket, nextClientId++, table, options.backend, view, limits,
      (closed) => connections.delete(closed));
    connections.add(conn);
  });

  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port, host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  if (!auth.required && !isLoopbackHost(host)) {
    (options.warn ?? ((text) => process.stderr.write(`${text}\n`)))(
      openListenerWarning(host, port()));
  }

  return {
    address: () => ({ host, port: view.port() }),
    connectionCount: () => connections.size,
    close: async () => {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      for (const conn of connections) conn.close();
      connections.clear();
      for (const socket of closing) socket.destroy();
      await closed;
    },
  };
}

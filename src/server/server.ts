/**
 * The RESP2 listener: plain node:net, so it runs in the main thread or inside a node worker
 * (DESIGN.md: each node worker owns its listener). startRespServer validates the limits,
 * listens, and tracks connections; close() stops accepting, closes every connection and
 * resolves when the listener is closed.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { assert } from '../codec/assert.js';
import type { KvBackend } from '../kv/backend.js';
import type { ClientState } from './clientState.js';
import { CommandTable } from './commandTable.js';
import type { CommandSpec, ServerView } from './commandTypes.js';
import { Connection, endSocket } from './connection.js';
import { validateLimits, type ServerLimits } from './limits.js';
import { encodeReply } from './respEncoder.js';

export interface RespServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port (see address()). */
  port: number;
  backend: KvBackend;
  limits?: Partial<ServerLimits>;
  /** The master name for the SENTINEL commands; default 'harmonydb'. */
  masterName?: string;
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
    port: () => {
      const addr = listener.address();
      return addr !== null && typeof addr === 'object' ? addr.port : 0;
    },
  };

  /** Every open socket, lingering ones included, so close() can end them all. */
  const closing = new Set<net.Socket>();
  listener.on('connection', (socket) => {
    closing.add(socket);
    socket.once('close', () => closing.delete(socket));
    if (connections.size >= limits.connectionsMax) {
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

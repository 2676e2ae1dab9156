/** Shared helpers for the server tests: a server on a free port and a raw socket client. */
import net from 'node:net';
import { MemoryBackend, type MemoryBackendOptions } from '../../src/server/memoryBackend.js';
import {
  startRespServer, type RespServer, type RespServerOptions,
} from '../../src/server/server.js';
import type { ServerLimits } from '../../src/server/limits.js';

export interface Running {
  server: RespServer;
  backend: MemoryBackend;
  port: number;
}

export async function startMemoryServer(
  options: MemoryBackendOptions = {}, limits: Partial<ServerLimits> = {},
  serverOptions: Partial<RespServerOptions> = {},
): Promise<Running> {
  const backend = new MemoryBackend(options);
  const server = await startRespServer({ port: 0, backend, limits, ...serverOptions });
  const { host, port } = server.address();
  backend.setSelf({ host, port });
  return { server, backend, port };
}

/**
 * Sends raw bytes and collects everything the server writes until it closes the connection
 * or `quietMs` pass with nothing new (after at least `minBytes`, and once `until` holds).
 */
export async function rawExchange(
  port: number, payload: string | Buffer,
  opts: { quietMs?: number; minBytes?: number; until?: (text: string) => boolean } = {},
): Promise<{ text: string; closed: boolean }> {
  const socket = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let closed = false;
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.on('error', () => {});
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const bytes = chunks.reduce((n, c) => n + c.length, 0);
        const text = Buffer.concat(chunks).toString('latin1');
        if (bytes >= (opts.minBytes ?? 0) && (opts.until?.(text) ?? true)) done();
        else arm();
      }, opts.quietMs ?? 150);
    };
    socket.on('data', (c: Buffer) => { chunks.push(c); arm(); });
    socket.on('end', () => { closed = true; done(); });
    socket.on('close', () => { closed = true; done(); });
    socket.write(payload);
    arm();
  });
}

export const resp = (...args: string[]): string =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;

/** Free TCP ports for clusters started with basePort 0, and the redis:// URL of a node. */
import { createServer, type Server } from 'node:net';

/** `count` ports the OS reports free right now (each bound to port 0, read, released). */
export async function freePorts(host: string, count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () =>
    new Promise<Server>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, host, () => resolve(server));
    })));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** `redis://host:port`; a wildcard listen address becomes loopback, IPv6 gets brackets. */
export function redisUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `redis://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

/**
 * The cluster's join service: the server side of src/node/membershipJoin.ts, listening on the
 * bridge port P (the members' own bridges listen on P + id). It authenticates the caller with
 * the cluster secret before it reads the request, then hands the request to the Cluster,
 * which refuses it (another cluster's node, an id in use or removed) or takes the node in.
 * Bounded: one request per connection, lines of at most joinLineBytesMax, a deadline, at most
 * `connectionsMax` connections at once.
 */
import { createServer, type Server, type Socket } from 'node:net';
import {
  freshNonce, joinMac, lineReader, macEquals, sendLine, type JoinAnswer, type JoinRequest,
} from '../node/membershipJoin.js';

export interface JoinServiceOptions {
  host: string;
  port: number;
  secret: Uint8Array;
  handle(request: JoinRequest): Promise<JoinAnswer>;
  log(text: string): void;
  timeoutMs?: number;
  connectionsMax?: number;
}

export interface JoinService {
  port: number;
  close(): Promise<void>;
}

export async function startJoinService(options: JoinServiceOptions): Promise<JoinService> {
  const connectionsMax = options.connectionsMax ?? 16;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    if (sockets.size >= connectionsMax) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, options);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

function serve(socket: Socket, options: JoinServiceOptions): void {
  const peer = `${socket.remoteAddress}:${socket.remotePort}`;
  const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? 30_000);
  socket.on('close', () => clearTimeout(timer));
  socket.on('error', () => undefined);
  let nonceC = '';
  let nonceS = '';
  let handled = false;
  const refuse = (reason: string) => {
    options.log(`join from ${peer} refused: ${reason}`);
    sendLine(socket, { type: 'refuse', reason });
    socket.end();
  };
  lineReader(socket, (m) => {
    if (m.type === 'hello' && nonceC === '' && typeof m.nonce === 'string' &&
      m.nonce.length === 64) {
      nonceC = m.nonce;
      nonceS = freshNonce();
      sendLine(socket, { type: 'challenge', nonce: nonceS,
        mac: joinMac(options.secret, 'server', nonceC, nonceS).toString('hex') });
      return;
    }
    if (m.type !== 'join' || nonceS === '' || handled || typeof m.request !== 'string') {
      refuse('unexpected message');
      return;
    }
    handled = true;
    if (!macEquals(joinMac(options.secret, 'client', nonceC, nonceS, m.request), m.mac)) {
      refuse('the caller failed to prove the cluster secret');
      return;
    }
    const body = m.request;
    void (async () => {
      let request: JoinRequest;
      try {
        request = parseRequest(JSON.parse(body));
      } catch (error) {
        refuse(`malformed join request: ${(error as Error).message}`);
        return;
      }
      try {
        const answer = JSON.stringify(await options.handle(request));
        sendLine(socket, { type: 'welcome', answer,
          mac: joinMac(options.secret, 'welcome', nonceC, nonceS, answer).toString('hex') });
        socket.end();
      } catch (error) {
        refuse((error as Error).message);
      }
    })();
  }, (error) => options.log(`join from ${peer}: ${error.message}`));
}

function parseRequest(raw: unknown): JoinRequest {
  const r = raw as Partial<JoinRequest>;
  const a = r.address;
  const ok = Number.isSafeInteger(r.nodeId) && r.nodeId! > 0 &&
    (r.clusterId === null || typeof r.clusterId === 'string') &&
    typeof a === 'object' && a !== null && typeof a.host === 'string' &&
    Number.isInteger(a.port) && a.host.length <= 255;
  if (!ok) throw new Error('expected { nodeId, clusterId, address: { host, port } }');
  return {
    nodeId: r.nodeId!, clusterId: r.clusterId ?? null,
    address: {
      id: r.nodeId!, host: a.host, port: a.port,
      ...(typeof a.bridgeHost === 'string' && Number.isInteger(a.bridgePort)
        ? { bridgeHost: a.bridgeHost, bridgePort: a.bridgePort } : {}),
    },
  };
}

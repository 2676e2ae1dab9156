/**
 * The join exchange: how a node in another process asks a cluster to take it in, before it
 * can speak Raft over the bridge (it does not yet know the cluster id, which every bridge MAC
 * binds, nor where the members listen). The cluster's join service (src/cluster/joinService.ts)
 * answers on the bridge port P; the members' bridges listen on P + id.
 *
 * Lines of JSON (each at most joinLineBytesMax), HMAC-SHA256 with the shared cluster secret,
 * both directions, fresh 32-byte nonces, constant-time compare:
 *   C -> S  { hello, nonceC }
 *   S -> C  { challenge, nonceS, mac = MAC("server", nonceC, nonceS) }
 *   C -> S  { join, request, mac = MAC("client", nonceC, nonceS, request) }
 *   S -> C  { welcome, answer, mac = MAC("welcome", nonceC, nonceS, answer) } | { refuse, reason }
 * A replayed join meets a fresh nonceS and fails; the welcome is bound to this exchange.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { NodeId } from '../codec/types.js';
import type { PeerAddress } from './control.js';
import { MembershipError } from './membership.js';

export const joinLineBytesMax = 64 * 1024;
export const joinTimeoutMsDefault = 15_000;

export interface JoinRequest {
  nodeId: NodeId;
  /** The cluster id in this node's data directory; null for a brand-new node. */
  clusterId: string | null;
  /** The node's own addresses: RESP, and its bridge listener if it has one. */
  address: PeerAddress;
}

export interface JoinAnswer {
  clusterId: string;
  /** Every member the cluster knows, with RESP and bridge addresses. */
  members: PeerAddress[];
}

export function joinMac(secret: Uint8Array, role: string, ...parts: string[]): Buffer {
  const hmac = createHmac('sha256', secret);
  hmac.update(`harmonydb-join-v1 ${role}\n`);
  for (const part of parts) hmac.update(`${part.length}:${part}`);
  return hmac.digest();
}

export function macEquals(expected: Buffer, hex: unknown): boolean {
  if (typeof hex !== 'string' || !/^[0-9a-f]{64}$/.test(hex)) return false;
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'));
}

export const freshNonce = (): string => randomBytes(32).toString('hex');

/** Reads newline-delimited JSON objects from a socket, bounded per line. */
export function lineReader(socket: Socket, onLine: (value: Record<string, unknown>) => void,
  onError: (error: Error) => void): void {
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    if (buffered.length > joinLineBytesMax) {
      onError(new MembershipError(`join: a line longer than ${joinLineBytesMax} bytes`));
      socket.destroy();
      return;
    }
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        onError(new MembershipError('join: a line that is not JSON'));
        socket.destroy();
        return;
      }
      if (typeof value !== 'object' || value === null) {
        onError(new MembershipError('join: a line that is not a JSON object'));
        socket.destroy();
        return;
      }
      onLine(value as Record<string, unknown>);
      newline = buffered.indexOf('\n');
    }
  });
}

export const sendLine = (socket: Socket, value: unknown): void => {
  socket.write(`${JSON.stringify(value)}\n`);
};

/**
 * Client side: asks the cluster at `host:port` to take this node in (or, for a node whose
 * directory already names the cluster, for the current members). Rejects with a
 * MembershipError carrying the cluster's refusal.
 */
export function requestJoin(
  host: string, port: number, secret: Uint8Array, request: JoinRequest,
  timeoutMs = joinTimeoutMsDefault,
): Promise<JoinAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const nonceC = freshNonce();
    let nonceS = '';
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new MembershipError(
      `join: no answer from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (error) => fail(new MembershipError(
      `join: cannot reach ${host}:${port}: ${error.message}`)));
    socket.on('connect', () => sendLine(socket, { type: 'hello', nonce: nonceC }));
    lineReader(socket, (m) => {
      if (m.type === 'challenge' && nonceS === '' && typeof m.nonce === 'string') {
        nonceS = m.nonce;
        if (!macEquals(joinMac(secret, 'server', nonceC, nonceS), m.mac)) {
          fail(new MembershipError(`join: ${host}:${port} does not know the cluster secret ` +
            '(wrong --secret-file on one side?)'));
          return;
        }
        const body = JSON.stringify(request);
        sendLine(socket, { type: 'join', request: body,
          mac: joinMac(secret, 'client', nonceC, nonceS, body).toString('hex') });
      } else if (m.type === 'welcome' && nonceS !== '' && typeof m.answer === 'string') {
        if (!macEquals(joinMac(secret, 'welcome', nonceC, nonceS, m.answer), m.mac)) {
          fail(new MembershipError('join: the welcome is not signed with the cluster secret'));
          return;
        }
        clearTimeout(timer);
        socket.end();
        resolve(JSON.parse(m.answer) as JoinAnswer);
      } else if (m.type === 'refuse') {
        fail(new MembershipError(`join refused by the cluster: ${String(m.reason).slice(0, 512)}`));
      } else {
        fail(new MembershipError(`join: unexpected '${String(m.type)}' from ${host}:${port}`));
      }
    }, fail);
  });
}

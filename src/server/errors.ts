/**
 * Maps what a backend call rejected with to the reply a Redis client understands (the classes
 * are src/kv/errors.ts, one vocabulary from the door to the log):
 *
 *   NotLeaderError, leader known                → -MOVED 0 host:port
 *   NotLeaderError, no leader                   → -TRYAGAIN <message>
 *   TryAgainError, OverloadedError              → -TRYAGAIN <message>
 *   TryAgainError(clusterDown), NodeStoppedError → -CLUSTERDOWN <message>
 *   OutcomeUnknownError, RequestTooLargeError   → -ERR <message>
 *   anything else (an Error)                    → -ERR <message>
 *
 * An AssertionError is a bug and is rethrown, never turned into a reply.
 */
import { AssertionError } from '../codec/assert.js';
import {
  NodeStoppedError, NotLeaderError, TryAgainError, type HostPort,
} from '../kv/errors.js';
import type { RoleInfo } from '../kv/backend.js';
import type { RespValue } from './respEncoder.js';

export { NotLeaderError, RequestTooLargeError, TryAgainError } from '../kv/errors.js';
export type { HostPort } from '../kv/errors.js';

export function backendErrorReply(err: unknown, role: () => RoleInfo): RespValue {
  if (err instanceof AssertionError) throw err;
  if (!(err instanceof Error)) return { error: `ERR ${String(err)}` };
  const message = err.message;
  if (err instanceof NotLeaderError) {
    const leader = leaderAddressOf(err, role);
    if (leader !== undefined) return { error: `MOVED 0 ${leader.host}:${leader.port}` };
    return { error: `TRYAGAIN ${message}` };
  }
  if (err instanceof TryAgainError) {
    return { error: `${err.clusterDown ? 'CLUSTERDOWN' : 'TRYAGAIN'} ${message}` };
  }
  if (err instanceof NodeStoppedError) return { error: `CLUSTERDOWN ${message}` };
  return { error: `ERR ${message}` };
}

function leaderAddressOf(err: NotLeaderError, role: () => RoleInfo): HostPort | undefined {
  if (err.leaderAddress !== undefined) return err.leaderAddress;
  const info = safeRole(role);
  if (info === undefined) return undefined;
  const leaderId = err.leaderId;
  if (leaderId !== 0) {
    if (leaderId === info.nodeId) return undefined;
    const peer = info.peers.find((p) => p.id === leaderId);
    if (peer !== undefined) return { host: peer.host, port: peer.port };
  }
  return info.leaderId !== 0 && info.leaderId !== info.nodeId ? info.leader : undefined;
}

function safeRole(role: () => RoleInfo): RoleInfo | undefined {
  try {
    return role();
  } catch (err) {
    if (err instanceof AssertionError) throw err;
    return undefined;
  }
}

/**
 * Maps what a backend call rejected with to the reply a Redis client understands:
 *
 *   NotLeaderError / NodeNotLeaderError, leader known   → -MOVED 0 host:port
 *   NotLeaderError / NodeNotLeaderError, no leader      → -TRYAGAIN <message>
 *   TryAgainError, RetryableError, ProposalDroppedError,
 *   OverloadedError                                      → -TRYAGAIN <message>
 *   TryAgainError(clusterDown), NodeStoppedError        → -CLUSTERDOWN <message>
 *   OutcomeUnknownError                                  → -ERR <message> (it may have applied)
 *   RequestTooLargeError                                 → -ERR <message>
 *   anything else (an Error)                             → -ERR <message>
 *
 * Errors from the node layer are recognised by name, so this layer does not depend on where
 * they are declared. An AssertionError is a bug and is rethrown, never turned into a reply.
 */
import { AssertionError } from '../codec/assert.js';
import type { HostPort } from '../node/kv/errors.js';
import type { RoleInfo } from '../node/kv/backend.js';
import type { RespValue } from './respEncoder.js';

export { NotLeaderError, RequestTooLargeError, TryAgainError } from '../node/kv/errors.js';
export type { HostPort } from '../node/kv/errors.js';

const tryAgainNames = new Set([
  'TryAgainError', 'RetryableError', 'ProposalDroppedError', 'OverloadedError',
]);
const clusterDownNames = new Set(['NodeStoppedError']);

export function backendErrorReply(err: unknown, role: () => RoleInfo): RespValue {
  if (err instanceof AssertionError) throw err;
  if (!(err instanceof Error)) return { error: `ERR ${String(err)}` };
  const message = err.message;
  if (err.name === 'NotLeaderError' || err.name === 'NodeNotLeaderError') {
    const leader = leaderAddressOf(err, role);
    if (leader !== undefined) return { error: `MOVED 0 ${leader.host}:${leader.port}` };
    return { error: `TRYAGAIN ${message}` };
  }
  if (err.name === 'TryAgainError' && (err as { clusterDown?: boolean }).clusterDown === true) {
    return { error: `CLUSTERDOWN ${message}` };
  }
  if (tryAgainNames.has(err.name)) return { error: `TRYAGAIN ${message}` };
  if (clusterDownNames.has(err.name)) return { error: `CLUSTERDOWN ${message}` };
  return { error: `ERR ${message}` };
}

function leaderAddressOf(err: Error, role: () => RoleInfo): HostPort | undefined {
  const carried = (err as { leaderAddress?: HostPort }).leaderAddress;
  if (carried !== undefined) return carried;
  const leaderId = (err as { leaderId?: number; leader?: number }).leaderId
    ?? (err as { leader?: number }).leader;
  const info = safeRole(role);
  if (info === undefined) return undefined;
  if (leaderId !== undefined && leaderId !== 0) {
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

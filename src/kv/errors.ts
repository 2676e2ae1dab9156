/**
 * The one vocabulary of operational errors a request can end with, from the door (the RESP
 * server) through forwarding to the node that applies it. They live here, below src/server and
 * src/node, so both use the same classes; src/server/errors.ts maps each to its reply:
 *
 *   NotLeaderError, leader known  → -MOVED 0 host:port      NotLeaderError, none → -TRYAGAIN
 *   TryAgainError, OverloadedError → -TRYAGAIN               NodeStoppedError → -CLUSTERDOWN
 *   OutcomeUnknownError, RequestTooLargeError → -ERR
 *
 * A forwarded request's error crosses the cluster by class name and is rebuilt as the same
 * class (errorFromName), so a follower answers exactly what the leader would have.
 * Per-command semantic errors (WRONGTYPE, not an integer) are not errors of this kind: they are
 * replies (src/kv/op.ts kvErrors).
 */

export interface HostPort {
  host: string;
  port: number;
}

/** This node is not the leader and did not forward the request (forwarding off, or a leader
 * change while serving). */
export class NotLeaderError extends Error {
  override name = 'NotLeaderError';
  constructor(
    /** 0 when no leader is known. */
    readonly leaderId: number,
    /** The leader's RESP address, when known. */
    readonly leaderAddress?: HostPort,
  ) {
    super(leaderId === 0
      ? 'this node is not the leader and no leader is known; retry shortly'
      : leaderAddress === undefined
        ? `this node is not the leader; node ${leaderId} is`
        : `this node is not the leader; the leader is node ${leaderId} at `
          + `${leaderAddress.host}:${leaderAddress.port}`);
  }
}

/**
 * The request was not applied and may be retried as is: no leader yet, an election in
 * progress, a proposal dropped, no quorum confirmed in time. `clusterDown` says the cluster
 * cannot serve at all (no quorum reachable), as opposed to a brief transition.
 */
export class TryAgainError extends Error {
  override name = 'TryAgainError';
  constructor(message: string, readonly clusterDown = false) {
    super(message);
  }
}

/** A bound was reached (pending writes, reads, forwards): not applied; slow down and retry. */
export class OverloadedError extends TryAgainError {
  override name = 'OverloadedError';
}

/** The request may or may not have been applied (leadership changed, or it timed out). */
export class OutcomeUnknownError extends Error {
  override name = 'OutcomeUnknownError';
}

/** The node has stopped (fail-stop or shutdown); nothing more is served here. */
export class NodeStoppedError extends Error {
  override name = 'NodeStoppedError';
  constructor(reason: string) {
    super(reason.startsWith('this node has stopped') ? reason : `this node has stopped: ${reason}`);
  }
}

/** The request is larger than the node accepts in one Raft entry. */
export class RequestTooLargeError extends Error {
  override name = 'RequestTooLargeError';
  constructor(readonly requestBytes: number, readonly requestBytesMax: number) {
    super(`request of ${requestBytes} bytes exceeds the limit of ${requestBytesMax} bytes `
      + 'per request; split it into smaller requests');
  }
}

/** Rebuilds an error that crossed the cluster by name (forwarding) as its own class. */
export function errorFromName(name: string, message: string, leaderId?: number): Error {
  switch (name) {
    case 'NotLeaderError': return new NotLeaderError(leaderId ?? 0);
    case 'TryAgainError': return new TryAgainError(message);
    case 'OverloadedError': return new OverloadedError(message);
    case 'OutcomeUnknownError': return new OutcomeUnknownError(message);
    case 'NodeStoppedError': return new NodeStoppedError(message);
    default: {
      const error = new Error(message);
      error.name = name;
      return error;
    }
  }
}

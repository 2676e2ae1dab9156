/**
 * Operational errors a KvBackend raises, mapped by the RESP layer (src/server/errorReply.ts)
 * to replies. They live here, below src/server, so the node layer can throw them. The server
 * also maps the node layer's own errors by name (NodeNotLeaderError, RetryableError, ...).
 */

export interface HostPort {
  host: string;
  port: number;
}

/** This node is not the leader and did not forward the request (forwarding off). */
export class NotLeaderError extends Error {
  override name = 'NotLeaderError';
  constructor(
    /** 0 when no leader is known. */
    readonly leaderId: number,
    /** The leader's RESP address, when known. */
    readonly leaderAddress?: HostPort,
  ) {
    super(leaderAddress === undefined
      ? 'this node is not the leader and no leader is known; retry shortly'
      : `this node is not the leader; the leader is node ${leaderId} at `
        + `${leaderAddress.host}:${leaderAddress.port}`);
  }
}

/**
 * The request was not applied and may be retried: no leader yet, an election in progress,
 * a timeout waiting for the leader. `clusterDown` says the cluster cannot serve at all (no
 * quorum reachable), as opposed to a brief transition.
 */
export class TryAgainError extends Error {
  override name = 'TryAgainError';
  constructor(message: string, readonly clusterDown = false) {
    super(message);
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

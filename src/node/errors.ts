/**
 * Operational errors of a node, mapped by the RESP layer to replies. Each says what happened
 * and what the client should do.
 */
export class NodeNotLeaderError extends Error {
  override name = 'NodeNotLeaderError';
  constructor(readonly leader: number) {
    super(leader === 0 ? 'no leader is known: an election is in progress; retry shortly'
      : `this node is not the leader; node ${leader} is`);
  }
}

/** The request may or may not have been applied (leadership changed, or it timed out). */
export class OutcomeUnknownError extends Error {
  override name = 'OutcomeUnknownError';
}

/** The request was not applied and can be retried as is. */
export class RetryableError extends Error {
  override name = 'RetryableError';
}

export class OverloadedError extends Error {
  override name = 'OverloadedError';
}

export class NodeStoppedError extends Error {
  override name = 'NodeStoppedError';
  constructor(reason: string) {
    super(`this node has stopped: ${reason}`);
  }
}

/**
 * Operational errors of the Raft core. They are typed so upper layers can map them to replies
 * (`ProposalDroppedError` becomes a retryable reply or a redirect to its `leader`). Bugs are not
 * errors: they are assertion failures (src/codec/assert.ts).
 */
import type { LogIndex, NodeId } from '../codec/types.js';

/**
 * A proposal (or read-index request) was not accepted; nothing was appended. Retry later.
 * `leader` is the leader this node believes in (NONE, 0, when it knows none): a node that is
 * not the leader refuses with it, so the driver can say where to go.
 */
export class ProposalDroppedError extends Error {
  override name = 'ProposalDroppedError';
  constructor(
    readonly reason: string,
    readonly leader: NodeId = 0,
  ) {
    super(`proposal dropped: ${reason}; retry later`);
  }
}

/** The requested index is below the first index of the log (it was compacted into a snapshot). */
export class CompactedError extends Error {
  override name = 'CompactedError';
  constructor(
    readonly index: LogIndex,
    readonly firstIndex: LogIndex,
  ) {
    super(
      `log index ${index} is compacted (first available index is ${firstIndex}); ` +
        `use the snapshot instead`,
    );
  }
}

/** The requested index is beyond the last index of the log. */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
  constructor(
    readonly index: LogIndex,
    readonly lastIndex: LogIndex,
  ) {
    super(`log index ${index} is not available yet (last index is ${lastIndex})`);
  }
}

/** The storage cannot produce a snapshot right now (one is being built); raft retries later. */
export class SnapshotTemporarilyUnavailableError extends Error {
  override name = 'SnapshotTemporarilyUnavailableError';
  constructor(detail = 'a snapshot is being created') {
    super(`snapshot temporarily unavailable (${detail}); raft will retry on a later heartbeat`);
  }
}

/** A snapshot older than (or as old as) the one storage already holds was offered. */
export class SnapshotOutOfDateError extends Error {
  override name = 'SnapshotOutOfDateError';
  constructor(
    readonly index: LogIndex,
    readonly currentIndex: LogIndex,
  ) {
    super(
      `snapshot at index ${index} is out of date: storage already holds a snapshot at ` +
        `index ${currentIndex}`,
    );
  }
}

/** A configuration option is invalid; the message names the option, its value and the rule. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly option: string,
    readonly value: unknown,
    rule: string,
  ) {
    super(`invalid raft config: ${option}=${String(value)}: ${rule}`);
  }
}

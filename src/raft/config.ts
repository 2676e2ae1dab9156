/**
 * Raft configuration, validated before anything is built (etcd's Config.validate()). Every
 * failure names the option, its value and the rule it broke.
 */
import type { LogIndex, NodeId } from '../codec/types.js';
import { ConfigError } from './errors.js';
import { Prng } from './prng.js';
import type { RaftStorage } from './storage.js';

/** Where the core's state transitions are reported; the driver decides what to keep. */
export interface RaftLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export interface RaftConfig {
  /** This node's id; > 0 (0 is NONE). */
  id: NodeId;
  /** Base election timeout; the real one is drawn from [electionTicks, 2*electionTicks). */
  electionTicks: number;
  /** A leader sends heartbeats every heartbeatTicks ticks; must be < electionTicks. */
  heartbeatTicks: number;
  storage: RaftStorage;
  /** The last index already applied to the state machine (restart); default firstIndex-1. */
  applied?: LogIndex;
  /** Upper bound of entry bytes in one MsgApp (at least one entry is always sent). */
  maxSizePerMsgBytes: number;
  /** Upper bound of in-flight MsgApp messages per follower in replicate state. */
  maxInflightMsgs: number;
  /** Upper bound of in-flight entry bytes per follower; default unlimited (count bounds it). */
  maxInflightBytes?: number;
  /** A leader refuses proposals beyond this many uncommitted payload bytes; default 64 MiB. */
  maxUncommittedEntriesBytes?: number;
  /** A leader steps down when it has not heard from a quorum in an election timeout. */
  checkQuorum: boolean;
  /** Run a pre-vote round (no term bump) before a real election. */
  preVote: boolean;
  /** Followers drop proposals instead of forwarding them to the leader. */
  disableProposalForwarding?: boolean;
  /** Upper bound of committed entry bytes handed out in one Ready; default 64 MiB. */
  maxCommittedSizePerReadyBytes?: number;
  /** The source of randomness (election timeouts). Never Math.random. */
  random: Prng;
  /** Optional sink for state transitions (elections, config changes, ...). */
  logger?: RaftLogger;
}

export const DEFAULT_MAX_UNCOMMITTED_ENTRIES_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_COMMITTED_SIZE_PER_READY_BYTES = 64 * 1024 * 1024;

/** RaftConfig with every optional size resolved to a number. */
export interface ResolvedRaftConfig extends RaftConfig {
  maxInflightBytes: number;
  maxUncommittedEntriesBytes: number;
  maxCommittedSizePerReadyBytes: number;
  disableProposalForwarding: boolean;
}

function requireInteger(option: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new ConfigError(option, value, 'must be a safe integer');
  }
  if (value < min) throw new ConfigError(option, value, `must be >= ${min}`);
}

/** Throws ConfigError for the first invalid option; returns the config with defaults filled. */
export function validateConfig(c: RaftConfig): ResolvedRaftConfig {
  requireInteger('id', c.id, 1);
  requireInteger('heartbeatTicks', c.heartbeatTicks, 1);
  requireInteger('electionTicks', c.electionTicks, 1);
  if (c.electionTicks <= c.heartbeatTicks) {
    throw new ConfigError(
      'electionTicks',
      c.electionTicks,
      `must be greater than heartbeatTicks (${c.heartbeatTicks})`,
    );
  }
  if (c.storage === undefined || c.storage === null) {
    throw new ConfigError('storage', c.storage, 'a RaftStorage is required');
  }
  if (c.applied !== undefined) requireInteger('applied', c.applied, 0);
  requireInteger('maxSizePerMsgBytes', c.maxSizePerMsgBytes, 0);
  requireInteger('maxInflightMsgs', c.maxInflightMsgs, 1);
  const maxInflightBytes = c.maxInflightBytes ?? Number.MAX_SAFE_INTEGER;
  requireInteger('maxInflightBytes', maxInflightBytes, 1);
  if (maxInflightBytes < c.maxSizePerMsgBytes) {
    throw new ConfigError(
      'maxInflightBytes',
      maxInflightBytes,
      `must be >= maxSizePerMsgBytes (${c.maxSizePerMsgBytes})`,
    );
  }
  const maxUncommitted = c.maxUncommittedEntriesBytes ?? DEFAULT_MAX_UNCOMMITTED_ENTRIES_BYTES;
  requireInteger('maxUncommittedEntriesBytes', maxUncommitted, 1);
  const maxCommitted = c.maxCommittedSizePerReadyBytes ??
    DEFAULT_MAX_COMMITTED_SIZE_PER_READY_BYTES;
  requireInteger('maxCommittedSizePerReadyBytes', maxCommitted, 1);
  if (typeof c.checkQuorum !== 'boolean') {
    throw new ConfigError('checkQuorum', c.checkQuorum, 'must be a boolean');
  }
  if (typeof c.preVote !== 'boolean')
    throw new ConfigError('preVote', c.preVote, 'must be a boolean');
  if (!(c.random instanceof Prng)) {
    throw new ConfigError(
      'random', c.random, 'must be a Prng (src/raft/prng.ts), never Math.random');
  }
  return {
    ...c,
    maxInflightBytes,
    maxUncommittedEntriesBytes: maxUncommitted,
    maxCommittedSizePerReadyBytes: maxCommitted,
    disableProposalForwarding: c.disableProposalForwarding ?? false,
  };
}

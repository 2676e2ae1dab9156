/**
 * What the core hands the driver (Ready) and what it reports about itself (RaftStatus).
 */
import type {
  ConfState,
  Entry,
  HardState,
  LogIndex,
  Message,
  NodeId,
  Snapshot,
} from '../codec/types.js';
import type { ProgressState } from './progress.js';

export type StateRole = 'follower' | 'candidate' | 'pre-candidate' | 'leader';

/** Volatile state worth showing (not persisted). */
export interface SoftState {
  leader: NodeId;
  role: StateRole;
}

/** A linearizable read may be served once the state machine has applied `index`. */
export interface ReadState {
  index: LogIndex;
  context: Uint8Array;
}

/**
 * One batch of work for the driver. Order (docs/raft.md): persist `snapshot`, then
 * `hardState` + `entries` with one fsync (when mustSync), then send `messages`, apply
 * `committedEntries`, serve `readStates` once applied, then call advance(rd).
 */
export interface Ready {
  /** Present when it changed since the previous Ready. */
  softState: SoftState | null;
  /** Present when it changed since the previous Ready; persist it. */
  hardState: HardState | null;
  /** ReadIndex answers; serve each once `applied >= index`. */
  readStates: ReadState[];
  /** Entries to persist, in order; the first may overwrite an existing suffix of the log. */
  entries: Entry[];
  /** A snapshot from the leader to persist and apply to the state machine. */
  snapshot: Snapshot | null;
  /** Entries to apply, in order (after `entries` are persisted). */
  committedEntries: Entry[];
  /** Messages to send, after the persistence of this Ready. */
  messages: Message[];
  /** Whether `hardState`/`entries` must be fsynced before messages are sent. */
  mustSync: boolean;
}

export interface ProgressStatus {
  match: LogIndex;
  next: LogIndex;
  state: ProgressState;
  recentActive: boolean;
  isLearner: boolean;
}

export interface RaftStatus {
  id: NodeId;
  hardState: HardState;
  softState: SoftState;
  applied: LogIndex;
  lastIndex: LogIndex;
  firstIndex: LogIndex;
  /** The leader's view of every member; null on non-leaders. */
  progress: Map<NodeId, ProgressStatus> | null;
  leadTransferee: NodeId;
  config: ConfState;
}

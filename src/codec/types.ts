/**
 * The data model shared by the Raft core, the WAL, storage and the wire.
 *
 * Terms, indexes and node ids are plain numbers (safe integers, < 2^53). We considered branded
 * types (docs/decisions.md): the Raft core does arithmetic on indexes on almost every line and
 * the casts hid more than they caught. Names carry the unit instead (`lastIndex`, `term`).
 */

export type Term = number;
export type LogIndex = number;
/** Node ids start at 1; 0 means "none" (no vote, no leader). */
export type NodeId = number;
export const NONE: NodeId = 0;

export enum EntryType {
  Normal = 0,
  ConfChange = 1,
}

export interface Entry {
  term: Term;
  index: LogIndex;
  type: EntryType;
  /** Normal: the state machine command (opaque here). ConfChange: an encoded ConfChange. */
  data: Uint8Array;
}

/** What must be durable before a node answers a vote or an append (Raft Figure 2). */
export interface HardState {
  term: Term;
  vote: NodeId;
  commit: LogIndex;
}

export enum ConfChangeType {
  /** Add a voter, or promote an existing learner to voter. */
  AddNode = 0,
  RemoveNode = 1,
  AddLearner = 2,
}

export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  /** Opaque to Raft: the cluster layer puts the new member's address here. */
  context: Uint8Array;
}

export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
}

export interface SnapshotMetadata {
  index: LogIndex;
  term: Term;
  confState: ConfState;
}

export interface Snapshot {
  metadata: SnapshotMetadata;
  /** The encoded state machine (src/btree snapshot stream); opaque to Raft. */
  data: Uint8Array;
}

/** Message types, numbered as in etcd's raftpb so transcripts read alike. */
export enum MessageType {
  /** Local: start an election (campaign). */
  Hup = 0,
  /** Local: leader should broadcast heartbeats. */
  Beat = 1,
  Prop = 2,
  App = 3,
  AppResp = 4,
  Vote = 5,
  VoteResp = 6,
  Snap = 7,
  Heartbeat = 8,
  HeartbeatResp = 9,
  /** Local: the transport could not reach `from`. */
  Unreachable = 10,
  /** Local: the driver reports whether a snapshot reached `from`. */
  SnapStatus = 11,
  /** Local: leader checks it still hears from a quorum. */
  CheckQuorum = 12,
  TransferLeader = 13,
  TimeoutNow = 14,
  ReadIndex = 15,
  ReadIndexResp = 16,
  PreVote = 17,
  PreVoteResp = 18,
}

export interface Message {
  type: MessageType;
  to: NodeId;
  from: NodeId;
  term: Term;
  /** App: term of the entry at `index`. Vote/PreVote: candidate's last log term. */
  logTerm: Term;
  /** App: index of the entry preceding `entries`. AppResp: last index matched or rejected. */
  index: LogIndex;
  entries: Entry[];
  commit: LogIndex;
  /** Only on Snap messages. */
  snapshot: Snapshot | null;
  reject: boolean;
  /** On a rejected AppResp: the follower's hint for where to probe next. */
  rejectHint: LogIndex;
  /** ReadIndex request context, or campaign type for a transfer-triggered election. */
  context: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** A message with every optional field at its zero value; callers override what they set. */
export function message(fields: Partial<Message> & Pick<Message, 'type'>): Message {
  return {
    to: NONE,
    from: NONE,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    snapshot: null,
    reject: false,
    rejectHint: 0,
    context: EMPTY,
    ...fields,
  };
}

export function isEmptyHardState(hs: HardState): boolean {
  return hs.term === 0 && hs.vote === NONE && hs.commit === 0;
}

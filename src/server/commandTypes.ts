/**
 * The shape of the command table: each command's name, arity and flags (as COMMAND reports
 * them), how the connection schedules it, and its handler.
 */
import type { KvBackend, ReadConsistency, RoleInfo } from '../kv/backend.js';
import type { KvOp } from '../kv/op.js';
import type { Authenticator } from './auth.js';
import type { ClientState } from './clientState.js';
import type { PubSubHub, PushTarget } from './pubsub.js';
import type { RespValue } from './respEncoder.js';
import type { ServerLimits } from './limits.js';
import type { ServerConfig } from './serverConfig.js';
import type { ServerStats } from './stats.js';

/**
 * How a connection schedules a command (replies always leave in request order):
 * - local: answered synchronously (state, introspection); runs as soon as its turn comes.
 * - read / write: a backend call; consecutive commands of the same kind overlap (pipelining),
 *   a read never overlaps a write of the same connection, so each sees the ones before it.
 * - exclusive: runs alone (EXEC, HARMONY).
 */
export type ExecKind = 'local' | 'read' | 'write' | 'exclusive';

export type CommandFlag =
  | 'write' | 'readonly' | 'admin' | 'fast' | 'loading' | 'stale' | 'noscript' | 'denyoom'
  | 'no_multi' | 'no_auth' | 'pubsub';

/**
 * A command's answer when it is not exactly one reply: SUBSCRIBE a b answers once per channel,
 * CLIENT REPLY OFF not at all. Each element goes on the wire as a reply of its own, in order.
 */
export class ReplySequence {
  constructor(readonly replies: RespValue[]) {}
}

export type CommandReply = RespValue | ReplySequence;

/** What the server tells commands about itself and its other clients. */
export interface ServerView {
  readonly startedAtMs: number;
  readonly runId: string;
  readonly limits: ServerLimits;
  /** The name clients use for this cluster in SENTINEL commands. */
  readonly masterName: string;
  clients(): Iterable<ClientState>;
  commands(): Iterable<CommandSpec>;
  lookup(name: string): CommandSpec | undefined;
  /** The port the server listens on (0 before it listens). */
  port(): number;
  readonly host: string;
  readonly auth: Authenticator;
  readonly config: ServerConfig;
  readonly stats: ServerStats;
  readonly pubsub: PubSubHub;
}

export interface CommandContext {
  client: ClientState;
  backend: KvBackend;
  server: ServerView;
  /** 'local' when the connection sent READONLY. */
  consistency: ReadConsistency;
  role(): RoleInfo;
  /** The connection itself, for the commands that register it (SUBSCRIBE, MONITOR). */
  target: PushTarget;
}

/** How a command runs inside MULTI: an op for the block's entry, or a fixed reply. */
export type QueuedCommand = { op: KvOp } | { reply: RespValue };

export interface CommandSpec {
  /** Lower case. */
  name: string;
  /** Redis convention: N exactly N arguments (name included), -N at least N. */
  arity: number;
  flags: readonly CommandFlag[];
  kind: ExecKind;
  /** Key positions for COMMAND INFO (0 when the command takes no keys). */
  firstKey: number;
  lastKey: number;
  keyStep: number;
  group: string;
  summary: string;
  run(ctx: CommandContext, args: Buffer[]): CommandReply | Promise<CommandReply>;
  /** Absent: refused inside MULTI. */
  queue?(args: Buffer[]): QueuedCommand;
}

/** Defaults for the COMMAND metadata so each table entry states only what differs. */
export function command(
  spec: Omit<CommandSpec, 'firstKey' | 'lastKey' | 'keyStep' | 'flags'>
    & Partial<Pick<CommandSpec, 'firstKey' | 'lastKey' | 'keyStep' | 'flags'>>,
): CommandSpec {
  return { firstKey: 0, lastKey: 0, keyStep: 0, flags: [], ...spec };
}

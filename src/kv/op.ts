/**
 * The replicated state machine's operations: what a Raft entry carries (encoded by codec.ts)
 * and what applying it answers (apply.ts). Keys and values are bytes (binary-safe).
 *
 * Read operations (get, mget, exists, strlen, count) are here too: a read inside MULTI/EXEC
 * must be applied at the same log position as the block's writes, so it travels in the entry.
 * A standalone read does not go through the log: the backend serves it from a read view
 * (readKvOp in apply.ts).
 */
import type { Reply } from './reply.js';


/** SET's condition: always write, only if absent (NX), only if present (XX). */
export type PutCondition = 'always' | 'nx' | 'xx';

export type KvOp =
  | { type: 'put'; key: Uint8Array; value: Uint8Array; condition: PutCondition; get: boolean }
  | { type: 'del'; keys: Uint8Array[] }
  /** Swap `value` in when the current value equals `expected` (null: the key is absent). */
  | { type: 'cas'; key: Uint8Array; expected: Uint8Array | null; value: Uint8Array }
  /** delta is a signed 64-bit integer. */
  | { type: 'incrBy'; key: Uint8Array; delta: bigint }
  | { type: 'append'; key: Uint8Array; value: Uint8Array }
  | { type: 'getset'; key: Uint8Array; value: Uint8Array }
  | { type: 'mset'; entries: [Uint8Array, Uint8Array][] }
  | { type: 'flushall' }
  | { type: 'get'; key: Uint8Array }
  | { type: 'mget'; keys: Uint8Array[] }
  | { type: 'exists'; keys: Uint8Array[] }
  | { type: 'strlen'; key: Uint8Array }
  | { type: 'count' }
  /** A MULTI/EXEC block: applied atomically as one entry; sub-ops are never `multi`. */
  | { type: 'multi'; ops: KvOp[] };

export type KvOpType = KvOp['type'];

/** What applying (or reading) an op answers: a protocol-independent reply (./reply.ts). */
export type KvResult = Reply;

/** Redis's keyspace-notification classes (notify-keyspace-events flags). */
export type NotifyClass = 'g' | '$' | 'l' | 's' | 'h' | 'z' | 'x' | 'e' | 'n';

/** One keyspace event, raised by apply in log order (Redis's event names: 'set', 'del', …). */
export interface KeyspaceEvent {
  notifyClass: NotifyClass;
  event: string;
  db: number;
  key: Uint8Array;
}

/**
 * Everything apply may know beyond the store and the op: all of it comes from the log entry,
 * so every replica computes the same result. Apply never reads a clock or draws randomness.
 */
export interface ApplyContext {
  /** The entry's log index: increases with every applied entry (a version for WATCH). */
  index: number;
  /** The leader's wall clock (ms since the epoch) when it proposed the entry: "now" for
   * expiry, decided once on the leader. */
  timeMs: number;
  /** A random u32 the leader drew for this entry: the seed of SPOP, SRANDMEMBER, … */
  seed: number;
  /** Keyspace events as entries apply (notifications, blocked clients); absent: not wanted. */
  notify?: (event: KeyspaceEvent) => void;
}

/** What a read served outside the log (from a read view) knows: the serving node's clock. */
export interface ReadContext {
  timeMs: number;
}

/** Redis's proto-max-bulk-len default: no value may grow past it by APPEND. */
export const valueBytesMax = 512 * 1024 * 1024;

export const int64Min = -(2n ** 63n);
export const int64Max = 2n ** 63n - 1n;

/** Redis's wordings for the errors that applying an op can produce. */
export const kvErrors = {
  notInteger: 'ERR value is not an integer or out of range',
  overflow: 'ERR increment or decrement would overflow',
  tooBig: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)',
} as const;

/**
 * The replicated state machine's operations: what a Raft entry carries (encoded by codec.ts)
 * and what applying it answers (apply.ts). Keys and values are bytes (binary-safe).
 *
 * Read operations (get, mget, exists, strlen, count) are here too: a read inside MULTI/EXEC
 * must be applied at the same log position as the block's writes, so it travels in the entry.
 * A standalone read does not go through the log (the backend serves it from a read view).
 */

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

/**
 * What applying an op answers, already shaped like its RESP reply: the server maps each kind
 * to one reply type and needs no knowledge of the op to do so.
 */
export type KvResult =
  /** +OK */
  | { kind: 'ok' }
  /** A bulk string, or the null bulk when value is null (GET of a missing key, SET NX that
   * did not write). */
  | { kind: 'bulk'; value: Uint8Array | null }
  /** An integer; bigint for INCR/DECR results that may exceed 2^53. */
  | { kind: 'int'; value: number | bigint }
  /** An array of bulk strings or nulls (MGET). */
  | { kind: 'array'; values: (Uint8Array | null)[] }
  /** A per-op error, e.g. 'ERR value is not an integer or out of range'. The message starts
   * with its Redis error code; it never aborts the other ops of a multi. */
  | { kind: 'error'; message: string }
  | { kind: 'multi'; results: KvResult[] };

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

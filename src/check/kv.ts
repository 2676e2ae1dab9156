/**
 * The key-value model the checker verifies against: a single register per key, initially
 * absent (null). Every operation touches exactly one key, so the model is per-key independent
 * and a history can be checked key by key (linearizability is compositional, Herlihy & Wing).
 *
 * Keys and values are strings; binary data is the caller's to encode (hex, base64).
 */

/** An operation as the client invoked it. */
export type ModelOp =
  | { kind: 'get'; key: string }
  | { kind: 'put'; key: string; value: string }
  | { kind: 'del'; key: string }
  /** Sets `value` iff the current value equals `expected`; expected null = key must be absent. */
  | { kind: 'cas'; key: string; expected: string | null; value: string };

/** What the system answered; `kind` repeats the op's kind so a mismatch is caught. */
export type ModelResult =
  | { kind: 'get'; value: string | null }
  | { kind: 'put' }
  /** DEL returns a count of 0 or 1: whether the key existed. */
  | { kind: 'del'; existed: boolean }
  | { kind: 'cas'; swapped: boolean };

export type ModelOpKind = ModelOp['kind'];

/** Shorthand constructors, so harnesses and tests read like the commands they issue. */
export const kv = {
  get: (key: string): ModelOp => ({ kind: 'get', key }),
  put: (key: string, value: string): ModelOp => ({ kind: 'put', key, value }),
  del: (key: string): ModelOp => ({ kind: 'del', key }),
  cas: (key: string, expected: string | null, value: string): ModelOp =>
    ({ kind: 'cas', key, expected, value }),
  getResult: (value: string | null): ModelResult => ({ kind: 'get', value }),
  putResult: (): ModelResult => ({ kind: 'put' }),
  delResult: (existed: boolean): ModelResult => ({ kind: 'del', existed }),
  casResult: (swapped: boolean): ModelResult => ({ kind: 'cas', swapped }),
} as const;

/**
 * The sequential specification: apply `op` to a register holding `state`. Returns the result
 * the op must produce and the next state. The checker uses an interned, integer form of this
 * (keySearch.ts); this one is the readable reference, used by tests and by describe().
 */
export function applyModelOp(
  state: string | null,
  op: ModelOp,
): { result: ModelResult; next: string | null } {
  switch (op.kind) {
    case 'get':
      return { result: { kind: 'get', value: state }, next: state };
    case 'put':
      return { result: { kind: 'put' }, next: op.value };
    case 'del':
      return { result: { kind: 'del', existed: state !== null }, next: null };
    case 'cas': {
      const swapped = state === op.expected;
      return { result: { kind: 'cas', swapped }, next: swapped ? op.value : state };
    }
  }
}

const textMax = 40;

function quote(s: string | null): string {
  if (s === null) return 'nil';
  const text = s.length > textMax ? `${s.slice(0, textMax)}…(${s.length} chars)` : s;
  return JSON.stringify(text);
}

/** `put("k", "v")`, `cas("k", nil → "v")`: for messages. */
export function describeKvOp(op: ModelOp): string {
  switch (op.kind) {
    case 'get':
      return `get(${quote(op.key)})`;
    case 'put':
      return `put(${quote(op.key)}, ${quote(op.value)})`;
    case 'del':
      return `del(${quote(op.key)})`;
    case 'cas':
      return `cas(${quote(op.key)}, ${quote(op.expected)} → ${quote(op.value)})`;
  }
}

export function describeKvResult(result: ModelResult): string {
  switch (result.kind) {
    case 'get':
      return quote(result.value);
    case 'put':
      return 'OK';
    case 'del':
      return result.existed ? '1' : '0';
    case 'cas':
      return result.swapped ? 'swapped' : 'not swapped';
  }
}

export function describeState(state: string | null): string {
  return quote(state);
}

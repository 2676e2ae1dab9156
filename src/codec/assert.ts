/**
 * The one assertion helper every layer uses (TigerBeetle style). A failed assertion is a bug:
 * it is never caught; in a node worker it crashes that worker and the cluster carries on.
 * It lives in src/codec because codec is the lowest layer: src/raft may import only codec.
 */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(`assertion failed: ${message}`);
}

/** Exhaustiveness check for switch statements over unions and enums. */
export function unreachable(value: never, what: string): never {
  throw new AssertionError(`unreachable: unexpected ${what} ${String(value)}`);
}

/**
 * Strict signed 64-bit integer parsing with Redis's string2ll rules: an optional '-', then
 * either "0" alone or a digit 1-9 followed by digits; no '+', no spaces, no leading zeros, no
 * "-0", at most 20 characters, and the value must fit in a signed 64-bit integer.
 */
import { int64Max, int64Min } from './op.js';

const digitsMax = 20;

/** Returns the value, or undefined when the bytes are not such an integer. */
export function parseInt64(bytes: Uint8Array): bigint | undefined {
  const length = bytes.length;
  if (length === 0 || length > digitsMax) return undefined;
  if (length === 1 && bytes[0] === 0x30) return 0n;
  let i = 0;
  const negative = bytes[0] === 0x2d;
  if (negative) i = 1;
  if (i >= length) return undefined;
  const first = bytes[i]!;
  if (first < 0x31 || first > 0x39) return undefined;
  let value = 0n;
  for (; i < length; i++) {
    const c = bytes[i]!;
    if (c < 0x30 || c > 0x39) return undefined;
    value = value * 10n + BigInt(c - 0x30);
  }
  if (negative) value = -value;
  if (value < int64Min || value > int64Max) return undefined;
  return value;
}

/** parseInt64 for callers that need a JS number: also undefined beyond the safe range. */
export function parseSafeInteger(bytes: Uint8Array): number | undefined {
  const value = parseInt64(bytes);
  if (value === undefined) return undefined;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    return undefined;
  }
  return Number(value);
}

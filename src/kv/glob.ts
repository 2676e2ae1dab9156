/**
 * Glob matching with the rules of Redis's stringmatchlen (KEYS, SCAN MATCH): `*` any run of
 * bytes, `?` one byte, `[abc]`, `[^abc]`, `[a-z]` (reversed ranges allowed), and `\x` matches
 * x literally. Iterative: the classic single-backtrack-point algorithm (remember the last `*`
 * and retry one byte further on a mismatch) is exact for globs because `*` is the only
 * variable-length token, and it runs in O(pattern × string) time with no recursion, where
 * Redis's recursive version needs a nesting limit.
 */

const star = 0x2a;
const question = 0x3f;
const open = 0x5b;
const close = 0x5d;
const caret = 0x5e;
const backslash = 0x5c;
const dash = 0x2d;

export function globMatch(pattern: Uint8Array, subject: Uint8Array): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < subject.length) {
    if (p < pattern.length) {
      if (pattern[p] === star) {
        while (pattern[p + 1] === star) p++;
        starP = p;
        starS = s;
        p++;
        continue;
      }
      const next = matchOne(pattern, p, subject[s]!);
      if (next >= 0) {
        p = next;
        s++;
        continue;
      }
    }
    if (starP < 0) return false;
    starS++;
    s = starS;
    p = starP + 1;
  }
  while (p < pattern.length && pattern[p] === star) p++;
  return p === pattern.length;
}

/** Matches one pattern token at p against byte c: the index after the token, or -1. */
function matchOne(pattern: Uint8Array, p: number, c: number): number {
  const token = pattern[p]!;
  if (token === question) return p + 1;
  if (token === open) return matchClass(pattern, p + 1, c);
  if (token === backslash && p + 1 < pattern.length) return pattern[p + 1] === c ? p + 2 : -1;
  return token === c ? p + 1 : -1;
}

/** A `[...]` class starting after the `[`; an unterminated class runs to the pattern's end. */
function matchClass(pattern: Uint8Array, start: number, c: number): number {
  let p = start;
  const negate = pattern[p] === caret;
  if (negate) p++;
  let matched = false;
  while (p < pattern.length && pattern[p] !== close) {
    const b = pattern[p]!;
    if (b === backslash && p + 1 < pattern.length) {
      if (pattern[p + 1] === c) matched = true;
      p += 2;
    } else if (p + 2 < pattern.length && pattern[p + 1] === dash) {
      let lo = b;
      let hi = pattern[p + 2]!;
      if (lo > hi) [lo, hi] = [hi, lo];
      if (c >= lo && c <= hi) matched = true;
      p += 3;
    } else {
      if (b === c) matched = true;
      p++;
    }
  }
  if (negate) matched = !matched;
  if (!matched) return -1;
  return p < pattern.length ? p + 1 : p;
}

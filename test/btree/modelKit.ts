// Shared by the B+ tree model tests (not a test file): the sorted-Map model, the expected
// result of a range read, and key/value arbitraries for long keys.
import fc from 'fast-check';
import { expect } from 'vitest';
import { KEY_BYTES_MAX_DEFAULT, type ReadView, type ScanOptions } from '../../src/btree/index.js';
import { seededRandom as prng } from '../../src/raft/index.js';

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

/** hex key -> hex value. */
export type Model = Map<string, string>;

/** What a read view and a write transaction both offer. */
export type Ordered = Pick<ReadView, 'scan' | 'keys' | 'first' | 'last' | 'count'>;

export function sortedModel(model: Model): Array<[string, string]> {
  const decorated = [...model.entries()].map((entry) => ({ entry, key: unhex(entry[0]) }));
  decorated.sort((x, y) => Buffer.compare(x.key, y.key));
  return decorated.map(({ entry }) => entry);
}

/** The model's answer to a scan with `range`, as [hex key, hex value] pairs. */
export function expectedRange(model: Model, range: ScanOptions): Array<[string, string]> {
  let expected = sortedModel(model).filter(([k]) => {
    const key = unhex(k);
    return (
      (range.start === undefined || Buffer.compare(key, range.start) >= 0) &&
      (range.end === undefined || Buffer.compare(key, range.end) < 0)
    );
  });
  if (range.reverse) expected = expected.reverse();
  if (range.limit !== undefined) expected = expected.slice(0, range.limit);
  return expected;
}

export function expectViewMatches(view: Ordered, model: Model): void {
  const expected = sortedModel(model);
  const got = [...view.scan()].map(([k, v]) => [hex(k), hex(v)]);
  expect(got).toEqual(expected);
  expect(view.count()).toBe(model.size);
  const reversed = [...view.scan({ reverse: true })].map(([k]) => hex(k));
  expect(reversed).toEqual(expected.map(([k]) => k).reverse());
  expect(view.first()?.map(hex)).toEqual(expected[0]);
  expect(view.last()?.map(hex)).toEqual(expected[expected.length - 1]);
}

export function expectRange(view: Ordered, model: Model, range: ScanOptions): void {
  const expected = expectedRange(model, range);
  const got = [...view.scan(range)].map(([k, v]) => [hex(k), hex(v)]);
  expect(got).toEqual(expected);
  expect([...view.keys(range)].map(hex)).toEqual(expected.map(([k]) => k));
}

// Long keys: stems are prefixes of one random master key, so keys share long common prefixes
// (the kv layer's subkeys share their user key) and compare equal far into their overflow
// chains. Stem lengths straddle the inline threshold (512) and chain page boundaries (512 +
// 4080k), and reach 192 KiB.
export const MASTER = (() => {
  const random = prng(99);
  return new Uint8Array(KEY_BYTES_MAX_DEFAULT).map(() => Math.floor(random() * 4));
})();
export const STEMS = [
  0, 100, 505, 508, 509, 510, 511, 512, 513, 600, 1000, 4591, 4592, 4593, 16_000,
];
export const stemmedKeyArb = fc
  .record({
    stem: fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...STEMS) },
      { weight: 3, arbitrary: fc.integer({ min: 1024, max: 24_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 24_000, max: KEY_BYTES_MAX_DEFAULT - 3 }) },
      { weight: 1, arbitrary: fc.constantFrom(65_536, KEY_BYTES_MAX_DEFAULT - 3) },
    ),
    tail: fc.uint8Array({ maxLength: 3, max: 3 }),
  })
  .map(({ stem, tail }) => {
    const key = new Uint8Array(stem + tail.length);
    key.set(MASTER.subarray(0, stem));
    key.set(tail, stem);
    return key;
  });
export const longKeyArb = fc.oneof(
  { weight: 5, arbitrary: stemmedKeyArb },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 600, max: 1 }) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 3, max: 3 }) },
);
export const longValueArb = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 60 }) },
  { weight: 2, arbitrary: fc.uint8Array({ minLength: 480, maxLength: 510 }) }, // inline threshold
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1000, maxLength: 9000 }) },
);

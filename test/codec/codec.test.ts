// Proves the codec round-trips every shared type (fast-check properties), that every strict
// prefix of a valid encoding and arbitrary garbage fail with CodecError and nothing else, that
// length and count claims the buffer cannot back are refused before allocation, that versions,
// kinds, enum values, flags and trailing bytes are checked, and that error messages name the
// field, offset, expectation and finding exactly.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as codec from '../../src/codec/index.js';
import {
  CodecError, EntryType, MessageType, message as makeMessage, type Entry,
} from '../../src/codec/index.js';
import * as arb from './arbitraries.js';

interface Case<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  encode: (value: T) => Uint8Array;
  decode: (buf: Uint8Array) => unknown;
}

function makeCase<T>(
  name: string,
  arbitrary: fc.Arbitrary<T>,
  encode: (value: T) => Uint8Array,
  decode: (buf: Uint8Array) => unknown,
): Case<unknown> {
  return { name, arbitrary, encode, decode } as Case<unknown>;
}

const cases: Case<unknown>[] = [
  makeCase('Entry', arb.entry, codec.encodeEntry, (b) => codec.decodeEntry(b)),
  makeCase('HardState', arb.hardState, codec.encodeHardState, codec.decodeHardState),
  makeCase('ConfChange', arb.confChange, codec.encodeConfChange, (b) => codec.decodeConfChange(b)),
  makeCase('ConfState', arb.confState, codec.encodeConfState, codec.decodeConfState),
  makeCase('SnapshotMetadata', arb.snapshotMetadata, codec.encodeSnapshotMetadata,
    codec.decodeSnapshotMetadata),
  makeCase('Snapshot', arb.snapshot, codec.encodeSnapshot, (b) => codec.decodeSnapshot(b)),
  makeCase('Message', arb.message, codec.encodeMessage, (b) => codec.decodeMessage(b)),
  makeCase('MessageBatch', arb.batch, codec.encodeMessageBatch,
    (b) => codec.decodeMessageBatch(b)),
];

/** Runs `fn` and returns what it threw (or undefined). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectCodecErrorOrValue(fn: () => unknown): void {
  const error = thrown(fn);
  if (error !== undefined && !(error instanceof CodecError)) throw error;
}

describe.each(cases)('$name', ({ arbitrary, encode, decode }) => {
  it('round-trips', () => {
    fc.assert(fc.property(arbitrary, (value) => {
      expect(decode(encode(value))).toEqual(value);
    }), { numRuns: 300 });
  });

  it('encodes into an exactly sized ArrayBuffer of its own', () => {
    fc.assert(fc.property(arbitrary, (value) => {
      const buf = encode(value);
      expect(buf.byteOffset).toBe(0);
      expect(buf.buffer.byteLength).toBe(buf.length);
      expect(buf[0]).toBe(codec.FORMAT_VERSION);
    }), { numRuns: 50 });
  });

  it('rejects every strict prefix with CodecError', () => {
    fc.assert(fc.property(arbitrary, (value) => {
      const buf = encode(value);
      for (let cut = 0; cut < buf.length; cut++) {
        expect(thrown(() => decode(buf.subarray(0, cut)))).toBeInstanceOf(CodecError);
      }
    }), { numRuns: 40 });
  });

  it('rejects trailing bytes', () => {
    fc.assert(fc.property(arbitrary, fc.integer({ min: 1, max: 9 }), (value, extra) => {
      const buf = encode(value);
      const longer = new Uint8Array(buf.length + extra);
      longer.set(buf);
      expect(thrown(() => decode(longer))).toBeInstanceOf(CodecError);
    }), { numRuns: 50 });
  });

  it('never throws anything but CodecError on mutated encodings', () => {
    const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })),
      { minLength: 1, maxLength: 4 });
    fc.assert(fc.property(arbitrary, mutation, (value, edits) => {
      const buf = encode(value).slice();
      for (const [at, byte] of edits) buf[at % buf.length] = byte;
      expectCodecErrorOrValue(() => decode(buf));
    }), { numRuns: 300 });
  });
});

describe('garbage', () => {
  it('never throws anything but CodecError, with or without a valid header', () => {
    const garbage = fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 8 }),
      fc.uint8Array({ maxLength: 200 }));
    fc.assert(fc.property(garbage, ([withHeader, kind, body]) => {
      const buf = withHeader ? new Uint8Array([codec.FORMAT_VERSION, kind, ...body]) : body;
      for (const { decode } of cases) expectCodecErrorOrValue(() => decode(buf));
    }), { numRuns: 2000 });
  });
});

/** A hand-made Entry encoding whose data length field claims `claimed` bytes. */
function entryClaiming(claimed: number, dataBytes: number): Uint8Array {
  const buf = new Uint8Array(2 + 8 + 8 + 1 + 4 + dataBytes);
  const view = new DataView(buf.buffer);
  buf[0] = codec.FORMAT_VERSION;
  buf[1] = codec.Kind.Entry;
  view.setUint32(19, claimed, true);
  return buf;
}

describe('bounds', () => {
  it('refuses a 4 GiB length claim in a small buffer by the limit', () => {
    expect(() => codec.decodeEntry(entryClaiming(0xffff_ffff, 0))).toThrow(
      'codec: bad Entry.data length at offset 19: expected <= 67108864, got 4294967295');
  });

  it('refuses a length within the limit that the buffer cannot back', () => {
    expect(() => codec.decodeEntry(entryClaiming(1000, 3))).toThrow(
      'codec: truncated Entry.data at offset 23: need 1000 bytes, 3 left');
  });

  it('refuses an entry count the buffer cannot back before allocating', () => {
    const buf = codec.encodeMessage(makeMessage({ type: MessageType.App }));
    const view = new DataView(buf.buffer);
    view.setUint32(buf.length - 4, codec.messageEntriesMax, true);
    expect(() => codec.decodeMessage(buf)).toThrow(
      `codec: truncated Message.entries at offset ${buf.length}: need ${21 * 65536} bytes, 0 left`);
  });

  it('refuses counts above the stated maximum', () => {
    const buf = codec.encodeMessageBatch([]);
    new DataView(buf.buffer).setUint32(2, 0xffff_ffff, true);
    expect(() => codec.decodeMessageBatch(buf)).toThrow(
      'codec: bad MessageBatch count at offset 2: expected <= 65536, got 4294967295');
    const cs = codec.encodeConfState({ voters: [], learners: [] });
    new DataView(cs.buffer).setUint32(2, 1025, true);
    expect(() => codec.decodeConfState(cs)).toThrow(
      'codec: bad ConfState.voters count at offset 2: expected <= 1024, got 1025');
  });

  it('refuses to encode what it would refuse to decode', () => {
    const tooLong = new Uint8Array(codec.contextBytesMax + 1);
    expect(() => codec.encodeMessage(makeMessage({ type: MessageType.ReadIndex,
      context: tooLong }))).toThrow(
      'codec: cannot encode Message.context length: expected <= 65536 bytes, got 65537');
    const voters = Array.from({ length: codec.confStateMembersMax + 1 }, (_, i) => i + 1);
    expect(() => codec.encodeConfState({ voters, learners: [] })).toThrow(CodecError);
  });
});

describe('exact errors', () => {
  const entry: Entry = { term: 3, index: 7, type: EntryType.Normal, data: new Uint8Array([1]) };

  it.each([
    ['empty buffer', new Uint8Array(0),
      'codec: truncated Entry version at offset 0: need 1 bytes, 0 left'],
    ['unknown version', new Uint8Array([9, 1]),
      'codec: bad Entry version at offset 0: expected format version 1, got 9'],
    ['wrong kind', new Uint8Array([1, 2]),
      'codec: bad Entry kind at offset 1: expected 1 (Entry), got 2 (HardState)'],
    ['unknown kind', new Uint8Array([1, 200]),
      'codec: bad Entry kind at offset 1: expected 1 (Entry), got 200 (unknown kind)'],
  ])('%s', (_name, buf, expected) => {
    expect(() => codec.decodeEntry(buf)).toThrow(expected);
  });

  it('reports a bad enum value with its range', () => {
    const buf = codec.encodeEntry(entry);
    buf[18] = 7;
    expect(() => codec.decodeEntry(buf)).toThrow(
      'codec: bad Entry.type at offset 18: expected a EntryType (0..1), got 7');
    const msg = codec.encodeMessage(makeMessage({ type: MessageType.App }));
    msg[2] = 99;
    expect(() => codec.decodeMessage(msg)).toThrow(
      'codec: bad Message.type at offset 2: expected a MessageType (0..18), got 99');
  });

  it('reports unknown message flag bits', () => {
    const msg = codec.encodeMessage(makeMessage({ type: MessageType.App }));
    msg[2 + 1 + 48] = 0x84;
    expect(() => codec.decodeMessage(msg)).toThrow(
      'codec: bad Message.flags at offset 51: expected only bits 0..1 set, got 0x84');
  });

  it('reports a u64 above 2^53-1', () => {
    const buf = codec.encodeHardState({ term: 1, vote: 2, commit: 3 });
    buf[2 + 8 + 7] = 0x00;
    buf[2 + 8 + 6] = 0x20; // vote = 2^53 + 2
    expect(() => codec.decodeHardState(buf)).toThrow(
      'codec: bad HardState.vote at offset 10: expected a u64 <= 2^53-1, got 0x0020000000000002');
  });

  it('reports trailing bytes', () => {
    const buf = new Uint8Array([...codec.encodeEntry(entry), 0, 0]);
    expect(() => codec.decodeEntry(buf)).toThrow(
      'codec: bad Entry at offset 24: expected end of buffer, got 2 trailing bytes');
  });

  it.each([
    ['negative', -1, 'codec: cannot encode Entry.term: expected a u64 safe integer ' +
      '(0..2^53-1), got -1'],
    ['unsafe', 2 ** 53, 'codec: cannot encode Entry.term: expected a u64 safe integer ' +
      '(0..2^53-1), got 9007199254740992'],
    ['fractional', 1.5, 'codec: cannot encode Entry.term: expected a u64 safe integer ' +
      '(0..2^53-1), got 1.5'],
  ])('refuses to encode a %s term', (_name, term, expected) => {
    expect(() => codec.encodeEntry({ ...entry, term })).toThrow(expected);
  });

  it('refuses to encode an unknown enum value', () => {
    expect(() => codec.encodeEntry({ ...entry, type: 5 as EntryType })).toThrow(
      'codec: cannot encode Entry.type: expected a EntryType (0..1), got 5');
  });

  it('carries field and offset on the error', () => {
    const error = thrown(() => codec.decodeEntry(entryClaiming(1000, 3)));
    expect(error).toBeInstanceOf(CodecError);
    expect((error as CodecError).field).toBe('Entry.data');
    expect((error as CodecError).offset).toBe(23);
  });
});

describe('byte fields and sizes', () => {
  it('returns views by default and copies with copyBytes', () => {
    const entry: Entry = { term: 1, index: 1, type: EntryType.Normal, data: new Uint8Array([5]) };
    const buf = codec.encodeEntry(entry);
    const view = codec.decodeEntry(buf);
    const copy = codec.decodeEntry(buf, { copyBytes: true });
    buf[buf.length - 1] = 6;
    expect(view.data[0]).toBe(6);
    expect(copy.data[0]).toBe(5);
    expect(view.data.buffer).toBe(buf.buffer);
  });

  it('entryPayloadBytes is the exact size of an entry inside a message', () => {
    fc.assert(fc.property(arb.entry, arb.message, (e, m) => {
      expect(codec.entryPayloadBytes(e)).toBe(codec.encodeEntry(e).length - 2);
      const withEntry = { ...m, entries: [...m.entries, e] };
      const grew = codec.encodeMessage(withEntry).length - codec.encodeMessage(m).length;
      expect(grew).toBe(codec.entryPayloadBytes(e));
      expect(codec.messagePayloadBytes(m)).toBe(codec.encodeMessage(m).length - 2);
    }), { numRuns: 100 });
  });

  it('decodes from a view at a non-zero byteOffset', () => {
    const msgs = [makeMessage({ type: MessageType.Heartbeat, to: 2, from: 1, term: 4 })];
    const inner = codec.encodeMessageBatch(msgs);
    const outer = new Uint8Array(inner.length + 5);
    outer.set(inner, 3);
    expect(codec.decodeMessageBatch(outer.subarray(3, 3 + inner.length))).toEqual(msgs);
  });
});

// Proves the pure membership pieces (src/node/membership.ts): ConfChange address contexts
// round-trip and a bad one never throws (a committed entry must apply everywhere); the
// snapshot envelope round-trips, passes bare B+ tree streams through, and names corruption;
// the proposal checks refuse what a person would not mean (promoting a voter, reusing a
// removed id, removing the last voter) with the exact messages the admin commands show.
import { describe, expect, it, test } from 'vitest';
import { ConfChangeType, type ConfChange } from '../../src/codec/types.js';
import {
  MemberBook, decodeMemberContext, decodeSnapshotEnvelope, encodeMemberContext,
  encodeSnapshotEnvelope, memberChangeRefusal, parseHostPort,
} from '../../src/node/membership.js';

const none = new Uint8Array(0);
const cc =
  (type: ConfChangeType, nodeId: number, context: Uint8Array = none): ConfChange => (
    { type, nodeId, context });

describe('member addresses', () => {
  it('round-trips RESP and bridge addresses through a ConfChange context', () => {
    const address =
      { id: 4, host: '127.0.0.1', port: 6382, bridgeHost: '::1', bridgePort: 7000, remote: true };
    expect(decodeMemberContext(4, encodeMemberContext(address))).toEqual(address);
  });

  test.each([
    ['empty', ''], ['not JSON', '{'], ['no resp', '{"bridge":"a:1"}'],
      ['bad port', '{"resp":"a:70000"}'],
    ['number', '42'],
  ])('a context that is %s yields no address', (_name, text) => {
    expect(decodeMemberContext(4, new TextEncoder().encode(text))).toBeNull();
  });

  test.each([
    ['127.0.0.1:6379', { host: '127.0.0.1', port: 6379 }], ['[::1]:1', { host: '::1', port: 1 }],
    ['h:0', null], ['h', null], [':80', null],
  ])('parseHostPort(%s)', (text, expected) => expect(parseHostPort(text)).toEqual(expected));

  it('applies adds and removals; pinned addresses win', () => {
    const book = new MemberBook();
    book.apply(
      cc(ConfChangeType.AddLearner, 4, encodeMemberContext({ id: 4, host: 'h', port: 1 })));
    expect(book.address(4)).toEqual({ id: 4, host: 'h', port: 1 });
    book.pin([{ id: 4, host: 'h', port: 2 }]);
    expect(book.membersOf({ voters: [], learners: [4] })).toEqual([{ id: 4, host: 'h', port: 2 }]);
    book.apply(cc(ConfChangeType.RemoveNode, 4));
    expect(book.wasRemoved(4)).toBe(true);
  });
});

describe('snapshot envelope', () => {
  it('round-trips the book and the tree bytes', () => {
    const state = { members: [{ id: 1, host: 'h', port: 1 }], removed: [3] };
    const tree = new Uint8Array([1, 2, 3]);
    const { book, tree: back } = decodeSnapshotEnvelope(encodeSnapshotEnvelope(state, tree));
    expect(book).toEqual(state);
    expect([...back]).toEqual([1, 2, 3]);
  });

  it('passes a bare tree stream through', () => {
    const bare = new TextEncoder().encode('HDBSNAP1....');
    expect(decodeSnapshotEnvelope(bare)).toEqual({ book: null, tree: bare });
  });

  it('names a truncated envelope as corruption', () => {
    const data = encodeSnapshotEnvelope({ members: [], removed: [] }, none).subarray(0, 14);
    expect(() => decodeSnapshotEnvelope(data)).toThrow(/the snapshot is corrupt/);
  });
});

describe('proposal checks', () => {
  const book = new MemberBook({ members: [], removed: [9] });
  const conf = { voters: [1, 2], learners: [4] };
  test.each([
    [cc(ConfChangeType.AddLearner, 5), null],
    [cc(ConfChangeType.AddLearner, 1), 'node 1 is already a voter'],
    [cc(ConfChangeType.AddLearner, 9),
      'node id 9 belonged to a member that was removed; ids are never reused, pick a new id'],
    [cc(ConfChangeType.AddNode, 4), null],
    [cc(ConfChangeType.AddNode, 2), 'node 2 is already a voter'],
    [cc(ConfChangeType.AddNode, 5),
      'node 5 is not a learner; add it as a learner first and let it catch up'],
    [cc(ConfChangeType.RemoveNode, 4), null],
    [cc(ConfChangeType.RemoveNode, 7), 'node 7 is not a member'],
    [cc(ConfChangeType.AddLearner, 0), 'invalid node id 0'],
  ])('%o -> %s', (change, expected) => {
    expect(memberChangeRefusal(conf, book, change)).toBe(expected);
  });

  it('refuses removing the last voter', () => {
    expect(memberChangeRefusal(
      { voters: [1], learners: [] }, book, cc(ConfChangeType.RemoveNode, 1)))
      .toBe('node 1 is the last voter');
  });
});

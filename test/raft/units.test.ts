// Unit tables for the Raft core's building blocks, where a table says more than a script:
// majority arithmetic (quorum), the in-flight window (count and bytes), Progress state
// transitions, the unstable log and RaftLog (append, conflict, commit, fast-rejection hint),
// MemoryStorage errors, config validation messages, the ConfChange encoding and the Prng.
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/codec/assert.js';
import { ConfChangeType, EntryType, type Entry } from '../../src/codec/types.js';
import { Inflights } from '../../src/raft/inflights.js';
import { Progress } from '../../src/raft/progress.js';
import { committedIndex, voteResult } from '../../src/raft/quorum.js';
import { RaftLog } from '../../src/raft/raftLog.js';
import {
  CompactedError,
  ConfigError,
  MemoryStorage,
  Prng,
  RawNode,
  UnavailableError,
  decodeConfChange,
  encodeConfChange,
  validateConfig,
  type RaftConfig,
} from '../../src/raft/index.js';

const ent =
  (index: number, term: number): Entry => (
    { index, term, type: EntryType.Normal, data: new Uint8Array(0) });
const ents = (terms: number[], from = 1): Entry[] => terms.map((t, i) => ent(from + i, t));

describe('quorum', () => {
  it.each([
    { voters: [1], matches: [5], want: 5 },
    { voters: [1, 2], matches: [5, 3], want: 3 },
    { voters: [1, 2, 3], matches: [5, 3, 1], want: 3 },
    { voters: [1, 2, 3, 4], matches: [5, 3, 1, 4], want: 3 },
    { voters: [1, 2, 3, 4, 5], matches: [9, 9, 1, 1, 2], want: 2 },
    { voters: [], matches: [], want: 0 },
  ])('committedIndex $voters $matches = $want', ({ voters, matches, want }) => {
    expect(committedIndex(voters, (id) => matches[voters.indexOf(id)]!)).toBe(want);
  });
  it.each([
    { voters: [1, 2, 3], votes: [[1, true]], want: 'pending' },
    { voters: [1, 2, 3], votes: [[1, true], [2, true]], want: 'won' },
    { voters: [1, 2, 3], votes: [[1, true], [2, false], [3, false]], want: 'lost' },
    { voters: [1, 2, 3, 4], votes: [[1, true], [2, true], [3, false]], want: 'pending' },
    { voters: [1, 2, 3, 4], votes: [[1, true], [2, false], [3, false]], want: 'lost' },
    { voters: [1], votes: [], want: 'pending' },
  ] as const)('voteResult $votes of $voters = $want', ({ voters, votes, want }) => {
    expect(voteResult(voters, new Map(votes.map(([a, b]) => [a, b])))).toBe(want);
  });
});

describe('inflights', () => {
  it('fills by count, frees up to an index, and wraps around the ring', () => {
    const inf = new Inflights(3, 1000);
    inf.add(1, 10);
    inf.add(2, 10);
    expect(inf.full()).toBe(false);
    inf.add(5, 10);
    expect(inf.full()).toBe(true);
    expect(() => inf.add(6, 1)).toThrow(AssertionError);
    inf.freeLE(2);
    expect(inf.count).toBe(1);
    inf.add(7, 10);
    inf.add(9, 10);
    expect(inf.full()).toBe(true);
    inf.freeLE(8);
    expect([inf.count, inf.bytesInflight]).toEqual([1, 10]);
  });
  it('fills by bytes', () => {
    const inf = new Inflights(100, 50);
    inf.add(1, 30);
    expect(inf.full()).toBe(false);
    inf.add(2, 30);
    expect(inf.full()).toBe(true);
    inf.freeLE(1);
    expect(inf.full()).toBe(false);
  });
  it('rejects non-increasing indexes', () => {
    const inf = new Inflights(4, 100);
    inf.add(3, 1);
    expect(() => inf.add(3, 1)).toThrow(AssertionError);
  });
});

describe('progress', () => {
  const pr = (match: number, next: number) =>
    new Progress({ match, next, inflightsMax: 4, inflightBytesMax: 1e9, isLearner: false });
  it.each([
    // state, match, next, rejected, hint -> changed, next after
    { state: 'replicate', match: 5, next: 10, rejected: 5, hint: 5, changed: false, next2: 10 },
    { state: 'replicate', match: 5, next: 10, rejected: 9, hint: 9, changed: true, next2: 6 },
    { state: 'probe', match: 0, next: 10, rejected: 8, hint: 8, changed: false, next2: 10 },
    { state: 'probe', match: 0, next: 10, rejected: 9, hint: 3, changed: true, next2: 4 },
    { state: 'probe', match: 5, next: 10, rejected: 9, hint: 1, changed: true, next2: 6 },
    { state: 'probe', match: 0, next: 10, rejected: 9, hint: 0, changed: true, next2: 1 },
  ] as const)(
    'maybeDecrTo in $state match=$match next=$next rejected=$rejected hint=$hint', (c) => {
    const p = pr(c.match, c.next);
    if (c.state === 'replicate') {
      p.becomeReplicate();
      p.next = c.next;
    }
    expect(p.maybeDecrTo(c.rejected, c.hint)).toBe(c.changed);
    expect(p.next).toBe(c.next2);
    p.checkInvariants();
  });
  it('pauses a probe after one message and resumes on update', () => {
    const p = pr(0, 3);
    expect(p.isPaused()).toBe(false);
    p.sentEntries(2, 20);
    expect(p.isPaused()).toBe(true);
    expect(p.maybeUpdate(4)).toBe(true);
    expect(p.isPaused()).toBe(false);
    expect(p.next).toBe(5);
  });
  it('replicate advances next optimistically and pauses when the window is full', () => {
    const p = pr(2, 3);
    p.becomeReplicate();
    for (let i = 0; i < 4; i++) p.sentEntries(1, 10);
    expect([p.next, p.isPaused()]).toEqual([7, true]);
    p.maybeUpdate(4);
    p.inflights.freeLE(4);
    expect(p.isPaused()).toBe(false);
  });
  it('snapshot state pauses; probing resumes after the snapshot', () => {
    const p = pr(2, 3);
    p.becomeSnapshot(10);
    expect(p.isPaused()).toBe(true);
    p.becomeProbe();
    expect([p.state, p.next]).toEqual(['probe', 11]);
  });
  it('regressTo forgets a match the follower lost', () => {
    const p = pr(6, 7);
    p.becomeReplicate();
    p.regressTo(4);
    expect([p.state, p.match, p.next]).toEqual(['probe', 4, 5]);
  });
});

describe('raftLog', () => {
  function log(terms: number[]): RaftLog {
    const s = new MemoryStorage();
    s.append(ents(terms));
    return new RaftLog(s, 1e9);
  }
  it.each([
    { terms: [1, 1, 2], append: ents([1, 1, 2], 1), conflict: 0 },
    { terms: [1, 1, 2], append: ents([2, 3], 3), conflict: 4 },
    { terms: [1, 1, 2], append: ents([3, 3], 2), conflict: 2 },
    { terms: [1, 1, 2], append: ents([2, 2], 3), conflict: 4 },
  ])('findConflict $append', ({ terms, append, conflict }) => {
    expect(log(terms).findConflict(append)).toBe(conflict);
  });
  it.each([
    // The follower's hint skips a whole term of mismatched entries.
    { terms: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6], index: 10, term: 3, want: { index: 3, term: 1 } },
    { terms: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6], index: 10, term: 6, want: { index: 10, term: 6 } },
    { terms: [1, 1, 1, 4, 4, 5, 5, 6, 6, 6], index: 7, term: 4, want: { index: 5, term: 4 } },
    { terms: [2, 2], index: 2, term: 1, want: { index: 0, term: 0 } },
  ])('findConflictByTerm($index, $term)', ({ terms, index, term, want }) => {
    expect(log(terms).findConflictByTerm(index, term)).toEqual(want);
  });
  it('maybeAppend truncates a conflicting suffix and commits min(commit, last new)', () => {
    const l = log([1, 1, 2, 2]);
    expect(l.maybeAppend(2, 1, 10, ents([3, 3], 3))).toBe(4);
    expect(l.lastIndex()).toBe(4);
    expect(l.maybeTerm(3)).toBe(3);
    expect(l.committed).toBe(4);
    expect(l.maybeAppend(4, 9, 10, [])).toBeUndefined();
  });
  it('refuses to overwrite committed entries', () => {
    const l = log([1, 1, 2]);
    l.commitTo(3);
    expect(() => l.maybeAppend(1, 1, 3, ents([5], 2))).toThrow(AssertionError);
  });
  it('commits only entries of the given term (§5.4.2)', () => {
    const l = log([1, 1, 2]);
    expect(l.maybeCommit(3, 3)).toBe(false);
    expect(l.maybeCommit(3, 2)).toBe(true);
    expect(l.committed).toBe(3);
  });
  it('isUpToDate compares last term, then last index', () => {
    const l = log([1, 2, 2]);
    expect(l.isUpToDate(1, 3)).toBe(true);
    expect(l.isUpToDate(3, 2)).toBe(true);
    expect(l.isUpToDate(2, 2)).toBe(false);
    expect(l.isUpToDate(9, 1)).toBe(false);
  });
});

describe('MemoryStorage', () => {
  it('raises typed errors for compacted and unavailable indexes', () => {
    const s = new MemoryStorage();
    s.append(ents([1, 1, 2, 2, 3]));
    s.createSnapshot(3, { voters: [1], learners: [] }, new Uint8Array([7]));
    s.compact(3);
    expect(s.firstIndex()).toBe(4);
    expect(s.term(3)).toBe(2);
    expect(() => s.term(2)).toThrow(CompactedError);
    expect(() => s.entries(3, 5, 100)).toThrow(
      'log index 3 is compacted (first available index is 4)');
    expect(() => s.term(6)).toThrow(UnavailableError);
    expect(s.entries(4, 6, 1).map((e) => e.index)).toEqual([4]);
    s.append(ents([4], 5));
    expect(s.lastIndex()).toBe(5);
    expect(s.term(5)).toBe(4);
  });
});

describe('config', () => {
  const base = (): RaftConfig => ({
    id: 1,
    electionTicks: 10,
    heartbeatTicks: 1,
    storage: new MemoryStorage({ voters: [1], learners: [] }),
    maxSizePerMsgBytes: 1024,
    maxInflightMsgs: 8,
    checkQuorum: true,
    preVote: true,
    random: new Prng(1),
  });
  it.each([
    { patch: { id: 0 }, message: 'invalid raft config: id=0: must be >= 1' },
    { patch: { electionTicks: 1 },
      message: 'invalid raft config: electionTicks=1: must be greater than heartbeatTicks (1)' },
    { patch: { heartbeatTicks: 0 },
      message: 'invalid raft config: heartbeatTicks=0: must be >= 1' },
    { patch: { maxInflightMsgs: 0 },
      message: 'invalid raft config: maxInflightMsgs=0: must be >= 1' },
    { patch: { maxInflightBytes: 10 },
      message: 'invalid raft config: maxInflightBytes=10: must be >= maxSizePerMsgBytes (1024)' },
    { patch: { maxSizePerMsgBytes: 1.5 },
      message: 'invalid raft config: maxSizePerMsgBytes=1.5: must be a safe integer' },
  ])('rejects $patch', ({ patch, message }) => {
    const c = { ...base(), ...patch };
    expect(() => validateConfig(c)).toThrow(ConfigError);
    expect(() => validateConfig(c)).toThrow(message);
    expect(() => new RawNode(c)).toThrow(message);
  });
  it('fills defaults', () => {
    expect(validateConfig(base()).maxUncommittedEntriesBytes).toBe(64 * 1024 * 1024);
  });
  it('taking a second Ready before advance is an assertion failure', () => {
    const n = new RawNode(base());
    n.campaign();
    n.ready();
    expect(n.hasReady()).toBe(false);
    expect(() => n.ready()).toThrow(AssertionError);
  });
});

describe('conf change codec and prng', () => {
  it.each([ConfChangeType.AddNode, ConfChangeType.RemoveNode, ConfChangeType.AddLearner])(
    'round-trips type %s', (type) => {
    const cc = { type, nodeId: 2 ** 40 + 3, context: new Uint8Array([1, 2, 3]) };
    expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
  });
  it('is deterministic per seed and stays in range', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const xs = Array.from({ length: 100 }, () => a.nextInt(7));
    expect(xs).toEqual(Array.from({ length: 100 }, () => b.nextInt(7)));
    expect(xs.every((x) => x >= 0 && x < 7)).toBe(true);
    expect(new Set(xs).size).toBe(7);
    expect(new Prng(43).nextU32()).not.toBe(new Prng(42).nextU32());
    const f = a.fork();
    expect(f.nextFloat()).toBeLessThan(1);
  });
});

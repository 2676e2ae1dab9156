// fast-check generators for the shared data model, used by the codec tests (and free for any
// other layer's tests to import).
import fc from 'fast-check';
import {
  ConfChangeType, EntryType, MessageType, type ConfChange, type ConfState, type Entry,
  type HardState, type Message, type Snapshot, type SnapshotMetadata,
} from '../../src/codec/index.js';

export const u64 = fc.oneof(
  fc.constantFrom(0, 1, 0xffff_ffff, 0x1_0000_0000, Number.MAX_SAFE_INTEGER),
  fc.maxSafeNat(),
);
export const smallBytes = fc.uint8Array({ maxLength: 40 });

export const entry: fc.Arbitrary<Entry> = fc.record({
  term: u64,
  index: u64,
  type: fc.constantFrom(EntryType.Normal, EntryType.ConfChange),
  data: smallBytes,
});

export const hardState: fc.Arbitrary<HardState> = fc.record({
  term: u64,
  vote: u64,
  commit: u64,
});

export const confChange: fc.Arbitrary<ConfChange> = fc.record({
  type: fc.constantFrom(ConfChangeType.AddNode, ConfChangeType.RemoveNode,
    ConfChangeType.AddLearner),
  nodeId: u64,
  context: smallBytes,
});

export const confState: fc.Arbitrary<ConfState> = fc.record({
  voters: fc.array(u64, { maxLength: 7 }),
  learners: fc.array(u64, { maxLength: 3 }),
});

export const snapshotMetadata: fc.Arbitrary<SnapshotMetadata> = fc.record({
  index: u64,
  term: u64,
  confState,
});

export const snapshot: fc.Arbitrary<Snapshot> = fc.record({
  metadata: snapshotMetadata,
  data: fc.uint8Array({ maxLength: 100 }),
});

const messageTypes = Object.values(MessageType).filter((v): v is MessageType =>
  typeof v === 'number');

export const message: fc.Arbitrary<Message> = fc.record({
  type: fc.constantFrom(...messageTypes),
  to: u64,
  from: u64,
  term: u64,
  logTerm: u64,
  index: u64,
  entries: fc.array(entry, { maxLength: 4 }),
  commit: u64,
  snapshot: fc.option(snapshot, { nil: null }),
  reject: fc.boolean(),
  rejectHint: u64,
  context: smallBytes,
});

export const batch: fc.Arbitrary<Message[]> = fc.array(message, { maxLength: 4 });

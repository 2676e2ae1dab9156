/**
 * Human-readable one-line descriptions of messages, entries and snapshots, in etcd raft's
 * transcript style (`1->2 MsgApp Term:1 Log:1/3 Commit:3 Entries:[1/4 EntryNormal "x"]`).
 * Used by test transcripts, the simulation's failure reports and debugging.
 */
import type { ConfState, Entry, HardState, Message, Snapshot } from '../codec/types.js';
import { ConfChangeType, EntryType, MessageType } from '../codec/types.js';
import { decodeConfChange } from './confChangeCodec.js';
import type { Ready } from './ready.js';

const MESSAGE_NAMES: Record<MessageType, string> = {
  [MessageType.Hup]: 'MsgHup',
  [MessageType.Beat]: 'MsgBeat',
  [MessageType.Prop]: 'MsgProp',
  [MessageType.App]: 'MsgApp',
  [MessageType.AppResp]: 'MsgAppResp',
  [MessageType.Vote]: 'MsgVote',
  [MessageType.VoteResp]: 'MsgVoteResp',
  [MessageType.Snap]: 'MsgSnap',
  [MessageType.Heartbeat]: 'MsgHeartbeat',
  [MessageType.HeartbeatResp]: 'MsgHeartbeatResp',
  [MessageType.Unreachable]: 'MsgUnreachable',
  [MessageType.SnapStatus]: 'MsgSnapStatus',
  [MessageType.CheckQuorum]: 'MsgCheckQuorum',
  [MessageType.TransferLeader]: 'MsgTransferLeader',
  [MessageType.TimeoutNow]: 'MsgTimeoutNow',
  [MessageType.ReadIndex]: 'MsgReadIndex',
  [MessageType.ReadIndexResp]: 'MsgReadIndexResp',
  [MessageType.PreVote]: 'MsgPreVote',
  [MessageType.PreVoteResp]: 'MsgPreVoteResp',
};

export function messageTypeName(t: MessageType): string {
  return MESSAGE_NAMES[t] ?? `MsgUnknown(${String(t)})`;
}

/** Printable bytes as a quoted string; anything else as hex. */
export function describeBytes(data: Uint8Array): string {
  let printable = true;
  for (const b of data) if (b < 0x20 || b > 0x7e) printable = false;
  if (printable)
    return JSON.stringify(
      String.fromCharCode(...data.subarray(0, 64)) + (data.length > 64 ? '…' : ''));
  let hex = '';
  for (const b of data.subarray(0, 32)) hex += b.toString(16).padStart(2, '0');
  return `0x${hex}${data.length > 32 ? '…' : ''}`;
}

const CC_LETTERS: Record<ConfChangeType, string> = {
  [ConfChangeType.AddNode]: 'v',
  [ConfChangeType.RemoveNode]: 'r',
  [ConfChangeType.AddLearner]: 'l',
};

export function describeEntry(e: Entry): string {
  if (e.type === EntryType.ConfChange) {
    const cc = decodeConfChange(e.data);
    return `${e.term}/${e.index} EntryConfChange ${CC_LETTERS[cc.type]}${cc.nodeId}`;
  }
  return `${e.term}/${e.index} EntryNormal ${describeBytes(e.data)}`;
}

export function describeConfStateShort(cs: ConfState): string {
  return `Voters:[${cs.voters.join(' ')}] Learners:[${cs.learners.join(' ')}]`;
}

export function describeSnapshot(s: Snapshot): string {
  const m = s.metadata;
  return `Index:${m.index} Term:${m.term} ConfState:${describeConfStateShort(m.confState)}`;
}

export function describeHardState(hs: HardState): string {
  return `Term:${hs.term} Vote:${hs.vote} Commit:${hs.commit}`;
}

export function describeMessage(m: Message): string {
  let s = `${m.from}->${m.to} ${messageTypeName(m.type)} Term:${m.term} ` +
    `Log:${m.logTerm}/${m.index}`;
  if (m.reject) s += ` Rejected (Hint: ${m.rejectHint})`;
  if (m.commit !== 0) s += ` Commit:${m.commit}`;
  if (m.entries.length > 0) s += ` Entries:[${m.entries.map(describeEntry).join(', ')}]`;
  if (m.context.length > 0) s += ` Context:${describeBytes(m.context)}`;
  if (m.snapshot !== null) s += ` Snapshot: ${describeSnapshot(m.snapshot)}`;
  return s;
}

const ROLE_NAMES = {
  follower: 'StateFollower',
  candidate: 'StateCandidate',
  'pre-candidate': 'StatePreCandidate',
  leader: 'StateLeader',
} as const;

/** A multi-line description of a Ready (the transcript's `handling Ready` block). */
export function describeReady(rd: Ready): string {
  const lines: string[] = [];
  if (rd.softState !== null) {
    lines.push(`Lead:${rd.softState.leader} State:${ROLE_NAMES[rd.softState.role]}`);
  }
  if (rd.hardState !== null) lines.push(`HardState ${describeHardState(rd.hardState)}`);
  if (rd.readStates.length > 0) {
    const rs = rd.readStates.map((r) => `{Index:${r.index} Context:${describeBytes(r.context)}}`);
    lines.push(`ReadStates: ${rs.join(' ')}`);
  }
  if (rd.entries.length > 0) {
    lines.push('Entries:');
    for (const e of rd.entries) lines.push(describeEntry(e));
  }
  if (rd.snapshot !== null) lines.push(`Snapshot ${describeSnapshot(rd.snapshot)}`);
  if (rd.committedEntries.length > 0) {
    lines.push('CommittedEntries:');
    for (const e of rd.committedEntries) lines.push(describeEntry(e));
  }
  if (rd.messages.length > 0) {
    lines.push('Messages:');
    for (const m of rd.messages) lines.push(describeMessage(m));
  }
  if (lines.length === 0) return '<empty Ready>';
  return [`Ready MustSync=${rd.mustSync}:`, ...lines].join('\n');
}

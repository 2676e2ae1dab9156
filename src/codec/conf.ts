/**
 * Body layouts of ConfChange and ConfState.
 *
 *   ConfChange = type u8 | nodeId u64 | context (u32 length | bytes)
 *   ConfState  = voterCount u32 | voter u64 * voterCount
 *              | learnerCount u32 | learner u64 * learnerCount
 */
import type { ByteReader } from './reader.js';
import type { ByteWriter } from './writer.js';
import { ConfChangeType, type ConfChange, type ConfState, type NodeId } from './types.js';
import { confStateMembersMax, contextBytesMax } from './limits.js';
import { unencodableError } from './errors.js';

export const CONF_CHANGE_FIXED_BYTES = 1 + 8 + 4;
export const CONF_CHANGE_TYPE_MAX = ConfChangeType.AddLearner;

export function confChangeBodyBytes(cc: ConfChange): number {
  return CONF_CHANGE_FIXED_BYTES + cc.context.length;
}

export function confStateBodyBytes(cs: ConfState): number {
  return 4 + 8 * cs.voters.length + 4 + 8 * cs.learners.length;
}

export function writeConfChange(w: ByteWriter, cc: ConfChange): void {
  w.enumValue(cc.type, 'ConfChange.type', 'ConfChangeType', CONF_CHANGE_TYPE_MAX);
  w.u64(cc.nodeId, 'ConfChange.nodeId');
  w.bytesField(cc.context, 'ConfChange.context', contextBytesMax);
}

export function readConfChange(r: ByteReader): ConfChange {
  const type = r.enumValue('ConfChange.type', 'ConfChangeType', CONF_CHANGE_TYPE_MAX);
  const nodeId = r.u64('ConfChange.nodeId');
  const context = r.bytesField('ConfChange.context', contextBytesMax);
  return { type: type as ConfChangeType, nodeId, context };
}

export function writeConfState(w: ByteWriter, cs: ConfState): void {
  writeIds(w, cs.voters, 'ConfState.voters');
  writeIds(w, cs.learners, 'ConfState.learners');
}

export function readConfState(r: ByteReader): ConfState {
  const voters = readIds(r, 'ConfState.voters');
  const learners = readIds(r, 'ConfState.learners');
  return { voters, learners };
}

function writeIds(w: ByteWriter, ids: readonly NodeId[], field: string): void {
  if (ids.length > confStateMembersMax) {
    throw unencodableError(`${field} count`, `<= ${confStateMembersMax}`, `${ids.length}`);
  }
  w.u32(ids.length, `${field} count`);
  for (const id of ids) w.u64(id, field);
}

function readIds(r: ByteReader, field: string): NodeId[] {
  const count = r.count(field, confStateMembersMax, 8);
  const ids: NodeId[] = new Array<NodeId>(count);
  for (let i = 0; i < count; i++) ids[i] = r.u64(field);
  return ids;
}

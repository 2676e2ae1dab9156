/**
 * The bytes of a ConfChange entry: `version u8 (1) | type u8 | nodeId f64 | contextLength u32 |
 * context`, little-endian. Raft writes them in proposeConfChange(); the driver decodes a
 * committed EntryType.ConfChange entry with decodeConfChange() and calls applyConfChange().
 */
import { assert } from '../codec/assert.js';
import type { ConfChange } from '../codec/types.js';
import { ConfChangeType } from '../codec/types.js';

const VERSION = 1;
const HEADER_BYTES = 1 + 1 + 8 + 4;
/** Bound on the opaque context (a member's address fits many times over). */
export const CONF_CHANGE_CONTEXT_BYTES_MAX = 64 * 1024;

export function encodeConfChange(cc: ConfChange): Uint8Array {
  assert(Number.isSafeInteger(cc.nodeId) && cc.nodeId > 0, `conf change node id ${cc.nodeId} invalid`);
  assert(cc.context.byteLength <= CONF_CHANGE_CONTEXT_BYTES_MAX, 'conf change context too large');
  const out = new Uint8Array(HEADER_BYTES + cc.context.byteLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, VERSION);
  view.setUint8(1, cc.type);
  view.setFloat64(2, cc.nodeId, true);
  view.setUint32(10, cc.context.byteLength, true);
  out.set(cc.context, HEADER_BYTES);
  return out;
}

/** Decodes a committed conf change entry's data; malformed bytes are a bug (assert). */
export function decodeConfChange(data: Uint8Array): ConfChange {
  assert(data.byteLength >= HEADER_BYTES, `conf change entry too short: ${data.byteLength} bytes`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  assert(view.getUint8(0) === VERSION, `conf change version ${view.getUint8(0)} unknown`);
  const type = view.getUint8(1);
  assert(type in ConfChangeType, `conf change type ${type} unknown`);
  const nodeId = view.getFloat64(2, true);
  const contextBytes = view.getUint32(10, true);
  assert(HEADER_BYTES + contextBytes === data.byteLength, 'conf change context length mismatch');
  return {
    type: type as ConfChangeType,
    nodeId,
    context: data.slice(HEADER_BYTES),
  };
}

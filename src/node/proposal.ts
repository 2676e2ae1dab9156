/**
 * The payload of a normal Raft entry: who proposed it (node id + request sequence, so the
 * proposing node can resolve its waiting client when the entry is applied) and the encoded
 * state-machine command.
 *
 *   version u8 (1) | proposer u32 | requestSeq f64 | command bytes
 */
import { assert } from '../codec/assert.js';

export const proposalVersion = 1;
const headerBytes = 1 + 4 + 8;

export class ProposalDecodeError extends Error {
  override name = 'ProposalDecodeError';
}

export interface ProposalHeader {
  proposer: number;
  requestSeq: number;
}

export function encodeProposal(header: ProposalHeader, command: Uint8Array): Uint8Array {
  assert(Number.isSafeInteger(header.requestSeq) && header.requestSeq >= 0, 'requestSeq');
  const out = new Uint8Array(headerBytes + command.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, proposalVersion);
  view.setUint32(1, header.proposer, true);
  view.setFloat64(5, header.requestSeq, true);
  out.set(command, headerBytes);
  return out;
}

export function decodeProposal(data: Uint8Array): { header: ProposalHeader; command: Uint8Array } {
  if (data.length < headerBytes) {
    throw new ProposalDecodeError(`proposal too short: ${data.length} bytes, header needs ${headerBytes}`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = view.getUint8(0);
  if (version !== proposalVersion) {
    throw new ProposalDecodeError(`proposal version ${version} unknown (expected ${proposalVersion})`);
  }
  const requestSeq = view.getFloat64(5, true);
  if (!Number.isSafeInteger(requestSeq) || requestSeq < 0) {
    throw new ProposalDecodeError(`proposal request sequence ${requestSeq} is not a safe integer`);
  }
  return {
    header: { proposer: view.getUint32(1, true), requestSeq },
    command: data.subarray(headerBytes),
  };
}

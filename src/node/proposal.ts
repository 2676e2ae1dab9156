/**
 * The payload of a normal Raft entry: who proposed it (node id + request sequence, so the
 * proposing node can resolve its waiting client when the entry is applied), what the leader
 * decided for it (its wall clock and a random seed: apply must never read a clock or draw
 * randomness, so every replica gets both from the entry), and the encoded KvOp (src/kv/codec.ts).
 *
 *   version u8 (2) | proposer u32 | requestSeq f64 | timeMs f64 | seed u32 | command bytes
 */
import { assert } from '../codec/assert.js';

export const proposalVersion = 2;
const headerBytes = 1 + 4 + 8 + 8 + 4;

export class ProposalDecodeError extends Error {
  override name = 'ProposalDecodeError';
}

export interface ProposalHeader {
  proposer: number;
  requestSeq: number;
  /** The proposing leader's wall clock, ms since the epoch. */
  timeMs: number;
  /** A u32 the proposing leader drew for this entry. */
  seed: number;
}

export function encodeProposal(header: ProposalHeader, command: Uint8Array): Uint8Array {
  assert(Number.isSafeInteger(header.requestSeq) && header.requestSeq >= 0, 'requestSeq');
  assert(Number.isSafeInteger(header.timeMs) && header.timeMs >= 0, 'timeMs');
  assert(Number.isInteger(header.seed) && header.seed >= 0 && header.seed <= 0xffffffff, 'seed');
  const out = new Uint8Array(headerBytes + command.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, proposalVersion);
  view.setUint32(1, header.proposer, true);
  view.setFloat64(5, header.requestSeq, true);
  view.setFloat64(13, header.timeMs, true);
  view.setUint32(21, header.seed, true);
  out.set(command, headerBytes);
  return out;
}

export function decodeProposal(data: Uint8Array): { header: ProposalHeader; command: Uint8Array } {
  if (data.length < headerBytes) {
    throw new ProposalDecodeError(
      `proposal too short: ${data.length} bytes, header needs ${headerBytes}`);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = view.getUint8(0);
  if (version !== proposalVersion) {
    throw new ProposalDecodeError(
      `proposal version ${version} unknown (expected ${proposalVersion})`);
  }
  const requestSeq = view.getFloat64(5, true);
  if (!Number.isSafeInteger(requestSeq) || requestSeq < 0) {
    throw new ProposalDecodeError(`proposal request sequence ${requestSeq} is not a safe integer`);
  }
  const timeMs = view.getFloat64(13, true);
  if (!Number.isSafeInteger(timeMs) || timeMs < 0) {
    throw new ProposalDecodeError(`proposal time ${timeMs} is not a safe integer`);
  }
  return {
    header: {
      proposer: view.getUint32(1, true), requestSeq, timeMs, seed: view.getUint32(21, true) },
    command: data.subarray(headerBytes),
  };
}

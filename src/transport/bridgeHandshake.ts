/**
 * The bridge handshake: mutual HMAC-SHA256 challenge-response over a shared cluster secret.
 * Nothing but these frames is read from a connection until it has completed.
 *
 *   dialer D                                      listener L
 *   hello     { version, from D, to L, nonceD, clusterId }  ->
 *             <-  challenge { from L, nonceL, macL = MAC("listener", ...) }
 *   proof     { macD = MAC("dialer", ...) }                  ->
 *             <-  accept            (or refuse { reason }, then close)
 *
 *   MAC(role, ...) = HMAC-SHA256(secret, label(role) | clusterId | D | L | nonceD | nonceL)
 *
 * Why each piece is there:
 * - Both sides prove the secret (macL to D, macD to L), each over a nonce the VERIFIER just
 *   drew (32 random bytes, node:crypto randomBytes), so a recorded proof is worthless on any
 *   other connection: replaying a captured dialer's bytes meets a fresh nonceL.
 * - The cluster id and both node ids are inside the MAC, so a proof made for one peer (or one
 *   cluster sharing the secret by mistake) does not verify for another.
 * - The role label differs, so L's MAC can never be reflected back to L as D's proof.
 * - Comparison is constant-time (timingSafeEqual) on equal-length digests.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NodeId } from '../codec/types.js';
import { assert } from '../codec/assert.js';
import { readU64, writeU64 } from './bridgeWire.js';

export const handshakeVersion = 1;
export const nonceBytes = 32;
export const macBytes = 32;
/** Cluster ids are UUIDs in practice; bounded so the hello frame stays tiny. */
export const clusterIdBytesMax = 128;
/** Refusal reasons are short sentences. */
export const refuseReasonBytesMax = 256;
/** Secrets shorter than this are refused when the transport is built. */
export const secretBytesMin = 16;

export type MacRole = 'dialer' | 'listener';

export interface MacInput {
  secret: Uint8Array;
  clusterId: string;
  dialer: NodeId;
  listener: NodeId;
  dialerNonce: Uint8Array;
  listenerNonce: Uint8Array;
}

export function freshNonce(): Buffer {
  return randomBytes(nonceBytes);
}

export function computeMac(role: MacRole, input: MacInput): Buffer {
  assert(input.dialerNonce.length === nonceBytes, 'dialer nonce has 32 bytes');
  assert(input.listenerNonce.length === nonceBytes, 'listener nonce has 32 bytes');
  const clusterId = Buffer.from(input.clusterId, 'utf8');
  const fixed = Buffer.alloc(2 + 8 + 8);
  fixed.writeUInt16BE(clusterId.length, 0);
  writeU64(fixed, input.dialer, 2);
  writeU64(fixed, input.listener, 10);
  const hmac = createHmac('sha256', input.secret);
  hmac.update(`harmonydb-bridge-v${handshakeVersion} ${role}\n`);
  hmac.update(fixed.subarray(0, 2));
  hmac.update(clusterId);
  hmac.update(fixed.subarray(2));
  hmac.update(input.dialerNonce);
  hmac.update(input.listenerNonce);
  const mac = hmac.digest();
  assert(mac.length === macBytes, 'HMAC-SHA256 is 32 bytes');
  return mac;
}

/** Constant-time check of a received MAC (length is public: 32 bytes or refused). */
export function macMatches(role: MacRole, input: MacInput, received: Uint8Array): boolean {
  if (received.length !== macBytes) return false;
  return timingSafeEqual(computeMac(role, input), received);
}

export interface Hello {
  version: number;
  from: NodeId;
  to: NodeId;
  nonce: Uint8Array;
  clusterId: string;
}

export function encodeHello(hello: Hello): Buffer {
  const clusterId = Buffer.from(hello.clusterId, 'utf8');
  assert(clusterId.length <= clusterIdBytesMax, 'cluster id within its bound');
  assert(hello.nonce.length === nonceBytes, 'hello nonce has 32 bytes');
  const out = Buffer.alloc(1 + 8 + 8 + nonceBytes + 2 + clusterId.length);
  out.writeUInt8(hello.version, 0);
  writeU64(out, hello.from, 1);
  writeU64(out, hello.to, 9);
  out.set(hello.nonce, 17);
  out.writeUInt16BE(clusterId.length, 17 + nonceBytes);
  out.set(clusterId, 19 + nonceBytes);
  return out;
}

/** The hello, or a sentence saying what is wrong with it. */
export function decodeHello(body: Uint8Array): Hello | string {
  const fixedBytes = 1 + 8 + 8 + nonceBytes + 2;
  if (body.length < fixedBytes) return `hello of ${body.length} bytes is truncated`;
  const view = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const version = view.readUInt8(0);
  const from = readU64(body, 1);
  const to = readU64(body, 9);
  if (from === null || to === null) return 'hello with a node id beyond 2^53';
  const idBytes = view.readUInt16BE(17 + nonceBytes);
  if (idBytes > clusterIdBytesMax || fixedBytes + idBytes !== body.length) {
    return `hello with a bad cluster id length ${idBytes}`;
  }
  const nonce = Uint8Array.from(body.subarray(17, 17 + nonceBytes));
  const clusterId = view.toString('utf8', fixedBytes, fixedBytes + idBytes);
  return { version, from, to, nonce, clusterId };
}

export interface Challenge {
  from: NodeId;
  nonce: Uint8Array;
  mac: Uint8Array;
}

export function encodeChallenge(challenge: Challenge): Buffer {
  const out = Buffer.alloc(8 + nonceBytes + macBytes);
  writeU64(out, challenge.from, 0);
  out.set(challenge.nonce, 8);
  out.set(challenge.mac, 8 + nonceBytes);
  return out;
}

export function decodeChallenge(body: Uint8Array): Challenge | string {
  if (body.length !== 8 + nonceBytes + macBytes) {
    return `challenge of ${body.length} bytes, expected ${8 + nonceBytes + macBytes}`;
  }
  const from = readU64(body, 0);
  if (from === null) return 'challenge with a node id beyond 2^53';
  return {
    from,
    nonce: Uint8Array.from(body.subarray(8, 8 + nonceBytes)),
    mac: Uint8Array.from(body.subarray(8 + nonceBytes)),
  };
}

/** A refusal reason, cut to its bound (it is only ever shown in logs). */
export function encodeRefuse(reason: string): Buffer {
  return Buffer.from(reason, 'utf8').subarray(0, refuseReasonBytesMax);
}

export function decodeRefuse(body: Uint8Array): string {
  const text = Buffer.from(body.buffer, body.byteOffset, Math.min(body.length,
    refuseReasonBytesMax)).toString('utf8');
  // A refusal comes from a peer that may not be trusted: keep only printable characters.
  return text.replace(/[^\x20-\x7e]/g, '?');
}

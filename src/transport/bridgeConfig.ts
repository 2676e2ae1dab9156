/**
 * The TCP bridge's options, their defaults, and their validation (done before anything is
 * built: a bad option is a TransportError naming the option and its value).
 */
import type { NodeId } from '../codec/types.js';
import { entryDataBytesMax } from '../codec/limits.js';
import { clusterIdBytesMax, secretBytesMin } from './bridgeHandshake.js';
import type { PeerAddress } from './bridgePeer.js';
import {
  frameBytesMaxDefault, frameBytesMaxLimit, handshakeFrameBytesMax,
} from './bridgeWire.js';
import { TransportError } from './transport.js';

export interface TcpTransportOptions {
  id: NodeId;
  /** Must be the same on every node (the data directory's cluster id). */
  clusterId: string;
  /** Shared cluster secret, at least 16 bytes (a string is taken as UTF-8). */
  secret: Uint8Array | string;
  /** Seeded random source in [0, 1) for the fault filter (the node passes its PRNG). */
  random: () => number;
  /** Where to listen. Default 127.0.0.1, port 0 (a free port: read `address()`). */
  listenHost?: string;
  listenPort?: number;
  /** false: no listener (a node that only dials). Default true. */
  listen?: boolean;
  /**
   * Known peers: an address to dial, or null for a peer that dials us (we answer on its
   * connection). More with addPeer(). Peers not listed may still dial in (see admitPeer).
   */
  peers?: Record<number, PeerAddress | null>;
  /** Whether an authenticated node id that is not in `peers` may connect. Default: yes. */
  admitPeer?: (peer: NodeId) => boolean;
  /** Largest frame sent or received after the handshake. Default 256 MiB. */
  frameBytesMax?: number;
  /** Per peer: frames held, queued or being written. Default 1024. */
  queueFramesMax?: number;
  /** Per peer: bytes of those frames. Default 64 MiB. */
  queueBytesMax?: number;
  /** Largest forwarded payload. Default 64 MiB (the largest entry). */
  forwardBytesMax?: number;
  /** A connection that has not completed the handshake by then is closed. Default 5000. */
  handshakeTimeoutMs?: number;
  /** Reconnect backoff: first delay, and the cap it doubles up to. Defaults 50 and 2000. */
  reconnectDelayMsMin?: number;
  reconnectDelayMsMax?: number;
  /** Inbound connections still in their handshake; more are closed at once. Default 64. */
  handshakingConnectionsMax?: number;
  /** Log lines (refusals, connects, disconnects). Default: stderr. */
  log?: (line: string) => void;
}

export type BridgeConfig = Required<Omit<TcpTransportOptions, 'secret' | 'peers'>> & {
  secret: Buffer;
  peers: Map<NodeId, PeerAddress | null>;
};

export const bridgeDefaults = {
  listenHost: '127.0.0.1',
  listenPort: 0,
  frameBytesMax: frameBytesMaxDefault,
  queueFramesMax: 1024,
  queueBytesMax: 64 * 1024 * 1024,
  forwardBytesMax: entryDataBytesMax,
  handshakeTimeoutMs: 5_000,
  reconnectDelayMsMin: 50,
  reconnectDelayMsMax: 2_000,
  handshakingConnectionsMax: 64,
} as const;

export function bridgeConfig(options: TcpTransportOptions): BridgeConfig {
  const secret = typeof options.secret === 'string' ? Buffer.from(options.secret, 'utf8')
    : Buffer.from(options.secret);
  const config = {
    ...bridgeDefaults,
    listen: true,
    admitPeer: () => true,
    log: (line) => process.stderr.write(`bridge ${options.id}: ${line}\n`),
    ...stripUndefined(options),
    secret,
    peers: new Map(Object.entries(options.peers ?? {}).map(([id, a]) => [Number(id), a])),
  } as BridgeConfig;
  validate(config);
  return config;
}

function validate(c: BridgeConfig): void {
  positive('id', c.id);
  const clusterIdBytes = Buffer.byteLength(c.clusterId ?? '', 'utf8');
  check(typeof c.clusterId === 'string' && clusterIdBytes >= 1 &&
    clusterIdBytes <= clusterIdBytesMax, 'clusterId', c.clusterId,
  `a string of 1..${clusterIdBytesMax} bytes`);
  check(c.secret.length >= secretBytesMin, 'secret', `${c.secret.length} bytes`,
    `at least ${secretBytesMin} bytes (use e.g. 32 random bytes in a file)`);
  check(typeof c.listenHost === 'string' && c.listenHost.length > 0, 'listenHost',
    c.listenHost, 'a host name or address');
  check(Number.isSafeInteger(c.listenPort) && c.listenPort >= 0 && c.listenPort <= 65535,
    'listenPort', c.listenPort, 'a port in [0, 65535] (0 = any free port)');
  check(Number.isSafeInteger(c.frameBytesMax) && c.frameBytesMax >= handshakeFrameBytesMax &&
    c.frameBytesMax <= frameBytesMaxLimit, 'frameBytesMax', c.frameBytesMax,
  `an integer in [${handshakeFrameBytesMax}, ${frameBytesMaxLimit}]`);
  for (const name of ['queueFramesMax', 'queueBytesMax', 'forwardBytesMax',
    'handshakeTimeoutMs', 'reconnectDelayMsMin', 'reconnectDelayMsMax',
    'handshakingConnectionsMax'] as const) {
    positive(name, c[name]);
  }
  check(c.reconnectDelayMsMin <= c.reconnectDelayMsMax, 'reconnectDelayMsMin',
    c.reconnectDelayMsMin, `at most reconnectDelayMsMax (${c.reconnectDelayMsMax})`);
  for (const [peer, address] of c.peers) {
    positive('peers key', peer);
    check(peer !== c.id, 'peers', peer, 'other nodes than this one');
    if (address !== null) checkAddress(`peers[${peer}]`, address);
  }
}

export function checkAddress(name: string, address: PeerAddress): void {
  check(typeof address.host === 'string' && address.host.length > 0, `${name}.host`,
    address.host, 'a host name or address');
  check(Number.isSafeInteger(address.port) && address.port >= 1 && address.port <= 65535,
    `${name}.port`, address.port, 'a port in [1, 65535]');
}

function positive(name: string, value: number): void {
  check(Number.isSafeInteger(value) && value >= 1, name, value, 'a positive integer');
}

function check(ok: boolean, name: string, value: unknown, expected: string): void {
  if (!ok) {
    throw new TransportError(`bridge: option ${name} must be ${expected}, got ` +
      `${JSON.stringify(value)}`);
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as
    Partial<T>;
}

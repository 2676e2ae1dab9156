// Proves the TCP bridge's pieces without sockets: the frame assembler returns the same frames
// however the byte stream is cut (property test) and refuses bad lengths with typed errors;
// data frames round-trip and malformed ones are described, not thrown; the handshake MAC
// binds the role, cluster id, both node ids and both nonces (changing any one changes it);
// hello/challenge decoders refuse malformed input; backoff is capped and jittered within
// [base/2, base]; bad options are refused with the option's name and value.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  computeMac, decodeChallenge, decodeHello, encodeChallenge, encodeHello, freshNonce,
  macMatches, type MacInput,
} from '../../src/transport/bridgeHandshake.js';
import {
  BridgeFrameError, FrameAssembler, FrameTooLargeError, WireType, encodeFrame, forwardHead,
  parseDataFrame, raftHead, type WireFrame,
} from '../../src/transport/bridgeWire.js';
import { TcpTransport, TransportError, reconnectDelayMs } from '../../src/transport/index.js';

function drain(assembler: FrameAssembler): WireFrame[] {
  const out: WireFrame[] = [];
  for (let frame = assembler.next(); frame !== null; frame = assembler.next()) out.push(frame);
  return out;
}

describe('FrameAssembler', () => {
  it('returns the same frames however the stream is cut', () => {
    fc.assert(fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
      (bodies, cuts) => {
        const stream = Buffer.concat(bodies.map((b) => encodeFrame(WireType.Raft, b)));
        const assembler = new FrameAssembler(1024);
        const frames: WireFrame[] = [];
        let offset = 0;
        for (let i = 0; offset < stream.length; i++) {
          const n = cuts[i % cuts.length]!;
          assembler.push(stream.subarray(offset, offset + n));
          offset += n;
          frames.push(...drain(assembler));
        }
        expect(frames.map((f) => [f.type, [...f.body]])).toEqual(
          bodies.map((b) => [WireType.Raft, [...b]]));
        expect(assembler.bufferedBytes).toBe(0);
      }), { seed: 8, numRuns: 200 });
  });

  it('refuses a frame over the limit from its header alone', () => {
    const assembler = new FrameAssembler(1024);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1021, 0);
    assembler.push(header);
    expect(() => assembler.next()).toThrow(FrameTooLargeError);
    expect(() => new FrameAssembler(1024).next()).not.toThrow();
    const again = new FrameAssembler(1024);
    again.push(header);
    expect(() => again.next()).toThrow('bridge: received frame of 1025 bytes exceeds the limit ' +
      'of 1024 bytes (frameBytesMax); raise frameBytesMax on every node if such frames are ' +
      'legitimate');
  });

  it('refuses a zero-length frame', () => {
    const assembler = new FrameAssembler(1024);
    assembler.push(Buffer.alloc(4));
    expect(() => assembler.next()).toThrow(BridgeFrameError);
  });

  it('raises the limit for frames after setLimit', () => {
    const assembler = new FrameAssembler(1024);
    assembler.setLimit(10_000);
    assembler.push(encodeFrame(WireType.Raft, new Uint8Array(5000)));
    expect(drain(assembler)).toHaveLength(1);
  });
});

describe('data frames', () => {
  const frameOf = (parts: Uint8Array[]): WireFrame => {
    const assembler = new FrameAssembler(1 << 20);
    assembler.push(Buffer.concat(parts));
    return assembler.next()!;
  };

  it('round-trip raft and forward frames', () => {
    const batch = new Uint8Array([1, 8, 0, 0]);
    expect(parseDataFrame(frameOf([raftHead(3, batch.length), batch]), 100)).toEqual(
      { k: 'raft', count: 3, batch });
    const payload = new Uint8Array([7, 7]);
    expect(parseDataFrame(frameOf([forwardHead('forward-reply', 2 ** 40, 2), payload]), 100))
      .toEqual({ k: 'fwd', kind: 'forward-reply', id: 2 ** 40, payload });
    expect(parseDataFrame(frameOf([forwardHead('pubsub', 5, 2), payload]), 100))
      .toEqual({ k: 'fwd', kind: 'pubsub', id: 5, payload });
  });

  it.each([
    [WireType.Raft, [0, 0], 'raft frame of 2 bytes is truncated'],
    [WireType.Raft, [0xff, 0xff, 0xff, 0xff], 'raft frame with bad count 4294967295'],
    [WireType.Forward, [0, 0, 0], 'forward frame of 3 bytes is truncated'],
    [WireType.Forward, [3, 0, 0, 0, 0, 0, 0, 0, 1], 'forward frame with bad kind 3'],
    [WireType.Forward, [0, 0xff, 0, 0, 0, 0, 0, 0, 1],
      'forward frame with a request id beyond 2^53'],
    [WireType.Forward, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3], 'forward frame of 3 bytes exceeds 2'],
  ])('type %i body %j: %s', (type, body, problem) => {
    expect(parseDataFrame({ type, body: new Uint8Array(body) }, 2)).toBe(problem);
  });
});

describe('handshake MAC', () => {
  const base: MacInput = {
    secret: Buffer.from('0123456789abcdef0123456789abcdef'), clusterId: 'c1', dialer: 2,
    listener: 1, dialerNonce: new Uint8Array(32).fill(1), listenerNonce: new Uint8Array(32)
      .fill(2),
  };

  it('verifies its own MAC in constant time and only for the same role', () => {
    const mac = computeMac('dialer', base);
    expect(macMatches('dialer', base, mac)).toBe(true);
    expect(macMatches('listener', base, mac)).toBe(false);
    expect(macMatches('dialer', base, mac.subarray(0, 31))).toBe(false);
  });

  it.each<[string, Partial<MacInput>]>([
    ['secret', { secret: Buffer.from('0123456789abcdef0123456789abcdeX') }],
    ['cluster id', { clusterId: 'c2' }],
    ['dialer id', { dialer: 3 }],
    ['listener id', { listener: 3 }],
    ['swapped ids', { dialer: 1, listener: 2 }],
    ['dialer nonce', { dialerNonce: new Uint8Array(32).fill(9) }],
    ['listener nonce', { listenerNonce: new Uint8Array(32).fill(9) }],
  ])('a different %s gives a different MAC', (_name, change) => {
    const mac = computeMac('dialer', base);
    expect(macMatches('dialer', { ...base, ...change }, mac)).toBe(false);
  });

  it('fresh nonces differ', () => {
    expect(Buffer.from(freshNonce()).equals(freshNonce())).toBe(false);
  });
});

describe('handshake frames', () => {
  it('hello and challenge round-trip', () => {
    const hello = { version: 1, from: 4, to: 2 ** 50, nonce: freshNonce(), clusterId: 'c-é' };
    expect(decodeHello(encodeHello(hello))).toEqual({ ...hello,
      nonce: Uint8Array.from(hello.nonce) });
    const challenge = { from: 1, nonce: new Uint8Array(32).fill(5),
      mac: new Uint8Array(32).fill(6) };
    expect(decodeChallenge(encodeChallenge(challenge))).toEqual(challenge);
  });

  it('malformed ones are described', () => {
    const good = encodeHello({ version: 1, from: 4, to: 2, nonce: freshNonce(),
      clusterId: 'c' });
    expect(decodeHello(good.subarray(0, 10))).toBe('hello of 10 bytes is truncated');
    expect(decodeHello(Buffer.concat([good, Buffer.from([0])])))
      .toBe('hello with a bad cluster id length 1');
    expect(decodeChallenge(new Uint8Array(5))).toBe('challenge of 5 bytes, expected 72');
  });
});

describe('reconnect backoff', () => {
  it.each([
    [0, 0, 25], [0, 0.999, 50], [1, 0, 50], [3, 0.5, 300], [6, 1, 2000], [40, 0, 1000],
  ])('attempt %i, random %f -> %i ms', (attempt, random, delayMs) => {
    expect(reconnectDelayMs(attempt, 50, 2000, () => random)).toBe(delayMs);
  });
});

describe('options', () => {
  const good = { id: 1, clusterId: 'c', secret: 'sixteen bytes!!!', random: Math.random,
    listen: false };
  it.each([
    [{ secret: 'short' }, 'bridge: option secret must be at least 16 bytes (use e.g. 32 ' +
      'random bytes in a file), got "5 bytes"'],
    [{ clusterId: '' }, 'bridge: option clusterId must be a string of 1..128 bytes, got ""'],
    [{ listenPort: 70000 }, 'bridge: option listenPort must be a port in [0, 65535] ' +
      '(0 = any free port), got 70000'],
    [{ queueFramesMax: 0 }, 'bridge: option queueFramesMax must be a positive integer, got 0'],
    [{ frameBytesMax: 10 }, 'bridge: option frameBytesMax must be an integer in [1024, ' +
      '4294967295], got 10'],
    [{ reconnectDelayMsMin: 500, reconnectDelayMsMax: 100 }, 'bridge: option ' +
      'reconnectDelayMsMin must be at most reconnectDelayMsMax (100), got 500'],
    [{ peers: { 1: null } }, 'bridge: option peers must be other nodes than this one, got 1'],
    [{ peers: { 2: { host: 'h', port: 0 } } }, 'bridge: option peers[2].port must be a port ' +
      'in [1, 65535], got 0'],
  ])('%j is refused', async (change, message) => {
    const start = TcpTransport.start({ ...good, ...change });
    await expect(start).rejects.toThrow(TransportError);
    await expect(start).rejects.toThrow(message);
  });
});

/**
 * One TCP connection of the bridge, from either end: the handshake (bridgeHandshake.ts) as
 * dialer or listener, then data frames. Until the handshake completes, only handshake frames
 * of at most handshakeFrameBytesMax bytes are read; anything else closes the connection. After
 * it, raft and fwd frames up to frameBytesMax are handed to `onData`; anything else closes it.
 *
 * A connection reports exactly once how it ended (`onClose`), with a kind the transport
 * counts: `auth` (we refused its credentials: bad MAC, other cluster, wrong or refused node
 * id), `refused` (the other side refused ours), `frame` (garbage, oversized or out-of-place
 * frames), `timeout` (no handshake in time), `io` (socket error or EOF) and `local` (we closed
 * it). Either side that refuses says why in a refuse frame first, so both ends log the cause.
 */
import type { Socket } from 'node:net';
import type { NodeId } from '../codec/types.js';
import { assert } from '../codec/assert.js';
import {
  decodeChallenge, decodeHello, decodeRefuse, encodeChallenge, encodeHello, encodeRefuse,
  freshNonce, handshakeVersion, computeMac, macMatches, type MacInput,
} from './bridgeHandshake.js';
import {
  FrameAssembler, WireType, encodeFrame, handshakeFrameBytesMax, type WireFrame,
} from './bridgeWire.js';

export type CloseKind = 'auth' | 'frame' | 'timeout' | 'refused' | 'io' | 'local';

export interface ConnectionConfig {
  self: NodeId;
  clusterId: string;
  secret: Uint8Array;
  frameBytesMax: number;
  handshakeTimeoutMs: number;
  /** Listener side: whether an authenticated-looking peer id may connect (null = yes). */
  refusePeer: (peer: NodeId) => string | null;
}

export interface ConnectionEvents {
  onAuthenticated(conn: BridgeConnection): void;
  onData(conn: BridgeConnection, frame: WireFrame): void;
  onClose(conn: BridgeConnection, kind: CloseKind, reason: string): void;
}

type State = 'sentHello' | 'awaitHello' | 'awaitProof' | 'awaitAccept' | 'open' | 'closed';

export class BridgeConnection {
  /** The authenticated peer (for a dialer, the peer it means to reach, from the start). */
  peer: NodeId;
  /** Set once the handshake completed (stays true after close). */
  authenticated = false;
  private state: State;
  private readonly assembler = new FrameAssembler(handshakeFrameBytesMax);
  private readonly timer: NodeJS.Timeout;
  private dialerNonce: Uint8Array | null = null;
  private listenerNonce: Uint8Array | null = null;

  constructor(
    readonly socket: Socket,
    readonly role: 'dialer' | 'listener',
    private readonly config: ConnectionConfig,
    private readonly events: ConnectionEvents,
    /** Dialer: the node it dials; listener: 0 until the hello names it. */
    peer: NodeId,
  ) {
    this.peer = peer;
    this.state = role === 'dialer' ? 'sentHello' : 'awaitHello';
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 5_000);
    this.timer = setTimeout(() => this.fail('timeout', `no handshake within ` +
      `${config.handshakeTimeoutMs} ms`), config.handshakeTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onChunk(chunk));
    socket.on('error', (error) => this.fail('io', error.message));
    socket.on('close', () => this.fail('io', 'connection closed by the other side'));
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Dialer: call once the socket is connected. */
  start(): void {
    assert(this.role === 'dialer' && this.state === 'sentHello', 'start is for a new dialer');
    this.dialerNonce = freshNonce();
    this.writeFrame(WireType.Hello, encodeHello({
      version: handshakeVersion, from: this.config.self, to: this.peer,
      nonce: this.dialerNonce, clusterId: this.config.clusterId,
    }));
  }

  /**
   * Writes one data frame (parts: header first); `done` is called once with whether the bytes
   * reached the kernel (false: the connection went away first).
   */
  write(parts: Uint8Array[], done: (ok: boolean) => void): void {
    assert(this.state === 'open' || this.state === 'closed', 'data only after the handshake');
    if (this.isClosed() || this.socket.destroyed) {
      done(false);
      return;
    }
    this.socket.cork();
    for (let i = 0; i < parts.length - 1; i++) this.socket.write(parts[i]!);
    this.socket.write(parts[parts.length - 1]!, (error) => done(error === undefined ||
      error === null));
    this.socket.uncork();
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Closes the connection; `onClose` reports kind `local`. */
  close(reason: string): void {
    this.fail('local', reason);
  }

  private onChunk(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.assembler.push(chunk);
    // Loop, not recursion: each iteration takes one whole frame off the buffer.
    while (!this.isClosed()) {
      let frame: WireFrame | null;
      try {
        frame = this.assembler.next();
      } catch (error) {
        this.fail('frame', (error as Error).message);
        return;
      }
      if (frame === null) return;
      if (this.state === 'open') this.onDataFrame(frame);
      else this.onHandshakeFrame(frame);
    }
  }

  private onDataFrame(frame: WireFrame): void {
    if (frame.type !== WireType.Raft && frame.type !== WireType.Forward) {
      this.fail('frame', `frame of type ${frame.type} after the handshake`);
      return;
    }
    this.events.onData(this, frame);
  }

  private onHandshakeFrame(frame: WireFrame): void {
    const expected: Record<string, WireType> = {
      awaitHello: WireType.Hello, sentHello: WireType.Challenge,
      awaitProof: WireType.Proof, awaitAccept: WireType.Accept,
    };
    if (frame.type === WireType.Refuse) {
      const who = this.peer === 0 ? 'the peer' : `node ${this.peer}`;
      this.fail('refused', `${who} refused the handshake: ${decodeRefuse(frame.body)}`);
      return;
    }
    if (frame.type !== expected[this.state]) {
      this.fail('frame', `handshake frame of type ${frame.type} while in state ${this.state}`);
      return;
    }
    switch (this.state) {
      case 'awaitHello': return this.onHello(frame.body);
      case 'sentHello': return this.onChallenge(frame.body);
      case 'awaitProof': return this.onProof(frame.body);
      case 'awaitAccept': return this.becomeOpen();
      default: assert(false, `handshake frame in state ${this.state}`);
    }
  }

  private onHello(body: Uint8Array): void {
    const hello = decodeHello(body);
    if (typeof hello === 'string') return this.fail('frame', hello);
    const { self, clusterId } = this.config;
    if (hello.version !== handshakeVersion) {
      return this.refuse('auth', `handshake version ${hello.version}, expected ` +
        `${handshakeVersion}`);
    }
    if (hello.clusterId !== clusterId) {
      // Our own cluster id is not told to a stranger; theirs goes into our log.
      return this.refuse('auth', `node ${hello.from} belongs to another cluster ` +
        `(${JSON.stringify(hello.clusterId)})`);
    }
    if (hello.to !== self) {
      return this.refuse('auth', `hello for node ${hello.to} reached node ${self}`);
    }
    if (hello.from === self || hello.from < 1) {
      return this.refuse('auth', `hello claims node id ${hello.from}`);
    }
    const refusal = this.config.refusePeer(hello.from);
    if (refusal !== null) return this.refuse('auth', refusal);
    this.peer = hello.from;
    this.dialerNonce = hello.nonce;
    this.listenerNonce = freshNonce();
    const mac = computeMac('listener', this.macInput());
    this.state = 'awaitProof';
    this.writeFrame(WireType.Challenge, encodeChallenge({
      from: self, nonce: this.listenerNonce, mac,
    }));
  }

  private onChallenge(body: Uint8Array): void {
    const challenge = decodeChallenge(body);
    if (typeof challenge === 'string') return this.fail('frame', challenge);
    if (challenge.from !== this.peer) {
      return this.fail('auth', `dialed node ${this.peer} but node ${challenge.from} answered`);
    }
    this.listenerNonce = challenge.nonce;
    if (!macMatches('listener', this.macInput(), challenge.mac)) {
      return this.refuse('auth', `node ${this.peer} failed to prove the cluster secret ` +
        '(bad MAC: is the secret the same on both nodes?)');
    }
    this.state = 'awaitAccept';
    this.writeFrame(WireType.Proof, computeMac('dialer', this.macInput()));
  }

  private onProof(body: Uint8Array): void {
    if (!macMatches('dialer', this.macInput(), body)) {
      return this.refuse('auth', `node ${this.peer} failed to prove the cluster secret ` +
        '(bad MAC: wrong secret, or a replayed handshake)');
    }
    this.writeFrame(WireType.Accept, new Uint8Array(0));
    this.becomeOpen();
  }

  private becomeOpen(): void {
    clearTimeout(this.timer);
    this.state = 'open';
    this.authenticated = true;
    this.assembler.setLimit(this.config.frameBytesMax);
    this.events.onAuthenticated(this);
  }

  private macInput(): MacInput {
    assert(this.dialerNonce !== null && this.listenerNonce !== null, 'both nonces known');
    const dialer = this.role === 'dialer' ? this.config.self : this.peer;
    const listener = this.role === 'dialer' ? this.peer : this.config.self;
    return {
      secret: this.config.secret, clusterId: this.config.clusterId, dialer, listener,
      dialerNonce: this.dialerNonce, listenerNonce: this.listenerNonce,
    };
  }

  /** Tells the dialer why (for its log), then closes. */
  private refuse(kind: CloseKind, reason: string): void {
    this.writeFrame(WireType.Refuse, encodeRefuse(reason));
    this.fail(kind, reason);
  }

  private writeFrame(type: WireType, body: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(encodeFrame(type, body));
  }

  private fail(kind: CloseKind, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.timer);
    // end() lets a queued refusal reach the peer; destroy soon after in case it never drains.
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 100).unref();
    this.events.onClose(this, kind, reason);
  }
}

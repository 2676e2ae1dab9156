/**
 * One client connection: decode → schedule → execute → reply in order.
 *
 * Scheduling (why replies stay in order and each command sees the ones before it):
 * commands are started strictly in arrival order; a command starts only when its kind is
 * compatible with what is in flight (see ExecKind): reads overlap reads, writes overlap writes
 * (the backend applies writes in call order), a read never overlaps a write, `exclusive` runs
 * alone, `local` runs synchronously at its turn. Each command has a slot in arrival order and
 * replies leave from the head of the slot queue, all ready ones in one corked write.
 *
 * Bounds: at most pipelineDepthMax decoded, unanswered commands (and pipelineBytesMax of
 * their arguments); beyond, or while the socket holds more than outputBytesHighWater of
 * unread replies, the socket is paused and the decoder keeps the rest of its chunk. A protocol
 * error is answered after the replies to the commands before it, then the connection closes.
 *
 * Pushes (pub/sub messages, MONITOR lines) arrive from outside the command flow (deliver):
 * they are appended to the outgoing bytes at once, between whole replies, and written at the
 * end of the current turn. A connection that receives pushes is held to the pubsub class of
 * client-output-buffer-limit: past the hard limit, or past the soft one for longer than its
 * grace, it is closed, so a subscriber that stops reading costs a bounded amount of memory.
 *
 * Each reply is written in the protocol in force when its command ran (HELLO switches it
 * between one command and the next), and not at all under CLIENT REPLY OFF / SKIP.
 */
import type { Socket } from 'node:net';
import { AssertionError } from '../codec/assert.js';
import type { KvBackend, RoleInfo } from '../kv/backend.js';
import { ClientState } from './clientState.js';
import type { CommandTable } from './commandTable.js';
import {
  ReplySequence, type CommandContext, type CommandReply, type ExecKind, type ServerView,
} from './commandTypes.js';
import { backendErrorReply } from './errors.js';
import type { ServerLimits } from './limits.js';
import type { EncodedPush, PushTarget } from './pubsub.js';
import { RespDecoder, RespProtocolError } from './respDecoder.js';
import { ReplyBuffer, type RespProtocol, type RespValue } from './respEncoder.js';

interface Slot {
  args: Buffer[];
  bytes: number;
  reply: CommandReply | undefined;
  done: boolean;
  /** The protocol its reply is written in, and whether it is written at all (CLIENT REPLY). */
  protocol: RespProtocol;
  silent: boolean;
}

export class Connection implements PushTarget {
  readonly client: ClientState;
  private readonly decoder: RespDecoder;
  private readonly slots: Slot[] = [];
  /** slots[0..started) have been started. */
  private started = 0;
  private queuedBytes = 0;
  /** Commands decoded so far (progress detection in pump). */
  private decoded = 0;
  private inflight = 0;
  private inflightKind: ExecKind = 'local';
  private protocolError: RespProtocolError | undefined;
  private closing = false;
  private readonly ctx: CommandContext;
  private readonly out = new ReplyBuffer();
  /** When the pending pushes first went past the soft output limit (undefined: below it). */
  private softLimitSinceMs: number | undefined;
  private writeScheduled = false;

  constructor(
    private readonly socket: Socket,
    id: number,
    private readonly table: CommandTable,
    backend: KvBackend,
    private readonly server: ServerView,
    private readonly limits: ServerLimits,
    private readonly onClose: (conn: Connection) => void,
  ) {
    const addr = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    const localAddr = `${socket.localAddress ?? '?'}:${socket.localPort ?? 0}`;
    this.client = new ClientState(id, addr, localAddr, Date.now());
    this.client.authenticated = !server.auth.required;
    this.client.kill = () => this.close();
    this.client.outputBytes = () => this.socket.writableLength + this.out.byteLength();
    this.decoder = new RespDecoder(limits);
    const client = this.client;
    this.ctx = {
      client, backend, server, target: this,
      get consistency() { return client.readonly ? 'local' as const : 'linearizable' as const; },
      role: (): RoleInfo => backend.role(),
    };
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.pump());
    socket.on('error', () => { /* 'close' follows; nothing to answer to. */ });
    socket.on('close', () => {
      this.closing = true;
      server.pubsub.drop(this);
      this.onClose(this);
    });
  }

  /** A pub/sub message or MONITOR line for this client (see the header). */
  deliver(push: EncodedPush): void {
    if (this.closing || this.client.closeRequested) return;
    const bytes = push.bytes(this.client.protocol);
    if (this.overOutputLimit(bytes.length)) {
      this.server.stats.outputBufferLimitDisconnections++;
      this.close();
      return;
    }
    this.out.writeEncoded(bytes);
    if (this.writeScheduled) return;
    this.writeScheduled = true;
    setImmediate(() => {
      this.writeScheduled = false;
      if (!this.closing) this.writeOut();
    });
  }

  private overOutputLimit(extraBytes: number): boolean {
    const limit = this.server.config.outputBufferLimits.pubsub;
    const pending = this.socket.writableLength + this.out.byteLength() + extraBytes;
    if (limit.hardBytes > 0 && pending > limit.hardBytes) return true;
    if (limit.softBytes === 0 || pending <= limit.softBytes) {
      this.softLimitSinceMs = undefined;
      return false;
    }
    const now = Date.now();
    this.softLimitSinceMs ??= now;
    return now - this.softLimitSinceMs > limit.softSeconds * 1000;
  }

  close(): void {
    this.closing = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    this.server.stats.netInputBytes += chunk.length;
    this.client.lastInteractionMs = Date.now();
    this.decoder.feed(chunk);
    this.pump();
  }

  private pump(): void {
    // Local commands finish synchronously, which frees room for more: go round until a pass
    // decodes nothing new (input exhausted, or the window is full of in-flight commands).
    for (;;) {
      if (this.closing) return;
      const before = this.slots.length + this.started;
      const decodedBefore = this.decoded;
      this.decodeMore();
      this.startReady();
      this.flush();
      if (this.decoded === decodedBefore && this.slots.length + this.started === before) break;
    }
    if (this.closing) return;
    if (this.protocolError !== undefined && this.slots.length === 0) {
      this.finishWithProtocolError(this.protocolError);
      return;
    }
    const full = this.slots.length >= this.limits.pipelineDepthMax
      || this.queuedBytes >= this.limits.pipelineBytesMax
      || this.socket.writableLength > this.limits.outputBytesHighWater;
    if (full || this.decoder.hasPendingInput()) this.socket.pause();
    else this.socket.resume();
  }

  private decodeMore(): void {
    while (this.protocolError === undefined
      && this.slots.length < this.limits.pipelineDepthMax
      && this.queuedBytes < this.limits.pipelineBytesMax
      && this.socket.writableLength <= this.limits.outputBytesHighWater) {
      let args: Buffer[] | undefined;
      try {
        args = this.decoder.next();
      } catch (err) {
        if (!(err instanceof RespProtocolError)) throw err;
        this.protocolError = err;
        return;
      }
      if (args === undefined) return;
      let bytes = 0;
      for (const arg of args) bytes += arg.length;
      this.slots.push({
        args, bytes, reply: undefined, done: false, protocol: 2, silent: false,
      });
      this.decoded++;
      this.queuedBytes += bytes;
    }
  }

  private startReady(): void {
    while (this.started < this.slots.length && !this.client.closeRequested) {
      const slot = this.slots[this.started]!;
      const kind = this.table.kindOf(this.ctx, slot.args);
      if (!this.canStart(kind)) return;
      this.started++;
      this.run(slot, kind);
    }
  }

  private canStart(kind: ExecKind): boolean {
    if (this.inflight === 0) return true;
    if (this.inflightKind === 'exclusive' || kind === 'exclusive') return false;
    if (kind === 'local') return true;
    return kind === this.inflightKind;
  }

  private run(slot: Slot, kind: ExecKind): void {
    const client = this.client;
    const skip = client.replySkipNext;
    client.replySkipNext = false;
    // An asynchronous command answers in the protocol and reply mode of when it started; a
    // synchronous one in those it leaves behind (HELLO 3 answers in RESP3, CLIENT REPLY ON
    // is answered), as in Redis, where a command's reply is written as it runs.
    slot.protocol = client.protocol;
    slot.silent = skip || client.replyOff;
    let result: CommandReply | Promise<CommandReply>;
    try {
      result = this.table.execute(this.ctx, slot.args);
    } catch (err) {
      result = this.errorReply(err);
    }
    if (!(result instanceof Promise)) {
      slot.reply = result;
      slot.protocol = client.protocol;
      slot.silent = skip || client.replyOff;
      slot.done = true;
      return;
    }
    this.inflight++;
    this.inflightKind = kind === 'local' ? 'exclusive' : kind;
    result.then(
      (reply) => { slot.reply = reply; },
      (err: unknown) => { slot.reply = this.errorReply(err); },
    ).finally(() => {
      slot.done = true;
      this.inflight--;
      this.pump();
    }).catch((err: unknown) => {
      // An assertion failure is a bug: let it crash the worker rather than hide it.
      queueMicrotask(() => { throw err; });
    });
  }

  private errorReply(err: unknown): RespValue {
    if (err instanceof AssertionError) throw err;
    return backendErrorReply(err, () => this.ctx.role());
  }

  /** Writes the replies of the finished commands at the head of the queue, in one go. */
  private flush(): void {
    let count = 0;
    while (count < this.slots.length && count < this.started && this.slots[count]!.done) {
      const slot = this.slots[count]!;
      if (!slot.silent) this.writeReply(slot.protocol, slot.reply ?? null);
      this.queuedBytes -= slot.bytes;
      count++;
      if (this.client.closeRequested && count === this.started) break;
    }
    if (count === 0) return;
    this.slots.splice(0, count);
    this.started -= count;
    this.writeOut();
    if (this.client.closeRequested && this.started === 0) {
      this.closing = true;
      endSocket(this.socket);
    }
  }

  private writeReply(protocol: RespProtocol, reply: CommandReply): void {
    this.out.protocol = protocol;
    if (reply instanceof ReplySequence) for (const one of reply.replies) this.out.write(one);
    else this.out.write(reply);
  }

  private writeOut(): void {
    const chunks = this.out.take();
    if (chunks.length === 0) return;
    this.socket.cork();
    for (const chunk of chunks) {
      this.server.stats.netOutputBytes += chunk.length;
      this.socket.write(chunk);
    }
    this.socket.uncork();
  }

  private finishWithProtocolError(err: RespProtocolError): void {
    this.closing = true;
    if (err.reply !== undefined) this.writeReply(this.client.protocol, { error: err.reply });
    this.writeOut();
    endSocket(this.socket);
  }
}

/** How long a closing connection keeps draining the client's bytes before it is destroyed. */
const lingerMs = 2000;

/**
 * Sends what is buffered, then closes. Reading goes on (bytes discarded) until the client
 * closes its side: closing a socket with unread input makes the kernel send a reset, which can
 * destroy the final reply (the error saying why) before the client reads it.
 */
export function endSocket(socket: Socket): void {
  socket.removeAllListeners('data');
  socket.on('data', () => {});
  socket.end();
  socket.resume();
  setTimeout(() => socket.destroy(), lingerMs).unref();
}

/**
 * A tiny RESP2 client over node:net for the built-in load generator and the experiments (the
 * project depends on no Redis client at run time). Pipelined: replies come back in request
 * order, so pending calls are a FIFO. Bounded: pending calls, reply sizes and nesting depth;
 * a call that gets no reply within its timeout fails and closes the connection (replies after
 * it could no longer be matched to their calls).
 */
import { Socket, connect } from 'node:net';

export type RespReply = string | number | null | RespReply[];

/** The server answered with an error reply (-ERR ..., -TRYAGAIN ..., -MOVED ...). */
export class RespReplyError extends Error {
  override name = 'RespReplyError';
}

/** No reply: the connection failed or closed, or the call timed out. Outcome unknown. */
export class RespConnectionError extends Error {
  override name = 'RespConnectionError';
}

export interface RespClientOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  callTimeoutMs: number;
  /** Sent with AUTH right after connecting (a cluster started with a password). */
  password?: string;
}

const pendingMax = 1024;
const bulkBytesMax = 64 * 1024 * 1024;
const arrayLengthMax = 1 << 20;
const depthMax = 16;

interface Pending {
  resolve: (reply: RespReply) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** One parse attempt: the reply and where it ended, or null when more bytes are needed. */
type Parsed = { value: RespReply | RespReplyError; end: number } | null;

function lineEnd(buf: Buffer, from: number): number {
  return buf.indexOf('\r\n', from);
}

/** Parses one reply at `start`, iteratively (an explicit stack, no recursion). */
export function parseReply(buf: Buffer, start: number): Parsed {
  const stack: { items: RespReply[]; left: number }[] = [];
  let pos = start;
  for (;;) {
    const eol = lineEnd(buf, pos);
    if (eol === -1) return null;
    const type = String.fromCharCode(buf[pos]!);
    const text = buf.toString('utf8', pos + 1, eol);
    pos = eol + 2;
    let value: RespReply | RespReplyError | undefined;
    if (type === '+') value = text;
    else if (type === '-') value = new RespReplyError(text);
    else if (type === ':') value = Number(text);
    else if (type === '$') {
      const length = Number(text);
      if (length < 0) value = null;
      else {
        if (!(length <= bulkBytesMax)) throw new RespConnectionError(`bulk reply of ${text} bytes`);
        if (buf.length < pos + length + 2) return null;
        value = buf.toString('utf8', pos, pos + length);
        pos += length + 2;
      }
    } else if (type === '*') {
      const length = Number(text);
      if (length < 0) value = null;
      else if (length === 0) value = [];
      else {
        if (!(length <= arrayLengthMax)) throw new RespConnectionError(`array reply of ${text}`);
        if (stack.length >= depthMax) throw new RespConnectionError('reply nested too deep');
        stack.push({ items: [], left: length });
        continue;
      }
    } else {
      throw new RespConnectionError(`protocol error: unexpected reply type '${type}'`);
    }
    // Fold the finished value into the open arrays, closing each one that is now full.
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) return { value: value!, end: pos };
      top.items.push(value instanceof RespReplyError ? value.message : value!);
      top.left--;
      if (top.left > 0) break;
      stack.pop();
      value = top.items;
    }
  }
}

function encodeCommand(args: string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) parts.push(`$${Buffer.byteLength(a)}\r\n${a}\r\n`);
  return Buffer.from(parts.join(''));
}

export class RespClient {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private closedError: Error | null = null;

  private constructor(
    private readonly socket: Socket, private readonly options: RespClientOptions,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(new RespConnectionError(error.message)));
    socket.on('close', () => this.fail(new RespConnectionError('connection closed')));
  }

  static connect(options: RespClientOptions): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: options.host, port: options.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new RespConnectionError(`connect to port ${options.port} timed out`));
      }, options.connectTimeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new RespConnectionError(`connect to port ${options.port}: ${error.message}`));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        const client = new RespClient(socket, options);
        if (options.password === undefined) return resolve(client);
        client.call('AUTH', options.password).then(() => resolve(client), (error: Error) => {
          client.close();
          reject(error);
        });
      });
    });
  }

  get isOpen(): boolean {
    return this.closedError === null;
  }

  call(...args: string[]): Promise<RespReply> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    if (this.pending.length >= pendingMax) {
      return Promise.reject(new RespReplyError(`more than ${pendingMax} calls in flight`));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(new RespConnectionError(`no reply within ${this.options.callTimeoutMs} ms`));
      }, this.options.callTimeoutMs);
      this.pending.push({ resolve, reject, timer });
      this.socket.write(encodeCommand(args));
    });
  }

  close(): void {
    this.fail(new RespConnectionError('client closed'));
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    try {
      for (;;) {
        const parsed = parseReply(this.buffer, offset);
        if (parsed === null) break;
        offset = parsed.end;
        const call = this.pending.shift();
        if (call === undefined) throw new RespConnectionError('reply with no call waiting');
        clearTimeout(call.timer);
        if (parsed.value instanceof RespReplyError) call.reject(parsed.value);
        else call.resolve(parsed.value);
      }
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    this.buffer = this.buffer.subarray(offset);
  }

  private fail(error: Error): void {
    if (this.closedError === null) this.closedError = error;
    for (const call of this.pending.splice(0)) {
      clearTimeout(call.timer);
      call.reject(error);
    }
    this.socket.destroy();
  }
}

/**
 * The admin relay between a node worker and the main thread. `HARMONY ...` typed into any
 * node's RESP port reaches that node's backend; the worker cannot act on the cluster itself
 * (killing, restarting and partitioning are the main thread's job), so it posts an
 * AdminRequest on parentPort and waits, bounded in count and time, for the AdminReply the
 * Cluster posts back (src/cluster/admin.ts decides what each command does).
 */
import type { MessagePort } from 'node:worker_threads';
import { assert } from '../codec/assert.js';
import type { ReplyValue } from '../kv/backend.js';

export interface AdminRequest {
  kind: 'admin';
  /** The node whose client sent the command. */
  from: number;
  requestId: number;
  args: string[];
}

export interface AdminReply {
  kind: 'admin-reply';
  requestId: number;
  reply: ReplyValue;
}

export function isAdminRequest(value: unknown): value is AdminRequest {
  const v = value as Partial<AdminRequest> | null;
  return typeof v === 'object' && v !== null && v.kind === 'admin' &&
    typeof v.requestId === 'number' && Array.isArray(v.args);
}

function isAdminReply(value: unknown): value is AdminReply {
  const v = value as Partial<AdminReply> | null;
  return typeof v === 'object' && v !== null && v.kind === 'admin-reply' &&
    typeof v.requestId === 'number';
}

export interface AdminRelayOptions {
  /** A restart of another node waits for its recovery; 15 s covers a large WAL replay. */
  timeoutMs: number;
  pendingMax: number;
  argBytesMax: number;
}

export const adminRelayDefaults: AdminRelayOptions = {
  timeoutMs: 15_000, pendingMax: 32, argBytesMax: 1024,
};

/**
 * Worker side: returns the backend's `admin` handler. Every request ends: with the main
 * thread's reply, or with an -ERR after timeoutMs (the main thread may be busy or the request
 * may have killed this very node, in which case the reply was sent before the kill).
 */
export function createAdminRelay(
  port: MessagePort, from: number, options: AdminRelayOptions = adminRelayDefaults,
): (args: Uint8Array[]) => Promise<ReplyValue> {
  const pending = new Map<number, (reply: ReplyValue) => void>();
  let nextRequestId = 1;
  port.on('message', (message: unknown) => {
    if (!isAdminReply(message)) return;
    const resolve = pending.get(message.requestId);
    if (resolve !== undefined) resolve(message.reply);
  });
  return (args) => {
    if (pending.size >= options.pendingMax) {
      return Promise.resolve({
        error: `ERR too many HARMONY commands in flight (${options.pendingMax}); retry later`,
      });
    }
    if (args.some((a) => a.length > options.argBytesMax)) {
      return Promise.resolve({
        error: `ERR HARMONY argument longer than ${options.argBytesMax} bytes`,
      });
    }
    const requestId = nextRequestId++;
    const request: AdminRequest = {
      kind: 'admin', from, requestId, args: args.map((a) => Buffer.from(a).toString('utf8')),
    };
    return new Promise<ReplyValue>((resolve) => {
      const timer = setTimeout(() => {
        pending.delete(requestId);
        resolve({ error: `ERR HARMONY ${request.args[0] ?? ''} got no answer from the cluster ` +
          `within ${options.timeoutMs} ms; check HARMONY STATUS` });
      }, options.timeoutMs);
      pending.set(requestId, (reply) => {
        clearTimeout(timer);
        pending.delete(requestId);
        resolve(reply);
      });
      assert(pending.size <= options.pendingMax, 'admin relay pending bound');
      port.postMessage(request);
    });
  };
}

/**
 * Request forwarding between nodes: a follower sends a client request to the leader over the
 * cluster's own channels (Transport.sendForward) and relays the answer. Requests and replies
 * are structured-clone encoded (node:v8), which carries Uint8Array and bigint as they are;
 * only cluster members (authenticated peers) can send them.
 *
 * Bounded: at most `pendingMax` requests in flight, each with a timeout. A forwarded write
 * that times out has an unknown outcome (the leader may have applied it).
 */
import { deserialize, serialize } from 'node:v8';
import { AssertionError } from '../codec/assert.js';
import type { NodeId } from '../codec/types.js';
import type { Transport } from '../transport/index.js';
import type { KvResult, ScanOptions, ScanResult } from '../kv/index.js';
import {
  errorFromName, OutcomeUnknownError, OverloadedError, TryAgainError,
} from '../kv/index.js';

/** A request forwarded to the leader; ops travel encoded (src/kv/codec.ts), as the log holds
 * them. */
export type ForwardRequest =
  | { method: 'write'; op: Uint8Array }
  | { method: 'read'; op: Uint8Array }
  | { method: 'scan'; options: ScanOptions };

export type ForwardAnswer = KvResult | ScanResult;

type ForwardReply =
  | { ok: true; value: ForwardAnswer }
  | { ok: false; name: string; message: string; leaderId?: number };

interface Pending {
  resolve(value: ForwardAnswer): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  isWrite: boolean;
  /** The node the request was forwarded to. */
  leader: NodeId;
}

export interface ForwarderOptions {
  pendingMax: number;
  timeoutMs: number;
}

/** Rebuilds a remote error with its class name so the RESP layer maps it the same way. */
function remoteError(reply: Extract<ForwardReply, { ok: false }>): Error {
  return errorFromName(reply.name, reply.message, reply.leaderId);
}

export class Forwarder {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly transport: Transport,
    private readonly options: ForwarderOptions,
    /** Serves a request that arrived from a follower (this node believes it leads). */
    private readonly serve: (request: ForwardRequest) => Promise<ForwardAnswer>,
  ) {
    transport.onForward((from, kind, requestId, payload) => {
      if (kind === 'forward') void this.onRequest(from, requestId, payload);
      else if (kind === 'forward-reply') this.onReply(requestId, payload);
    });
  }

  forward(leader: NodeId, request: ForwardRequest): Promise<ForwardAnswer> {
    if (this.pending.size >= this.options.pendingMax) {
      return Promise.reject(new OverloadedError(
        `${this.pending.size} requests are being forwarded to the leader (limit ` +
          `${this.options.pendingMax}); slow down and retry`));
    }
    const id = this.nextId++;
    const isWrite = request.method === 'write';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(id)) return;
        reject(isWrite
          ? new OutcomeUnknownError(`no answer from leader node ${leader} within ` +
            `${this.options.timeoutMs} ms; the write may or may not have taken effect`)
          : new TryAgainError(`no answer from leader node ${leader} within ` +
            `${this.options.timeoutMs} ms; retry`));
      }, this.options.timeoutMs);
      this.pending.set(id, { resolve, reject, timer, isWrite, leader });
      const sent =
        this.transport.sendForward(leader, 'forward', id, new Uint8Array(serialize(request)));
      if (!sent) {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(new TryAgainError(
          `cannot reach leader node ${leader} to forward the request; retry`));
      }
    });
  }

  private async onRequest(from: NodeId, requestId: number, payload: Uint8Array): Promise<void> {
    let reply: ForwardReply;
    try {
      const request = deserialize(payload) as ForwardRequest;
      reply = { ok: true, value: await this.serve(request) };
    } catch (error) {
      // A bug on the leader is the leader's to crash on, never a reply (fail-stop).
      if (error instanceof AssertionError || !(error instanceof Error)) {
        queueMicrotask(() => { throw error; });
        return;
      }
      const e = error as Error & { leaderId?: number };
      reply = { ok: false, name: e.name, message: e.message, leaderId: e.leaderId };
    }
    this.transport.sendForward(from, 'forward-reply', requestId, new Uint8Array(serialize(reply)));
  }

  private onReply(requestId: number, payload: Uint8Array): void {
    const pending = this.pending.get(requestId);
    if (pending === undefined) return; // timed out already
    this.pending.delete(requestId);
    clearTimeout(pending.timer);
    let reply: ForwardReply;
    try {
      reply = deserialize(payload) as ForwardReply;
    } catch (error) {
      pending.reject(
        new OutcomeUnknownError(`undecodable reply from the leader: ${(error as Error).message}`));
      return;
    }
    if (reply.ok) pending.resolve(reply.value);
    else pending.reject(remoteError(reply));
  }

  /**
   * The leader changed: requests forwarded to another node will most likely never be answered
   * (it crashed or was cut off), so they fail now instead of at their timeout. A write's
   * outcome is unknown (the old leader may have applied it); a read can simply be retried.
   */
  failPendingNotTo(leader: NodeId): void {
    for (const [id, pending] of this.pending) {
      if (pending.leader === leader) continue;
      this.pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(pending.isWrite
        ? new OutcomeUnknownError(`leadership moved away from node ${pending.leader} before it ` +
          'answered a forwarded write; it may or may not have taken effect')
        : new TryAgainError(`leadership moved away from node ${pending.leader} before it ` +
          'answered a forwarded read; retry'));
    }
  }

  /** Fails everything in flight (the node is stopping). */
  close(reason: Error): void {
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      clearTimeout(pending.timer);
      pending.reject(pending.isWrite ? new OutcomeUnknownError(reason.message) : reason);
    }
  }
}

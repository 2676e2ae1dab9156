/**
 * Pending ReadIndex requests on the leader (etcd read_only.go, ReadOnlySafe). A request is
 * recorded with the commit index at arrival; the leader then sends heartbeats carrying the
 * request's context. When a majority echoes a context, this leader was still the leader when
 * the request arrived, so the recorded index is safe to read at — for that request and every
 * request queued before it (batching: one round can answer many).
 */
import { assert } from '../codec/assert.js';
import type { LogIndex, Message, NodeId } from '../codec/types.js';

export interface ReadIndexStatus {
  request: Message;
  index: LogIndex;
  acks: Set<NodeId>;
}

/** Bound on requests waiting for a heartbeat round. */
export const PENDING_READ_INDEX_MAX = 4096;

export function contextKey(ctx: Uint8Array): string {
  let s = '';
  for (let i = 0; i < ctx.length; i++) s += String.fromCharCode(ctx[i]!);
  return s;
}

export class ReadOnly {
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  size(): number {
    return this.queue.length;
  }

  /** Records a request (ignored when its context is already pending). */
  addRequest(index: LogIndex, request: Message): void {
    const key = contextKey(request.context);
    if (this.pending.has(key)) return;
    this.pending.set(key, { request, index, acks: new Set() });
    this.queue.push(key);
  }

  /** Records that `id` echoed `ctx`; returns the acknowledgers so far (undefined: unknown ctx). */
  recvAck(id: NodeId, ctx: Uint8Array): ReadonlySet<NodeId> | undefined {
    const status = this.pending.get(contextKey(ctx));
    if (status === undefined) return undefined;
    status.acks.add(id);
    return status.acks;
  }

  /** Removes and returns every request up to and including the one with `ctx`. */
  advance(ctx: Uint8Array): ReadIndexStatus[] {
    const key = contextKey(ctx);
    const at = this.queue.indexOf(key);
    if (at < 0) return [];
    const done: ReadIndexStatus[] = [];
    for (const k of this.queue.slice(0, at + 1)) {
      const status = this.pending.get(k);
      assert(status !== undefined, 'read-only queue and map disagree');
      this.pending.delete(k);
      done.push(status);
    }
    this.queue = this.queue.slice(at + 1);
    return done;
  }

  /** The context of the newest pending request (heartbeats carry it), or undefined. */
  lastPendingRequestContext(): Uint8Array | undefined {
    if (this.queue.length === 0) return undefined;
    return this.pending.get(this.queue[this.queue.length - 1]!)!.request.context;
  }
}

/**
 * Applies one KvOp to a KvStore with Redis's semantics and returns its reply. Pure: the only
 * effects are the store's, and everything beyond the store comes from the ApplyContext (the
 * log entry), so every replica computes the same thing. The node calls it for every committed
 * entry inside the B+ tree write transaction that covers the whole batch, so a `multi` is
 * atomic by construction: all its sub-ops land in the same transaction and no reader sees a
 * partial block. readKvOp serves a standalone read from a read view.
 */
import { assert, unreachable } from '../codec/assert.js';
import { parseInt64 } from './integer.js';
import {
  int64Max, int64Min, kvErrors, valueBytesMax, type ApplyContext, type KvOp, type KvResult,
  type ReadContext,
} from './op.js';
import { okReply } from './reply.js';
import type { KvReadStore, KvStore } from './store.js';

const ok: KvResult = okReply;
const encoder = new TextEncoder();

const readOpTypes = new Set<KvOp['type']>(['get', 'mget', 'exists', 'strlen', 'count']);

/** Whether the op only reads (served from a read view, never proposed on its own). */
export function isReadOp(op: KvOp): boolean {
  return readOpTypes.has(op.type);
}

export function applyKvOp(store: KvStore, op: KvOp, ctx: ApplyContext): KvResult {
  assert(Number.isSafeInteger(ctx.index) && ctx.index > 0, 'apply context has an entry index');
  if (op.type !== 'multi') return applySingle(store, op);
  // Like Redis EXEC: every sub-op runs, and a sub-op's error is its own result only.
  const results: KvResult[] = [];
  for (const sub of op.ops) {
    assert(sub.type !== 'multi', 'multi ops are never nested');
    results.push(applySingle(store, sub));
  }
  return results;
}

/** Serves a read op from a read-only view (a linearizable read after its read barrier). */
export function readKvOp(store: KvReadStore, op: KvOp, ctx: ReadContext): KvResult {
  assert(isReadOp(op), `readKvOp: ${op.type} is not a read`);
  assert(Number.isFinite(ctx.timeMs), 'read context has a time');
  return applyRead(store, op);
}

function applySingle(store: KvStore, op: KvOp): KvResult {
  switch (op.type) {
    case 'put': return applyPut(store, op);
    case 'del': {
      let removed = 0;
      for (const key of op.keys) if (store.delete(key)) removed++;
      return removed;
    }
    case 'cas': return applyCas(store, op);
    case 'incrBy': return applyIncrBy(store, op.key, op.delta);
    case 'append': {
      const old = store.get(op.key);
      const oldBytes = old === undefined ? 0 : old.length;
      if (oldBytes + op.value.length > valueBytesMax) {
        return { error: kvErrors.tooBig };
      }
      const next = new Uint8Array(oldBytes + op.value.length);
      if (old !== undefined) next.set(old, 0);
      next.set(op.value, oldBytes);
      store.put(op.key, next);
      return next.length;
    }
    case 'getset': {
      const old = store.get(op.key);
      store.put(op.key, op.value);
      return old ?? null;
    }
    case 'mset':
      for (const [key, value] of op.entries) store.put(key, value);
      return ok;
    case 'flushall':
      store.clear();
      return ok;
    case 'get': case 'mget': case 'exists': case 'strlen': case 'count':
      return applyRead(store, op);
    case 'multi': return assert(false, 'multi handled by applyKvOp') as never;
    default: return unreachable(op, 'KvOp type');
  }
}

function applyRead(store: KvReadStore, op: KvOp): KvResult {
  switch (op.type) {
    case 'get': return store.get(op.key) ?? null;
    case 'mget': return op.keys.map((key) => store.get(key) ?? null);
    case 'exists': {
      // Redis counts a key once per time it is named: EXISTS a a → 2.
      let present = 0;
      for (const key of op.keys) if (store.get(key) !== undefined) present++;
      return present;
    }
    case 'strlen': return store.get(op.key)?.length ?? 0;
    case 'count': return store.count();
    default: return assert(false, `${op.type} is not a read op`) as never;
  }
}

function applyPut(store: KvStore, op: Extract<KvOp, { type: 'put' }>): KvResult {
  assert(typeof op.get === 'boolean', 'put.get is a boolean');
  const old = store.get(op.key);
  const allowed = op.condition === 'always'
    || (op.condition === 'nx' && old === undefined)
    || (op.condition === 'xx' && old !== undefined);
  if (allowed) store.put(op.key, op.value);
  // SET ... GET answers the old value whether or not the condition let the write happen.
  if (op.get) return old ?? null;
  return allowed ? ok : null;
}

function applyCas(store: KvStore, op: Extract<KvOp, { type: 'cas' }>): KvResult {
  const current = store.get(op.key);
  const matches = op.expected === null
    ? current === undefined
    : current !== undefined && bytesEqual(current, op.expected);
  if (!matches) return 0;
  store.put(op.key, op.value);
  return 1;
}

function applyIncrBy(store: KvStore, key: Uint8Array, delta: bigint): KvResult {
  assert(delta >= int64Min && delta <= int64Max, 'incrBy delta is a signed 64-bit integer');
  const old = store.get(key);
  let current = 0n;
  if (old !== undefined) {
    const parsed = parseInt64(old);
    if (parsed === undefined) return { error: kvErrors.notInteger };
    current = parsed;
  }
  const next = current + delta;
  if (next < int64Min || next > int64Max) return { error: kvErrors.overflow };
  store.put(key, encoder.encode(next.toString()));
  return Number.isSafeInteger(Number(next)) ? Number(next) : next;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Bytewise (memcmp) order, the order of the B+ tree and of RANGE/SCAN. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * Applies one KvOp to a KvStore with Redis's semantics and returns its result. Pure: the only
 * effects are the store's. The node calls it for every committed entry inside the B+ tree
 * write transaction that covers the whole Ready, so a `multi` is atomic by construction: all
 * its sub-ops land in the same transaction and no reader sees a partial block.
 */
import { assert, unreachable } from '../codec/assert.js';
import { parseInt64 } from './integer.js';
import { int64Max, int64Min, kvErrors, valueBytesMax, type KvOp, type KvResult } from './op.js';
import type { KvStore } from './store.js';

const ok: KvResult = { kind: 'ok' };
const encoder = new TextEncoder();

export function applyKvOp(store: KvStore, op: KvOp): KvResult {
  if (op.type !== 'multi') return applySingle(store, op);
  // Like Redis EXEC: every sub-op runs, and a sub-op's error is its own result only.
  const results: KvResult[] = [];
  for (const sub of op.ops) {
    assert(sub.type !== 'multi', 'multi ops are never nested');
    results.push(applySingle(store, sub));
  }
  return { kind: 'multi', results };
}

function applySingle(store: KvStore, op: KvOp): KvResult {
  switch (op.type) {
    case 'put': return applyPut(store, op);
    case 'del': {
      let removed = 0;
      for (const key of op.keys) if (store.delete(key)) removed++;
      return { kind: 'int', value: removed };
    }
    case 'cas': return applyCas(store, op);
    case 'incrBy': return applyIncrBy(store, op.key, op.delta);
    case 'append': {
      const old = store.get(op.key);
      const oldBytes = old === undefined ? 0 : old.length;
      if (oldBytes + op.value.length > valueBytesMax) {
        return { kind: 'error', message: kvErrors.tooBig };
      }
      const next = new Uint8Array(oldBytes + op.value.length);
      if (old !== undefined) next.set(old, 0);
      next.set(op.value, oldBytes);
      store.put(op.key, next);
      return { kind: 'int', value: next.length };
    }
    case 'getset': {
      const old = store.get(op.key);
      store.put(op.key, op.value);
      return { kind: 'bulk', value: old ?? null };
    }
    case 'mset':
      for (const [key, value] of op.entries) store.put(key, value);
      return ok;
    case 'flushall':
      store.clear();
      return ok;
    case 'get': return { kind: 'bulk', value: store.get(op.key) ?? null };
    case 'mget': return { kind: 'array', values: op.keys.map((key) => store.get(key) ?? null) };
    case 'exists': {
      // Redis counts a key once per time it is named: EXISTS a a → 2.
      let present = 0;
      for (const key of op.keys) if (store.get(key) !== undefined) present++;
      return { kind: 'int', value: present };
    }
    case 'strlen': return { kind: 'int', value: store.get(op.key)?.length ?? 0 };
    case 'count': return { kind: 'int', value: store.count() };
    case 'multi': return assert(false, 'multi handled by applyKvOp') as never;
    default: return unreachable(op, 'KvOp type');
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
  if (op.get) return { kind: 'bulk', value: old ?? null };
  return allowed ? ok : { kind: 'bulk', value: null };
}

function applyCas(store: KvStore, op: Extract<KvOp, { type: 'cas' }>): KvResult {
  const current = store.get(op.key);
  const matches = op.expected === null
    ? current === undefined
    : current !== undefined && bytesEqual(current, op.expected);
  if (!matches) return { kind: 'int', value: 0 };
  store.put(op.key, op.value);
  return { kind: 'int', value: 1 };
}

function applyIncrBy(store: KvStore, key: Uint8Array, delta: bigint): KvResult {
  assert(delta >= int64Min && delta <= int64Max, 'incrBy delta is a signed 64-bit integer');
  const old = store.get(key);
  let current = 0n;
  if (old !== undefined) {
    const parsed = parseInt64(old);
    if (parsed === undefined) return { kind: 'error', message: kvErrors.notInteger };
    current = parsed;
  }
  const next = current + delta;
  if (next < int64Min || next > int64Max) return { kind: 'error', message: kvErrors.overflow };
  store.put(key, encoder.encode(next.toString()));
  return { kind: 'int', value: next };
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

/**
 * Each simulated node's state machine: a Map of string keys to string values with the
 * semantics of src/check's model (get/put/del/cas), plus the command encoding that travels in
 * Raft entries and the snapshot encoding that travels in InstallSnapshot.
 *
 * A command carries the request id of the client operation that proposed it, so the node that
 * proposed it can answer the client when it applies the entry (and only then: docs/design.md,
 * "a write is acknowledged only after it is committed AND applied").
 */
import { assert } from '../../src/codec/assert.js';
import { applyModelOp, type ModelOp, type ModelResult } from '../../src/check/index.js';

export interface Command {
  requestId: number;
  op: ModelOp;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeCommand(cmd: Command): Uint8Array {
  return encoder.encode(JSON.stringify([cmd.requestId, cmd.op]));
}

export function decodeCommand(data: Uint8Array): Command {
  const parsed = JSON.parse(decoder.decode(data)) as [number, ModelOp];
  assert(Array.isArray(parsed) && parsed.length === 2, 'command is a [requestId, op] pair');
  return { requestId: parsed[0], op: parsed[1] };
}

export class KvMachine {
  private readonly map = new Map<string, string>();
  /** Index of the last entry (or snapshot) applied. */
  appliedIndex = 0;

  apply(index: number, op: ModelOp): ModelResult {
    assert(index > this.appliedIndex, `apply ${index} after ${this.appliedIndex}: out of order`);
    this.appliedIndex = index;
    return this.execute(op);
  }

  /** An entry with no command (the leader's empty entry, a conf change) still moves applied. */
  skip(index: number): void {
    assert(index > this.appliedIndex, `skip ${index} after ${this.appliedIndex}: out of order`);
    this.appliedIndex = index;
  }

  /** Runs `op` against the current state (reads use this directly). */
  execute(op: ModelOp): ModelResult {
    const before = this.map.get(op.key) ?? null;
    const { result, next } = applyModelOp(before, op);
    if (next === null) this.map.delete(op.key);
    else this.map.set(op.key, next);
    return result;
  }

  read(key: string): string | null {
    return this.map.get(key) ?? null;
  }

  /** Snapshot bytes: the sorted entries, so equal states give equal bytes. */
  encode(): Uint8Array {
    return encoder.encode(JSON.stringify(this.sortedEntries()));
  }

  restore(index: number, data: Uint8Array): void {
    this.map.clear();
    if (data.length > 0) {
      const pairs = JSON.parse(decoder.decode(data)) as Array<[string, string]>;
      for (const [k, v] of pairs) this.map.set(k, v);
    }
    this.appliedIndex = index;
  }

  /** A 32-bit digest of the state, for comparing nodes' states at one index. */
  digest(): number {
    let h = 0x811c9dc5;
    for (const [k, v] of this.sortedEntries()) {
      for (const s of [k, v]) {
        for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
        h = Math.imul(h ^ 0xff, 0x01000193);
      }
    }
    return h >>> 0;
  }

  private sortedEntries(): Array<[string, string]> {
    return [...this.map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}

/** A 32-bit hash of bytes (entry identity in the safety registry). */
export function hashBytes(data: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
  return (h ^ data.length) >>> 0;
}

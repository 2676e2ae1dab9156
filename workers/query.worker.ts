/**
 * Piscina tasks over B+ tree pages, run off the node thread (docs/design.md): encoding a
 * state-machine snapshot from a read view while the node keeps applying writes, and serving
 * large range scans. Each task attaches to the node's SharedArrayBuffer arena by its handle;
 * the view it opens pins its version until the task is done.
 */
import { BTree, encodeSnapshot, type BTreeHandle } from '../src/btree/index.js';
import { scanView } from '../src/node/scan.js';
import type { ScanOptions, ScanResult } from '../src/kv/index.js';

export type QueryTask =
  | { kind: 'snapshot'; handle: BTreeHandle }
  | { kind: 'scan'; handle: BTreeHandle; options: ScanOptions };

export interface SnapshotTaskResult {
  appliedIndex: number;
  data: Uint8Array;
}

export default function runQuery(task: QueryTask): SnapshotTaskResult | ScanResult {
  const view = BTree.attach(task.handle).read();
  try {
    if (task.kind === 'scan') return scanView(view, task.options);
    const chunks = [...encodeSnapshot(view)];
    const data = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let offset = 0;
    for (const chunk of chunks) {
      data.set(chunk, offset);
      offset += chunk.length;
    }
    // Copied back by structured clone: piscina transfers only a top-level moved value, and the
    // applied index must travel with the bytes. Snapshots are rare; the copy is acceptable.
    return { appliedIndex: view.appliedIndex, data };
  } finally {
    view.close();
  }
}

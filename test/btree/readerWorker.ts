/**
 * Worker-thread side of test/btree/readers.test.ts: attaches to a tree by its handle and reads.
 *  mode 'scan': until the stop flag is set, open a view, sum every balance, check the sum and
 *               count against the invariant, that keys ascend and that a key scanned reads back
 *               by get (long keys too), close; report scans, failures, versions seen.
 *  mode 'hold': open a view, report its version, keep it until told 'close'.
 *  mode 'die':  open a view, report it, never close it (the test terminates this thread).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BTree, type BTreeHandle } from '../../src/btree/index.js';

interface Data {
  handle: BTreeHandle;
  control: Int32Array;
  mode: 'scan' | 'hold' | 'die';
  total: number;
}

const { handle, control, mode, total } = workerData as Data;
const port = parentPort!;
const reader = BTree.attach(handle);

function balanceOf(value: Uint8Array): number {
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getFloat64(0, true);
}

if (mode === 'scan') {
  let scans = 0;
  const failures: string[] = [];
  const versions = new Set<number>();
  while (Atomics.load(control, 0) === 0) {
    const view = reader.read();
    try {
      let sum = 0;
      let count = 0;
      let previous: Uint8Array | undefined;
      for (const [key, value] of view.scan()) {
        sum += balanceOf(value);
        if (previous && Buffer.compare(previous, key) >= 0) failures.push('keys out of order');
        if (count % 97 === 0 && balanceOf(view.get(key)!) !== balanceOf(value)) {
          failures.push(`version ${view.version}: get disagrees with scan`);
        }
        previous = key;
        count++;
      }
      if (sum !== total) failures.push(`version ${view.version}: sum ${sum} != ${total}`);
      if (count !== view.count()) failures.push(`version ${view.version}: count mismatch`);
      if (scans % 50 === 0) view.checkInvariants();
      versions.add(view.version);
      scans++;
    } catch (error) {
      failures.push(String(error));
    } finally {
      view.close();
    }
  }
  port.postMessage({ scans, failures: failures.slice(0, 5), versions: versions.size });
} else {
  const view = reader.read();
  port.postMessage({ opened: view.version });
  if (mode === 'hold') {
    port.on('message', () => {
      let sum = 0;
      for (const [, value] of view.scan()) sum += balanceOf(value);
      view.close();
      port.postMessage({ closed: true, sum });
      port.close();
    });
  }
}

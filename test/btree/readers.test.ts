// Proves read views in REAL worker threads see exactly one committed version while the writer
// commits thousands of transactions: a sum-preserving workload (transfers between accounts,
// accounts created and removed) where every reader scan must add up to the same total. Also
// proves that page memory stops growing once a reader holding an old version closes, that a
// killed reader thread's slot is freed by releaseReaderSlotsOf, and that a stale lease is
// reaped with the expired view refusing to read (ReaderExpiredError). In the first test one
// account in four has a long key (a shared 3,000-byte stem, so keys and branch separators carry
// overflow chains) that readers compare and copy while the writer frees and reuses pages.
// Workers load dist/: run `npx tsc -p .` first (npm test does).
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { BTree, ReaderExpiredError, type WriteTxn } from '../../src/btree/index.js';

const workerUrl = new URL('../../dist/test/btree/readerWorker.js', import.meta.url);
const ACCOUNTS = 2000;
const BALANCE = 1000;
const TOTAL = ACCOUNTS * BALANCE;

const LONG_STEM = 'x'.repeat(3000);
let longKeys = false;

function key(i: number): Uint8Array {
  const stem = longKeys && i % 4 === 0 ? LONG_STEM : '';
  return new TextEncoder().encode(`account:${stem}${String(i).padStart(8, '0')}`);
}
function valueOf(balance: number): Uint8Array {
  const value = new Uint8Array(64);
  new DataView(value.buffer).setFloat64(0, balance, true);
  return value;
}
function balance(value: Uint8Array): number {
  return new DataView(value.buffer, value.byteOffset, 8).getFloat64(0, true);
}

/** Seeded PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Bank {
  private readonly live: number[] = [];
  private next = ACCOUNTS;
  constructor(
    readonly tree: BTree,
    private readonly random: () => number,
  ) {
    const txn = tree.write();
    for (let i = 0; i < ACCOUNTS; i++) {
      txn.put(key(i), valueOf(BALANCE));
      this.live.push(i);
    }
    txn.commit();
  }

  private pick(): number {
    return this.live[Math.floor(this.random() * this.live.length)]!;
  }

  private move(txn: WriteTxn, from: number, to: number, amount: number): void {
    const a = balance(txn.get(key(from))!);
    const b = balance(txn.get(key(to))!);
    txn.put(key(from), valueOf(a - amount));
    txn.put(key(to), valueOf(b + amount));
  }

  /** One transaction: transfers, plus now and then an account opened or closed. */
  commitOne(index: number): void {
    const txn = this.tree.write();
    for (let i = 0; i < 8; i++) {
      const from = this.pick();
      const to = this.pick();
      if (from !== to) this.move(txn, from, to, Math.floor(this.random() * 50));
    }
    if (this.random() < 0.2) {
      const from = this.pick();
      const opened = this.next++;
      txn.put(key(opened), valueOf(0));
      this.move(txn, from, opened, 10);
      this.live.push(opened);
    } else if (this.random() < 0.2 && this.live.length > 100) {
      const at = Math.floor(this.random() * this.live.length);
      const closed = this.live[at]!;
      this.live.splice(at, 1);
      const rest = balance(txn.get(key(closed))!);
      expect(txn.delete(key(closed))).toBe(true);
      const heir = this.pick();
      txn.put(key(heir), valueOf(balance(txn.get(key(heir))!) + rest));
    }
    txn.setAppliedIndex(index);
    txn.commit();
  }
}

function spawn(tree: BTree, mode: string, control: Int32Array): Worker {
  return new Worker(workerUrl, {
    workerData: { handle: tree.handle(), control, mode, total: TOTAL },
  });
}

function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('read views in worker threads', () => {
  it('every reader sees exactly one committed version while 3000 transactions commit', async () => {
    longKeys = true;
    const tree = BTree.create({ chunkPages: 64 });
    const bank = new Bank(tree, prng(42));
    const control = new Int32Array(new SharedArrayBuffer(4));
    const workers = [0, 1, 2].map(() => spawn(tree, 'scan', control));
    type Report = { scans: number; failures: string[]; versions: number };
    const results = workers.map((w) => nextMessage<Report>(w));
    await new Promise((resolve) => setTimeout(resolve, 100)); // let readers start
    for (let i = 1; i <= 3000; i++) {
      bank.commitOne(i);
      if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    Atomics.store(control, 0, 1);
    const reports = await Promise.all(results);
    await Promise.all(workers.map((w) => w.terminate()));
    for (const report of reports) {
      expect(report.failures).toEqual([]);
      expect(report.scans).toBeGreaterThan(5);
      expect(report.versions).toBeGreaterThan(2); // they really raced the writer
    }
    tree.checkInvariants();
    expect(tree.stats().readersActive).toBe(0);
    longKeys = false;
  });

  it('page memory stops growing once an old reader closes its view', async () => {
    const tree = BTree.create({ chunkPages: 16 });
    const bank = new Bank(tree, prng(7));
    const control = new Int32Array(new SharedArrayBuffer(4));
    const holder = spawn(tree, 'hold', control);
    const opened = await nextMessage<{ opened: number }>(holder);
    for (let i = 1; i <= 600; i++) bank.commitOne(i);
    const pinned = tree.stats();
    expect(pinned.oldestReaderVersion).toBe(opened.opened);
    expect(pinned.pagesPending).toBeGreaterThan(1000); // the old version's pages are kept
    holder.postMessage('close');
    const closed = await nextMessage<{ closed: boolean; sum: number }>(holder);
    expect(closed.sum).toBe(TOTAL); // the old version was intact after 600 commits
    await holder.terminate();
    for (let i = 601; i <= 800; i++) bank.commitOne(i);
    const settled = tree.stats();
    for (let i = 801; i <= 2800; i++) bank.commitOne(i);
    const later = tree.stats();
    expect(settled.oldestReaderVersion).toBeNull();
    expect(later.pagesTotal).toBe(settled.pagesTotal); // no growth for 2000 commits
    expect(later.pagesPending).toBeLessThan(100);
    tree.checkInvariants();
  });

  it('a killed reader thread does not pin pages: releaseReaderSlotsOf frees its slot', async () => {
    const tree = BTree.create();
    const bank = new Bank(tree, prng(3));
    const control = new Int32Array(new SharedArrayBuffer(4));
    const doomed = spawn(tree, 'die', control);
    const opened = await nextMessage<{ opened: number }>(doomed);
    const threadId = doomed.threadId;
    await doomed.terminate();
    for (let i = 1; i <= 50; i++) bank.commitOne(i);
    expect(tree.stats().oldestReaderVersion).toBe(opened.opened); // still pinned
    expect(tree.releaseReaderSlotsOf(threadId)).toBe(1);
    bank.commitOne(51);
    expect(tree.stats().oldestReaderVersion).toBeNull();
    expect(tree.stats().pagesPending).toBeLessThan(100);
    tree.checkInvariants();
  });

  it('a view idle past its lease is reaped and then refuses to read', async () => {
    const tree = BTree.create({ readerLeaseMs: 50 });
    const bank = new Bank(tree, prng(5));
    const view = tree.read();
    expect(view.get(key(1))).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 120));
    bank.commitOne(1); // the writer reaps stale leases when a transaction begins
    expect(tree.stats().readersReaped).toBe(1);
    expect(() => view.get(key(1))).toThrow(ReaderExpiredError);
    expect(() => [...view.scan()]).toThrow(ReaderExpiredError);
    view.close();
    // An active view refreshes its lease and is not reaped.
    const busy = tree.read();
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      for (let j = 0; j < 64; j++) busy.get(key(j)); // refreshes the lease
      bank.commitOne(10 + i);
    }
    expect(busy.get(key(1))).toBeDefined();
    busy.close();
  });
});

/**
 * `npm run bench -- wal [--dir DIR] [--seconds S]`: WAL group commit against the disk's floor.
 *
 * 1. Raw floor: 4 KiB pwrite + fdatasync appends into a preallocated file: syncs/s.
 * 2. WAL: save() of 100-byte entries in batches of 1, 16, 256 and 4096 per save (one
 *    fdatasync each): entries/s, MB/s (record bytes), syncs/s, p50/p99 batch latency, and
 *    entries/s as a multiple of the raw sync rate. Targets: batch 256 >= 100x, batch 1 >= 0.8x.
 * Everything runs on the same directory (default: os.tmpdir()), which is removed afterwards.
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { EntryType, type Entry } from '../src/codec/types.js';
import { NodeFileSystem, Wal } from '../src/wal/index.js';

const entryDataBytes = 100;
const batchSizes = [1, 16, 256, 4096];

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}

function rawSyncRate(dir: string, seconds: number): number {
  const file = join(dir, 'raw.bin');
  const fd = openSync(file, 'w+');
  const fileBytes = 64 * 1024 * 1024;
  const zeros = new Uint8Array(1024 * 1024);
  for (let at = 0; at < fileBytes; at += zeros.length) writeSync(fd, zeros, 0, zeros.length, at);
  fdatasyncSync(fd);
  const page = new Uint8Array(4096).fill(7);
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    writeSync(fd, page, 0, page.length, (count * page.length) % fileBytes);
    fdatasyncSync(fd);
    count += 1;
  }
  const elapsedS = (performance.now() - start) / 1000;
  closeSync(fd);
  rmSync(file);
  return count / elapsedS;
}

interface WalRow {
  batch: number;
  entriesPerS: number;
  mbPerS: number;
  syncsPerS: number;
  p50Ms: number;
  p99Ms: number;
}

function walRun(dir: string, batch: number, seconds: number): WalRow {
  const walDir = join(dir, `wal-${batch}`);
  const { wal } = Wal.open(new NodeFileSystem(), walDir);
  const data = new Uint8Array(entryDataBytes).fill(42);
  const latenciesMs: number[] = [];
  let next = 1;
  const syncsBefore = wal.syncCount;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    const entries: Entry[] = [];
    for (let i = 0; i < batch; i++) entries.push(
      { term: 1, index: next + i, type: EntryType.Normal, data });
    const t0 = performance.now();
    wal.save({ term: 1, vote: 1, commit: next - 1 }, entries);
    latenciesMs.push(performance.now() - t0);
    next += batch;
  }
  const elapsedS = (performance.now() - start) / 1000;
  const row: WalRow = {
    batch,
    entriesPerS: (next - 1) / elapsedS,
    mbPerS: wal.sizeBytes / elapsedS / 1e6,
    syncsPerS: (wal.syncCount - syncsBefore) / elapsedS,
    p50Ms: 0,
    p99Ms: 0,
  };
  wal.close();
  rmSync(walDir, { recursive: true, force: true });
  latenciesMs.sort((a, b) => a - b);
  row.p50Ms = percentile(latenciesMs, 0.5);
  row.p99Ms = percentile(latenciesMs, 0.99);
  return row;
}

export async function run(args: string[]): Promise<void> {
  const base = option(args, '--dir') ?? tmpdir();
  const seconds = Number(option(args, '--seconds') ?? '4');
  const dir = mkdtempSync(join(base, 'hdb-bench-wal-'));
  try {
    process.stdout.write(
      `WAL bench in ${dir} (${seconds} s per phase, ${entryDataBytes}-byte entries)\n`);
    const rawRate = rawSyncRate(dir, Math.max(1, seconds * 0.75));
    process.stdout.write(
      `raw 4 KiB write+fdatasync: ${rawRate.toFixed(0)} syncs/s (the floor)\n\n`);
    const header = ['batch', 'entries/s', 'MB/s', 'syncs/s', 'p50 ms', 'p99 ms', 'x raw sync rate'];
    const rows = [header];
    for (const batch of batchSizes) {
      const r = walRun(dir, batch, seconds);
      rows.push([
        String(r.batch), r.entriesPerS.toFixed(0), r.mbPerS.toFixed(2), r.syncsPerS.toFixed(0),
        r.p50Ms.toFixed(3), r.p99Ms.toFixed(3), (r.entriesPerS / rawRate).toFixed(2),
      ]);
    }
    const widths = header.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
    for (const row of rows) {
      process.stdout.write(`${row.map((cell, c) => cell.padStart(widths[c]!)).join('  ')}\n`);
    }
    process.stdout.write('\ntargets: batch 256 >= 100x raw sync rate; batch 1 >= 0.8x\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

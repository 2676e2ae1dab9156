/**
 * `npm run bench -- btree [--sizes 100000,1000000]`: the B+ tree state machine against plain JS
 * references, at 100k and 1M keys (16-byte random keys, 100-byte values):
 *   lookups/s            view.get vs Map.get (string keys prepared in advance: Map's best case)
 *   puts/s, batch 1      one random overwrite per committed transaction vs Map.set
 *   puts/s, batch 1000   1000 random overwrites per committed transaction vs Map.set
 *   load keys/s          initial random inserts, 1000 per transaction vs Map.set
 *   scan keys/s          full ordered scan (key and value copied out) vs a sorted array walk
 *   page bytes/key       pages in use (and allocated) per key vs the raw 116 key+value bytes
 * Targets (issue 5): lookups >= 0.25x Map; 1000-key batches >= 200k keys/s; <= 2.5x raw bytes.
 *
 * Restart (`--restart N`, default 1,000,000; 0 skips): decode a snapshot of N keys like
 * "key:000000123456" with 100-byte values into an empty tree, by the key-by-key insert path
 * (before bulk loading) and by the bulk loader (decodeSnapshot's path now), with the ratio;
 * plus the tree building alone (bulk loader fed pre-parsed entries, no stream parsing or CRC).
 * `--sizes 0` skips the table above. Prints figures; asserts nothing.
 */
import { BTree, decodeSnapshot, encodeSnapshot } from '../src/btree/index.js';
import { seededRandom as prng } from '../src/raft/index.js';

const KEY_BYTES = 16;
const VALUE_BYTES = 100;


function randomBytes(random: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256);
  return out;
}

interface Row {
  what: string;
  tree: number;
  reference: number;
  unit: string;
  target?: string;
}

function timed(run: () => number): { ops: number; seconds: number } {
  const start = process.hrtime.bigint();
  const ops = run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { ops, seconds };
}

function rate(run: () => number): number {
  const { ops, seconds } = timed(run);
  return ops / seconds;
}

async function benchSize(n: number): Promise<Row[]> {
  const random = prng(n);
  const keys: Uint8Array[] = [];
  const strings: string[] = [];
  for (let i = 0; i < n; i++) {
    const key = randomBytes(random, KEY_BYTES);
    keys.push(key);
    strings.push(String.fromCharCode(...key));
  }
  const value = randomBytes(random, VALUE_BYTES);
  const values = keys.map(() => value.slice());
  const rows: Row[] = [];
  const tree = BTree.create({ maxPages: 2 ** 20, chunkPages: 4096 });
  const map = new Map<string, Uint8Array>();

  const treeLoad = rate(() => {
    for (let from = 0; from < n; from += 1000) {
      const txn = tree.write();
      for (let i = from; i < Math.min(n, from + 1000); i++) txn.put(keys[i]!, values[i]!);
      txn.commit();
    }
    return n;
  });
  const mapLoad = rate(() => {
    for (let i = 0; i < n; i++) map.set(strings[i]!, values[i]!);
    return n;
  });
  rows.push(
    { what: 'load (inserts, 1000/txn)', tree: treeLoad, reference: mapLoad, unit: 'keys/s' });

  const probes = Array.from({ length: 1_000_000 }, () => Math.floor(random() * n));
  const view = tree.read();
  let sink = 0;
  const treeGet = rate(() => {
    for (const i of probes) sink += view.get(keys[i]!)!.length;
    return probes.length;
  });
  view.close();
  const mapGet = rate(() => {
    for (const i of probes) sink += map.get(strings[i]!)!.length;
    return probes.length;
  });
  rows.push({
    what: 'point lookups',
    tree: treeGet,
    reference: mapGet,
    unit: 'ops/s',
    target: '>= 0.25x',
  });

  const single = Math.min(20_000, n);
  const treePut1 = rate(() => {
    for (let j = 0; j < single; j++) {
      const txn = tree.write();
      txn.put(keys[probes[j]!]!, value);
      txn.commit();
    }
    return single;
  });
  const mapPut = rate(() => {
    for (const i of probes) map.set(strings[i]!, value);
    return probes.length;
  });
  rows.push({ what: 'random puts, batch 1', tree: treePut1, reference: mapPut, unit: 'keys/s' });
  const batches = 200;
  const treePut1000 = rate(() => {
    for (let b = 0; b < batches; b++) {
      const txn = tree.write();
      for (let j = b * 1000; j < (b + 1) * 1000; j++) txn.put(keys[probes[j]!]!, value);
      txn.commit();
    }
    return batches * 1000;
  });
  rows.push({
    what: 'random puts, batch 1000',
    tree: treePut1000,
    reference: mapPut,
    unit: 'keys/s',
    target: '>= 200k keys/s',
  });

  const sorted = keys.map((key, i) => ({ key, value: values[i]! }));
  sorted.sort((x, y) => Buffer.compare(x.key, y.key));
  const scanView = tree.read();
  const treeScan = rate(() => {
    let count = 0;
    for (const [key, v] of scanView.scan()) {
      sink += key.length + v.length;
      count++;
    }
    return count;
  });
  scanView.close();
  const arrayScan = rate(() => {
    for (const entry of sorted) sink += entry.key.length + entry.value.length;
    return sorted.length;
  });
  rows.push({ what: 'full ordered scan', tree: treeScan, reference: arrayScan, unit: 'keys/s' });

  tree.write().commit(); // release pages pinned by the views above
  const stats = tree.stats();
  const raw = KEY_BYTES + VALUE_BYTES;
  rows.push({
    what: 'page bytes/key (in use)',
    tree: (stats.pagesInUse * 4096) / n,
    reference: raw,
    unit: 'bytes',
    target: '<= 2.5x raw',
  });
  const allocated = (stats.pagesTotal * 4096) / n;
  rows.push({ what: 'page bytes/key (allocated)', tree: allocated, reference: raw, unit: 'bytes' });
  if (sink === 42) process.stdout.write(''); // keep the work observable
  return rows;
}

function format(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return x.toFixed(1);
}

const RESTART_VALUE_BYTES = 100;

function restartKey(i: number): Uint8Array {
  return new TextEncoder().encode(`key:${String(i).padStart(12, '0')}`);
}

interface Spent {
  wall: number;
  /** User + system CPU seconds of this process: less distorted than wall time on a busy box. */
  cpu: number;
}

function spent(run: () => void): Spent {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  run();
  const used = process.cpuUsage(cpu);
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  return { wall, cpu: (used.user + used.system) / 1e6 };
}

/** First write to each of `pages` fresh 4 KiB pages: the kernel's cost of new memory. */
function touchFreshPages(pages: number): Spent {
  const memory = new Uint8Array(new SharedArrayBuffer(pages * 4096));
  return spent(() => {
    for (let p = 0; p < pages; p++) memory[p * 4096] = 1;
  });
}

/** Decode of an n-key snapshot: insert path vs bulk path, and bulk building alone. */
function benchRestart(n: number): string {
  const options = { maxPages: 2 ** 20, chunkPages: 4096 };
  const keys = Array.from({ length: n }, (_, i) => restartKey(i));
  const value = new Uint8Array(RESTART_VALUE_BYTES).fill(0x61);
  const source = BTree.create(options);
  const build = (tree: BTree): void => {
    const txn = tree.write();
    const loader = txn.loadSorted();
    for (const key of keys) loader.add(key, value);
    loader.finish();
    txn.commit();
  };
  build(source);
  const view = source.read();
  const chunks = [...encodeSnapshot(view)].map((chunk) => chunk.slice());
  view.close();
  const bytes = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const insert = spent(() => decodeSnapshot(chunks, BTree.create(options), { method: 'insert' }));
  let pages = 0;
  const bulk = spent(() => {
    const tree = BTree.create(options);
    decodeSnapshot(chunks, tree);
    pages = tree.stats().pagesInUse;
  });
  const building = spent(() => build(BTree.create(options)));
  const touching = touchFreshPages(pages);
  const line = (what: string, s: Spent): string =>
    `  ${what.padEnd(48)} ${s.wall.toFixed(3).padStart(7)} s wall ` +
    `${s.cpu.toFixed(3).padStart(7)} s cpu  ${format(n / s.wall).padStart(7)} keys/s`;
  return [
    `Restart: decode of a snapshot of ${format(n)} keys (16-byte keys, ` +
      `${RESTART_VALUE_BYTES}-byte values, ${(bytes / 2 ** 20).toFixed(0)} MiB stream)`,
    line('insert path (key by key, before)', insert),
    line('bulk path (decodeSnapshot now)', bulk),
    `  ${'ratio (insert / bulk)'.padEnd(48)} ${(insert.wall / bulk.wall).toFixed(2)}x wall ` +
      `${(insert.cpu / bulk.cpu).toFixed(2)}x cpu`,
    line('tree building alone (bulk, pre-parsed)', building),
    line(`of which first touch of ${pages} fresh pages`, touching),
  ].join('\n');
}

export async function run(args: string[]): Promise<void> {
  const at = args.indexOf('--sizes');
  const sizes = (at >= 0 ? args[at + 1]!.split(',').map(Number) : [100_000, 1_000_000]).filter(
    (n) => n > 0,
  );
  const restartAt = args.indexOf('--restart');
  const restart = restartAt >= 0 ? Number(args[restartAt + 1]) : 1_000_000;
  if (sizes.length > 0) await printTable(sizes);
  if (restart > 0) process.stdout.write(benchRestart(restart) + '\n');
}

async function printTable(sizes: number[]): Promise<void> {
  const lines: string[] = [];
  const header = ['keys', 'measure', 'B+ tree', 'reference', 'ratio', 'unit', 'target'];
  lines.push(header.join(' | '));
  for (const n of sizes) {
    for (const row of await benchSize(n)) {
      lines.push(
        [
          format(n),
          row.what,
          format(row.tree),
          format(row.reference),
          `${(row.tree / row.reference).toFixed(2)}x`,
          row.unit,
          row.target ?? '',
        ].join(' | '),
      );
    }
  }
  const cells = lines.map((line) => line.split(' | '));
  const widths = header.map((_, c) => Math.max(...cells.map((row) => row[c]!.length)));
  const out = cells.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
  out.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  process.stdout.write(
    'B+ tree (16-byte random keys, 100-byte values; reference: Map for lookups/puts, ' +
      'sorted array for scans, raw key+value bytes for memory)\n' +
      out.join('\n') +
      '\n',
  );
}

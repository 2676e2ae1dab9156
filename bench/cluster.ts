/**
 * `npm run bench -- cluster`: a 3-node HarmonyDB (every write replicated, fsynced on a quorum
 * and applied before the reply) next to redis-server with appendfsync always, both driven by
 * redis-benchmark with 50 clients, 100-byte values: SET, GET, and SET with pipeline 16.
 * Targets: SET >= 0.5x Redis always-fsync, GET >= 0.8x Redis. Prints; asserts nothing.
 */
import { Cluster } from '../src/cluster/cluster.js';
import { hasCommand, redisBenchmark, startRedisServer,
  type BenchmarkRow } from './lib/redisTools.js';

interface Load {
  name: string;
  args: string[];
}

const loads: Load[] = [
  { name: 'SET', args: ['-t', 'set', '-c', '50', '-d', '100', '-r', '100000'] },
  { name: 'GET', args: ['-t', 'get', '-c', '50', '-d', '100', '-r', '100000'] },
  { name: 'SET -P 16', args: ['-t', 'set', '-c', '50', '-d', '100', '-r', '100000', '-P', '16'] },
];

function requests(args: string[]): number {
  const i = args.indexOf('--requests');
  return i === -1 ? 20_000 : Number(args[i + 1]);
}

export async function run(args: string[]): Promise<void> {
  if (!(await hasCommand('redis-benchmark')) || !(await hasCommand('redis-server'))) {
    process.stdout.write('cluster bench: needs redis-server and redis-benchmark ' +
      '(apt-get install redis-server redis-tools)\n');
    return;
  }
  const n = requests(args);
  const redis = await startRedisServer();
  // No dataDir: a temporary directory that stop() removes.
  const cluster = await Cluster.start({ nodes: 3, basePort: 0 }).catch(async (error) => {
    await redis.stop();
    throw error;
  });
  try {
    const leader = await cluster.waitForLeader();
    const ours = cluster.portOf(leader);
    process.stdout.write(`cluster bench: ${n} requests per load; redis :${redis.port} ` +
      `(appendfsync always), HarmonyDB leader node ${leader} :${ours}\n\n`);
    const header = ['load', 'redis ops/s', 'p50', 'p99', 'harmony ops/s', 'p50', 'p99', 'ratio'];
    process.stdout.write(
      `${header.map((h, i) => (i === 0 ? h.padEnd(10) : h.padStart(13))).join('')}\n`);
    for (const load of loads) {
      const base = ['-n', String(n), ...load.args];
      const r = (await redisBenchmark(redis.port, base))[0];
      const h = (await redisBenchmark(ours, base))[0];
      process.stdout.write(`${formatRow(load.name, r, h)}\n`);
    }
  } finally {
    await cluster.stop();
    await redis.stop();
  }
}

function formatRow(name: string, r: BenchmarkRow | undefined, h: BenchmarkRow | undefined): string {
  const cell =
    (v: number | undefined, digits = 0) => (v === undefined ? '-' : v.toFixed(digits)).padStart(13);
  const ratio = r && h ? `${(h.opsPerSecond / r.opsPerSecond).toFixed(2)}x` : '-';
  return name.padEnd(10) + cell(r?.opsPerSecond) + cell(r?.p50Ms, 2) + cell(r?.p99Ms, 2) +
    cell(h?.opsPerSecond) + cell(h?.p50Ms, 2) + cell(h?.p99Ms, 2) + ratio.padStart(13);
}

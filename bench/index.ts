/**
 * `npm run bench -- <name> [options]`: runs one benchmark (or all, with no name). Benchmarks
 * print their figures next to a reference measured in the same run; they assert nothing.
 * Each bench module exports `run(args: string[]): Promise<void>`.
 */
type Bench = { run(args: string[]): Promise<void> };

const benches: Record<string, () => Promise<Bench>> = {
  btree: () => import('./btree.js'),
  // name: () => import('./name.js'),
  raft: () => import('./raft.js'),
  wal: () => import('./wal.js'),
  cluster: () => import('./cluster.js'),
  codec: () => import('./codec.js'),
  compare: () => import('./compare.js'),
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const names = Object.keys(benches);
  if (name === '--help' || (name !== undefined && !(name in benches))) {
    const known = names.length === 0 ? '(none yet)' : names.join(', ');
    process.stdout.write(`Usage: npm run bench -- <name> [options]\nBenchmarks: ${known}\n`);
    process.exitCode = name === '--help' ? 0 : 2;
    return;
  }
  for (const each of name === undefined ? names : [name]) {
    const bench = await benches[each]!();
    await bench.run(args);
  }
}

await main();

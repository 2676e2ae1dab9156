/**
 * `npm run sim -- ...`: replay one seed or run a campaign of seeds.
 *
 *   --seed N          run seed N and print its verdict (exit 1 if it fails)
 *   --trace           with --seed: print the run's event trace
 *   --seeds N         run N seeds (1..N, or S..S+N-1 with --from S); print seeds/s and every
 *                     failing seed with its replay command
 *   --from S          first seed of a campaign (default 1)
 *   --nodes 3|5       cluster size (default 3); --nodes mix alternates 3 and 5 in a campaign
 *   --disk wal|model  the real WAL + DiskStorage (default) or the in-memory model disk
 *   --fault-scale X   multiply the per-tick fault rates (default 1)
 *   --bug NAME        plant a driver bug (leaderAdvanceBeforeFsync, ackBeforeCommit,
 *                     respondBeforeFsync); repeatable
 *   --no-commit-rule  turn off the direct §5.4.2 commit-rule check
 */
import { performance } from 'node:perf_hooks';
import { runSeed, type SimResult } from './world.js';
import type { DiskKind, PlantedBugs, SimOptions } from './options.js';

interface CliArgs {
  seed: number | null;
  seeds: number | null;
  from: number;
  nodes: 3 | 5 | 'mix';
  trace: boolean;
  disk: DiskKind;
  faultScale: number;
  bugs: PlantedBugs;
  commitRuleCheck: boolean;
}

const BUG_NAMES = ['leaderAdvanceBeforeFsync', 'ackBeforeCommit', 'respondBeforeFsync'] as const;

const usage =
  'usage: npm run sim -- (--seed N [--trace] | --seeds N [--from S]) [--nodes 3|5|mix] ' +
  '[--disk wal|model] [--fault-scale X] [--bug NAME]... [--no-commit-rule]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

function intArg(name: string, value: string | undefined): number {
  const n = Number(value);
  if (value === undefined || !Number.isSafeInteger(n) || n < 0) {
    fail(`${name} needs a non-negative integer, got ${value ?? 'nothing'}`);
  }
  return n;
}

export function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = {
    seed: null, seeds: null, from: 1, nodes: 3, trace: false, disk: 'wal', faultScale: 1, bugs: {},
    commitRuleCheck: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string | undefined => argv[++i];
    switch (a) {
      case '--seed': args.seed = intArg(a, next()); break;
      case '--seeds': args.seeds = intArg(a, next()); break;
      case '--from': args.from = intArg(a, next()); break;
      case '--trace': args.trace = true; break;
      case '--nodes': {
        const v = next();
        if (v === '3' || v === '5') args.nodes = Number(v) as 3 | 5;
        else if (v === 'mix') args.nodes = 'mix';
        else fail(`--nodes must be 3, 5 or mix, got ${v ?? 'nothing'}`);
        break;
      }
      case '--disk': {
        const v = next();
        if (v !== 'wal' && v !== 'model') {
          fail(`--disk must be wal or model, got ${v ?? 'nothing'}`);
        }
        args.disk = v;
        break;
      }
      case '--fault-scale': {
        const v = Number(next());
        if (!(v >= 0)) fail('--fault-scale needs a number >= 0');
        args.faultScale = v;
        break;
      }
      case '--bug': {
        const v = next();
        const name = BUG_NAMES.find((b) => b === v);
        if (name === undefined) fail(`--bug must be one of ${BUG_NAMES.join(', ')}, got ${v}`);
        args.bugs[name] = true;
        break;
      }
      case '--no-commit-rule': args.commitRuleCheck = false; break;
      default: fail(`unknown argument ${a}`);
    }
  }
  if ((args.seed === null) === (args.seeds === null)) {
    fail('give exactly one of --seed and --seeds');
  }
  if (args.seed !== null && args.nodes === 'mix') fail('--nodes mix is for campaigns (--seeds)');
  return args;
}

function describe(r: SimResult): string {
  const s = r.stats;
  return `seed ${r.seed} (${r.nodeCount} nodes): ${r.ok ? 'ok' : `FAILED ${r.check}`} ` +
    `trace ${r.traceHash} | ${s.simulatedMs} ms simulated, ${s.events} events, ` +
    `${s.messagesSent} msgs (${s.messagesDropped} lost), ${s.crashes} crashes, ` +
    `${s.failStops} fail-stops, ${s.partitions} partitions, ${s.bitFlips} bit flips, ` +
    `${s.snapshotsInstalled} snapshots installed, ops ok/failed/unknown ` +
    `${s.opsOk}/${s.opsFailed}/${s.opsUnknown}, ${s.entriesApplied} entries applied, ` +
    `liveness ${s.livenessMs} ms`;
}

type CommonOptions = Pick<SimOptions, 'disk' | 'faultScale' | 'bugs' | 'commitRuleCheck'>;

function common(args: CliArgs): CommonOptions {
  return {
    disk: args.disk, faultScale: args.faultScale, bugs: args.bugs,
    commitRuleCheck: args.commitRuleCheck,
  };
}

function replayOne(args: CliArgs): number {
  const nodeCount = args.nodes === 'mix' ? 3 : args.nodes;
  const r = runSeed({ ...common(args), seed: args.seed!, nodeCount, trace: args.trace });
  if (args.trace && r.traceLines.length > 0) process.stdout.write(`${r.traceLines.join('\n')}\n`);
  process.stdout.write(`${describe(r)}\n`);
  if (!r.ok) {
    process.stdout.write(`${r.message}\nreplay: ${r.replay}\n`);
    return 1;
  }
  return 0;
}

function campaign(args: CliArgs): number {
  const count = args.seeds!;
  const started = performance.now();
  let lastReport = started;
  const failures: SimResult[] = [];
  for (let k = 0; k < count; k++) {
    const seed = args.from + k;
    const nodeCount = args.nodes === 'mix' ? (seed % 2 === 0 ? 5 : 3) : args.nodes;
    const r = runSeed({ ...common(args), seed, nodeCount });
    if (!r.ok) {
      failures.push(r);
      process.stdout.write(`FAIL seed ${seed}: ${r.check}: ${r.message.split('\n')[0]}\n` +
        `  replay: ${r.replay}\n`);
    }
    const now = performance.now();
    if (now - lastReport > 5_000) {
      lastReport = now;
      const rate = ((k + 1) / ((now - started) / 1000)).toFixed(1);
      process.stdout.write(
        `... ${k + 1}/${count} seeds, ${rate} seeds/s, ${failures.length} failed\n`,
      );
    }
  }
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${count} seeds (${args.from}..${args.from + count - 1}, nodes ${args.nodes}, disk ` +
      `${args.disk}) in ${seconds.toFixed(1)} s: ${(count / seconds).toFixed(1)} seeds/s, ` +
      `${failures.length} failed\n`,
  );
  for (const f of failures) process.stdout.write(`  ${f.check} seed ${f.seed}: ${f.replay}\n`);
  return failures.length === 0 ? 0 : 1;
}

const args = parseArgs(process.argv.slice(2));
process.exitCode = args.seed !== null ? replayOne(args) : campaign(args);

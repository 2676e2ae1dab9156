/**
 * `harmonydb experiment <name>`: a fault experiment on a fresh in-process cluster under a
 * history-recording load, with a table and a report directory (src/experiment).
 */
import { exitUsage, type Command } from '../cli.js';
import { formatOptions, parseArgs, UsageError, type OptionTable } from '../args.js';
import {
  formatTable, passed, runExperiment, scenarios, writeReport,
} from '../../src/experiment/index.js';

export const spec: OptionTable = {
  runs: { kind: 'int', value: 'N', help: 'faults to inject, one after another', default: '5' },
  seed: { kind: 'int', value: 'S', help: 'seed of the cluster and the load', default: '1' },
  nodes: { kind: 'int', value: 'N', help: 'cluster size', default: '3' },
  clients: { kind: 'int', value: 'N', help: 'load clients', default: '4' },
  out: {
    kind: 'string', value: 'DIR', help: 'report directory', default: 'experiments/<name>-<time>',
  },
};

const help = `Usage: harmonydb experiment <name> [options]

Runs a fault experiment against a fresh in-process cluster under a steady, history-recording
load, prints a table and writes a report directory (history.jsonl, summary.json, index.html).
Exits 1 if an acknowledged write was lost or the history is not linearizable, 2 on a usage
error.

Experiments:
${Object.values(scenarios).map((s) => `  ${s.name.padEnd(14)} ${s.description}`).join('\n')}

${formatOptions(spec)}`;

async function run(argv: string[]): Promise<number> {
  let name: string;
  let options: Map<string, string | number | boolean>;
  try {
    const parsed = parseArgs(argv, spec);
    options = parsed.options;
    if (parsed.positional.length !== 1) throw new UsageError('name one experiment');
    name = parsed.positional[0]!;
    if (scenarios[name] === undefined) {
      const names = Object.keys(scenarios).join(', ');
      throw new UsageError(`unknown experiment '${name}'; one of ${names}`);
    }
    const runs = (options.get('runs') as number | undefined) ?? 5;
    if (runs < 1 || runs > 1000) throw new UsageError(`--runs must be from 1 to 1000, got ${runs}`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`harmonydb experiment: ${error.message}\n`);
    return exitUsage;
  }
  const out = (options.get('out') as string | undefined) ??
    `experiments/${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  process.stdout.write(`running experiment ${name}...\n`);
  const result = await runExperiment(scenarios[name]!, {
    ...(options.has('runs') ? { runs: options.get('runs') as number } : {}),
    ...(options.has('seed') ? { seed: options.get('seed') as number } : {}),
    ...(options.has('nodes') ? { nodes: options.get('nodes') as number } : {}),
    ...(options.has('clients') ? { clients: options.get('clients') as number } : {}),
  });
  writeReport(result, out);
  process.stdout.write(formatTable(result));
  process.stdout.write(`report: ${out}/index.html\n`);
  return passed(result) ? 0 : 1;
}

export const command: Command = {
  summary: 'run a fault experiment and write a report', help, run,
};

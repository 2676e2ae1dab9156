/**
 * `harmonydb <command> [options]`: dispatches to one module per subcommand (bin/commands/*).
 * Each command module exports `run(argv): Promise<number>` (the exit code) and `help`.
 *
 * Exit codes, the same for every command: 0 success, 1 it could not run (a file-system failure
 * at start-up, a data directory it cannot use...: one line on stderr, no stack trace), 2 a
 * usage error (unknown option, bad value). `wal inspect` adds 3 (torn tail) and 4 (corrupt).
 */
import { readFileSync } from 'node:fs';
import { UsageError } from './args.js';
import { describeStartupFailure } from '../src/cluster/startupFailure.js';

export interface Command {
  summary: string;
  help: string;
  run(argv: string[]): Promise<number>;
}

export const exitFailure = 1;

/** The command cannot run for a reason its message explains in one line (exit 1). */
export class CommandFailure extends Error {
  override name = 'CommandFailure';
}

export const exitUsage = 2;

type Loader = () => Promise<Command>;

const commands: Record<string, Loader> = {
  cluster: async () => (await import('./commands/cluster.js')).command,
  node: async () => (await import('./commands/node.js')).command,
  wal: async () => (await import('./commands/wal.js')).command,
  experiment: async () => (await import('./commands/experiment.js')).command,
};

export function usage(): string {
  return [
    'Usage: harmonydb <command> [options]',
    '       harmonydb --version',
    '',
    'Commands:',
    '  cluster      run a whole cluster in this process (npm start)',
    '  node         run one node that joins a cluster over the TCP bridge',
    "  wal          inspect or repair a node's write-ahead log",
    '  experiment   failover / partition / slow-disk / flaky-network, with a report',
    '',
    "Run 'harmonydb <command> --help' for a command's options and their defaults.",
    'Exit codes: 0 success, 1 could not run (the message says why), 2 usage error.',
    '',
  ].join('\n');
}

/** The package's version, from the package.json next to dist/. */
export function version(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}

/**
 * A usage error exits 2; a CommandFailure or a file-system failure exits 1; each is one line
 * on stderr. Any other error is a bug and keeps its stack trace.
 */
export function reportFailure(name: string, error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`harmonydb ${name}: ${error.message}\n`);
    return exitUsage;
  }
  const line = error instanceof CommandFailure ? error.message : describeStartupFailure(error);
  if (line === null) throw error;
  process.stderr.write(`harmonydb ${name}: ${line}\n`);
  return exitFailure;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V') {
    process.stdout.write(`harmonydb ${version()}\n`);
    return 0;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  if (name === undefined) {
    process.stderr.write(usage());
    return exitUsage;
  }
  const load = commands[name];
  if (load === undefined) {
    process.stderr.write(`harmonydb: unknown command '${name}'\n\n${usage()}`);
    return exitUsage;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    return reportFailure(name, error);
  }
}

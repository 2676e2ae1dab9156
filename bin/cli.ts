/**
 * `harmonydb <command> [options]`: dispatches to one module per subcommand (bin/commands/*).
 * Each command module exports `run(argv): Promise<number>` (the exit code) and `help`.
 */
export interface Command {
  summary: string;
  help: string;
  run(argv: string[]): Promise<number>;
}

type Loader = () => Promise<Command>;

const commands: Record<string, Loader> = {
  cluster: async () => (await import('./commands/cluster.js')).command,
  wal: async () => (await import('./commands/wal.js')).command,
  node: async () => (await import('./commands/node.js')).command,
  experiment: async () => (await import('./commands/experiment.js')).command,
};

function usage(): string {
  return [
    'Usage: harmonydb <command> [options]',
    '',
    'Commands:',
    '  cluster      run a whole cluster in this process (npm start)',
    '  node         run one node that joins a cluster over the TCP bridge',
  '  wal          inspect or repair a node\'s write-ahead log',
    '  experiment   failover / partition / slow-disk / flaky-network, with a report',
    '',
    "Run 'harmonydb <command> --help' for a command's options.",
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (load === undefined) {
    process.stderr.write(`harmonydb: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return 0;
  }
  return command.run(rest);
}

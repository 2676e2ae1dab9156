import type { Command } from '../cli.js';

const help = `Usage: harmonydb cluster [--nodes N] [--base-port P] [--data DIR] [--no-ui]

Runs a whole Raft cluster in this process: one worker thread per node, each serving the
Redis protocol on its own port (base-port, base-port+1, ...).

Options:
  --nodes N        number of nodes (default 3)
  --base-port P    port of node 1 (default 6379)
  --data DIR       data directory (default ./data)
  --no-ui          print one status line per node every second instead of the terminal UI
`;

export const command: Command = {
  summary: 'run a whole cluster in this process',
  help,
  async run() {
    process.stdout.write(
      'harmonydb cluster: not built yet. When it is, this starts 3 Raft nodes in worker threads\n' +
        'serving Redis clients on ports 6379-6381 with data in ./data.\n',
    );
    return 0;
  },
};

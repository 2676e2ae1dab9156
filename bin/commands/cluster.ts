/**
 * `harmonydb cluster`: a whole cluster in this process, with the live UI or status lines, until
 * Ctrl-C. Its defaults (ports 6379.., ./data) differ from the library's (free ports, a
 * temporary directory): a person at a terminal wants fixed ports and data that stays.
 */
import { exitFailure, exitUsage, type Command } from '../cli.js';
import { formatOptions, parseArgs, UsageError, type OptionTable } from '../args.js';
import { Cluster, ClusterError, type ClusterEvent } from '../../src/cluster/cluster.js';
import {
  ClusterConfigError, defaultTiming, type ClusterOptions,
} from '../../src/cluster/options.js';
import { readPasswordFile, readSecretFile } from './node.js';
import { isLoopbackHost } from '../../src/server/auth.js';
import { openListenerWarning } from '../../src/server/server.js';
import { DataDirError } from '../../src/cluster/dataDir.js';
import { formatStatusLine } from '../../src/cluster/statusLine.js';

/** Where `harmonydb cluster` listens and keeps its data unless told otherwise. */
export const cliBasePort = 6379;
export const cliDataDir = 'data';

export const spec: OptionTable = {
  nodes: { kind: 'int', value: 'N', help: 'number of nodes, 1 to 9', default: '3' },
  'base-port': {
    kind: 'int', value: 'P', help: 'Redis port of node 1; node i listens on P+i-1 (0: free ports)',
    default: String(cliBasePort),
  },
  host: { kind: 'string', value: 'H', help: 'address to listen on', default: '127.0.0.1' },
  data: {
    kind: 'string', value: 'DIR', help: 'data directory; a restart on it recovers every node',
    default: `./${cliDataDir}`,
  },
  'no-forward': {
    kind: 'flag', help: 'followers answer -MOVED instead of forwarding to the leader',
    default: 'off',
  },
  'no-ui': {
    kind: 'flag', default: 'off',
    help: "print one status line per node every second instead of the live UI (the UI's keys " +
      "are listed by '?')",
  },
  'tick-ms': {
    kind: 'int', value: 'MS', help: 'Raft tick', default: String(defaultTiming.tickMs),
  },
  'election-ticks': {
    kind: 'int', value: 'N', help: 'election timeout in ticks, randomized up to 2N',
    default: String(defaultTiming.electionTicks),
  },
  'heartbeat-ticks': {
    kind: 'int', value: 'N', help: 'heartbeat interval in ticks',
    default: String(defaultTiming.heartbeatTicks),
  },
  'bridge-port': {
    kind: 'int', value: 'P', default: 'none: no bridge',
    help: "open the TCP bridge: nodes in other processes join on P ('harmonydb node --join " +
      "HOST:P'); node i's bridge listens on P+i",
  },
  'bridge-host': {
    kind: 'string', value: 'H', help: 'address of the bridge listeners', default: '127.0.0.1',
  },
  'secret-file': {
    kind: 'string', value: 'F', default: 'none',
    help: 'the shared cluster secret (>= 16 bytes); required with --bridge-port',
  },
  'requirepass-file': {
    kind: 'string', value: 'F', default: 'none: no password, and a warning beyond 127.0.0.1',
    help: 'clients must AUTH with the password in F (one trailing newline is ignored); HARMONY '
      + 'admin commands too',
  },
};

const help = `Usage: harmonydb cluster [options]

Runs a whole Raft cluster in this process: one worker thread per node, each serving the
Redis protocol on its own port (base-port, base-port+1, ...). Restarting on the same --data
directory recovers every node from its write-ahead log. Ctrl-C shuts down cleanly.
Exit status: 0 after a clean stop, 1 when the cluster cannot start (one line says why), 2 for
a usage error.

${formatOptions(spec)}`;

async function run(argv: string[]): Promise<number> {
  let cluster: Cluster;
  let useStatusLines = false;
  try {
    const { options: o, positional } = parseArgs(argv, spec);
    if (positional.length > 0) throw new UsageError(`unexpected argument '${positional[0]}'`);
    useStatusLines = o.has('no-ui');
    const timing = {
      ...(o.has('tick-ms') ? { tickMs: o.get('tick-ms') as number } : {}),
      ...(o.has('election-ticks') ? { electionTicks: o.get('election-ticks') as number } : {}),
      ...(o.has('heartbeat-ticks') ? { heartbeatTicks: o.get('heartbeat-ticks') as number } : {}),
    };
    cluster = await Cluster.start({
      ...(o.has('nodes') ? { nodes: o.get('nodes') as number } : {}),
      basePort: (o.get('base-port') as number | undefined) ?? cliBasePort,
      ...(o.has('host') ? { host: o.get('host') as string } : {}),
      dataDir: (o.get('data') as string | undefined) ?? cliDataDir,
      forward: !o.has('no-forward'),
      ...(o.has('requirepass-file')
        ? { requirePass: readPasswordFile(o.get('requirepass-file') as string) } : {}),
      ...bridgeOptions(o),
      timing: timing as never,
    });
  } catch (error) {
    if (error instanceof UsageError || error instanceof ClusterConfigError) {
      process.stderr.write(`harmonydb cluster: ${error.message}\n`);
      return exitUsage;
    }
    if (error instanceof DataDirError || error instanceof ClusterError) {
      process.stderr.write(`harmonydb cluster: ${error.message}\n`);
      return exitFailure;
    }
    throw error;
  }
  if (cluster.options.requirePass === null && !isLoopbackHost(cluster.options.host)) {
    const port = cluster.portOf(cluster.ids[0]!);
    process.stderr.write(`\n*** ${openListenerWarning(cluster.options.host, port)} ***\n\n`);
  }
  if (process.stdout.isTTY && !useStatusLines) return uiLoop(cluster);
  const ports = cluster.ids.map((id) => cluster.portOf(id)).join(', ');
  process.stdout.write(`HarmonyDB cluster ${cluster.clusterId}: ${cluster.ids.length} nodes, ` +
    `Redis protocol on ${cluster.options.host} ports ${ports} (data in ` +
      `${cluster.options.dataDir})\n` +
    `Try: redis-cli -p ${cluster.portOf(cluster.ids[0]!)} SET hello world. Ctrl-C stops the ` +
      `cluster cleanly.\n` +
    (cluster.bridgePort !== null ? `Bridge: nodes in other processes join with --join ` +
      `${cluster.options.bridge!.host}:${cluster.bridgePort}\n` : ''));
  const printEvent = (e: ClusterEvent) => process.stdout.write(`[${(e.atMs / 1000).toFixed(3)}s] ` +
    `${e.node === 0 ? 'cluster' : `node ${e.node}`}: ${e.text}\n`);
  cluster.recentEvents().forEach(printEvent);
  cluster.onEvent(printEvent);
  return statusLoop(cluster);
}

function bridgeOptions(o: Map<string, string | number | boolean>): Partial<ClusterOptions> {
  if (!o.has('bridge-port')) {
    if (o.has('secret-file')) throw new UsageError('--secret-file needs --bridge-port');
    return {};
  }
  const file = o.get('secret-file') as string | undefined;
  if (file === undefined) throw new UsageError('--bridge-port needs --secret-file');
  return { bridge: {
    host: (o.get('bridge-host') as string | undefined) ?? '127.0.0.1',
    port: o.get('bridge-port') as number, secret: readSecretFile(file),
  } };
}

/** The Ink UI until q or Ctrl-C, then a clean stop. */
async function uiLoop(cluster: Cluster): Promise<number> {
  const { runUi } = await import('../../src/ui/index.js');
  await runUi(cluster);
  process.stdout.write('stopping: every node fsyncs and closes its log...\n');
  await cluster.stop();
  process.stdout.write('stopped cleanly.\n');
  return 0;
}

function statusLoop(cluster: Cluster): Promise<number> {
  return new Promise((resolve) => {
    let previous = new Map<number, number>();
    const timer = setInterval(async () => {
      const statuses = await cluster.status();
      for (const s of statuses) {
        const ops = s.opsCompleted - (previous.get(s.id) ?? s.opsCompleted);
        process.stdout.write(`${formatStatusLine(s, ops)}\n`);
      }
      previous = new Map(statuses.map((s) => [s.id, s.opsCompleted]));
    }, 1000);
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      clearInterval(timer);
      process.stdout.write('\nstopping: every node fsyncs and closes its log...\n');
      await cluster.stop();
      process.stdout.write('stopped cleanly.\n');
      resolve(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export const command: Command = { summary: 'run a whole cluster in this process', help, run };

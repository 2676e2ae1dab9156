import type { Command } from '../cli.js';
import { parseArgs, UsageError } from '../args.js';
import { Cluster, ClusterError, type ClusterEvent } from '../../src/cluster/cluster.js';
import { ClusterConfigError, type ClusterOptions } from '../../src/cluster/options.js';
import { readSecretFile } from './node.js';
import { DataDirError } from '../../src/cluster/dataDir.js';
import { formatStatusLine } from '../../src/cluster/statusLine.js';

const help = `Usage: harmonydb cluster [options]

Runs a whole Raft cluster in this process: one worker thread per node, each serving the
Redis protocol on its own port (base-port, base-port+1, ...). Restarting on the same --data
directory recovers every node from its write-ahead log. Ctrl-C shuts down cleanly.

Options:
  --nodes N         number of nodes, 1 to 9 (default 3)
  --base-port P     Redis port of node 1; node i listens on P+i-1 (default 6379)
  --host H          address to listen on (default 127.0.0.1)
  --data DIR        data directory (default ./data)
  --no-forward      followers answer -MOVED instead of forwarding to the leader
  --no-ui           print one status line per node every second instead of the live UI
                    (also when stdout is not a TTY); the UI's keys are listed by '?'
  --tick-ms MS      Raft tick (default 10)
  --election-ticks N  election timeout in ticks, randomized up to 2N (default 15)
  --heartbeat-ticks N heartbeat interval in ticks (default 2)
  --bridge-port P   open the TCP bridge: nodes in other processes join on P
                    ('harmonydb node --join HOST:P'); node i's bridge listens on P+i
  --bridge-host H   address of the bridge listeners (default 127.0.0.1)
  --secret-file F   the shared cluster secret (>= 16 bytes); required with --bridge-port
`;

const spec = {
  nodes: { kind: 'int' },
  'base-port': { kind: 'int' },
  host: { kind: 'string' },
  data: { kind: 'string' },
  'no-forward': { kind: 'flag' },
  'no-ui': { kind: 'flag' },
  'tick-ms': { kind: 'int' },
  'election-ticks': { kind: 'int' },
  'heartbeat-ticks': { kind: 'int' },
  'bridge-port': { kind: 'int' },
  'bridge-host': { kind: 'string' },
  'secret-file': { kind: 'string' },
} as const;

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
      ...(o.has('base-port') ? { basePort: o.get('base-port') as number } : {}),
      ...(o.has('host') ? { host: o.get('host') as string } : {}),
      ...(o.has('data') ? { dataDir: o.get('data') as string } : {}),
      forward: !o.has('no-forward'),
      ...bridgeOptions(o),
      timing: timing as never,
    });
  } catch (error) {
    if (error instanceof UsageError || error instanceof ClusterConfigError ||
      error instanceof DataDirError || error instanceof ClusterError) {
      process.stderr.write(`harmonydb cluster: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (process.stdout.isTTY && !useStatusLines) return uiLoop(cluster);
  const ports = cluster.ids.map((id) => cluster.portOf(id)).join(', ');
  process.stdout.write(`HarmonyDB cluster ${cluster.clusterId}: ${cluster.ids.length} nodes, ` +
    `Redis protocol on ${cluster.options.host} ports ${ports} (data in ${cluster.options.dataDir})\n` +
    `Try: redis-cli -p ${cluster.portOf(cluster.ids[0]!)} SET hello world. Ctrl-C stops the cluster cleanly.\n` +
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

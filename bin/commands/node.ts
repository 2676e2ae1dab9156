/**
 * `harmonydb node`: one node in this process that joins a running cluster through its TCP
 * bridge, and rejoins as the same member on restart (its data directory remembers the ids).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync,
  writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { CommandFailure, exitUsage, reportFailure, type Command } from '../cli.js';
import { formatOptions, parseArgs, UsageError, type OptionTable } from '../args.js';
import { startNodeRuntime } from '../../src/node/runtime.js';
import type { NodeEvent, NodeWorkerInit } from '../../src/node/control.js';
import { parseHostPort, MembershipError } from '../../src/node/membership.js';
import { requestJoin } from '../../src/node/membershipJoin.js';
import { defaultTiming } from '../../src/cluster/options.js';
import { startRespServer } from '../../src/server/server.js';

export const spec: OptionTable = {
  id: {
    kind: 'int', value: 'N', help: "this node's id (a positive integer the cluster does not use)",
    default: 'none: required',
  },
  data: {
    kind: 'string', value: 'DIR', help: "this node's data directory", default: 'none: required',
  },
  join: {
    kind: 'string', value: 'HOST:PORT', help: "the cluster's bridge (join) port",
    default: 'none: required',
  },
  'secret-file': {
    kind: 'string', value: 'F', default: 'none: required',
    help: 'file holding the shared cluster secret (>= 16 bytes; one trailing newline is ignored)',
  },
  port: { kind: 'int', value: 'P', help: 'Redis port', default: '6379 + id - 1' },
  host: {
    kind: 'string', value: 'H', help: 'address to serve Redis on, and to give the cluster',
    default: '127.0.0.1',
  },
  'bridge-port': {
    kind: 'int', value: 'P', default: 'none: the members answer on the connections this node opens',
    help: 'also listen for bridge connections on P',
  },
  'snapshot-entries': {
    kind: 'int', value: 'N', help: 'take a snapshot after N applied entries', default: '10000',
  },
  'requirepass-file': {
    kind: 'string', value: 'F', default: 'none: no password, and a warning beyond 127.0.0.1',
    help: 'clients must AUTH with the password in F (one trailing newline is ignored)',
  },
};

const help = `Usage: harmonydb node --id N --data DIR --join HOST:PORT --secret-file F [options]

Runs ONE node in this process and joins a running cluster through its TCP bridge
('harmonydb cluster --bridge-port P --secret-file F' listens on P for joins). A new node
joins as a learner and catches up by snapshot; promote it with HARMONY MEMBER PROMOTE <id>.
The data directory remembers the cluster id and node id (node.json): restarting with the same
--data rejoins as the same member; a directory of another cluster, or an id the cluster already
uses or removed, is refused (exit 2). A data directory it cannot use exits 1.

${formatOptions(spec)}`;

/** Reads the RESP password (Redis's requirepass); one trailing newline is not part of it. */
export function readPasswordFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--requirepass-file ${path}: ${(error as Error).message}`);
  }
  const password = text.replace(/\r?\n$/, '');
  const bytes = Buffer.byteLength(password);
  if (bytes < 1 || bytes > 4096) {
    throw new UsageError(`--requirepass-file ${path}: the password must be 1 to 4096 bytes, ` +
      `got ${bytes}`);
  }
  return password;
}

/** Reads the secret; a single trailing newline (what editors and `echo` add) is not part of it. */
export function readSecretFile(path: string): Uint8Array {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new UsageError(`--secret-file ${path}: ${(error as Error).message}`);
  }
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0a) end--;
  if (end > 0 && bytes[end - 1] === 0x0d) end--;
  if (end < 16)
    throw new UsageError(`--secret-file ${path}: the secret must be at least 16 bytes, got ${end}`);
  return bytes.subarray(0, end);
}

interface NodeIdentity { clusterId: string; nodeId: number }

/** The identity in DIR/node.json, null for a new (absent or empty) directory. */
function readIdentity(dir: string, id: number): NodeIdentity | null {
  const path = join(dir, 'node.json');
  if (!existsSync(path)) {
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new UsageError(`${dir} is not empty and has no node.json: not a HarmonyDB node ` +
        'directory; pass an empty or new --data directory');
    }
    return null;
  }
  let raw: Partial<NodeIdentity> & { removed?: boolean };
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as typeof raw;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new CommandFailure(`${path} is not valid JSON (${error.message}); the data directory ` +
      'is damaged: move it aside and join with an empty --data directory');
  }
  if (typeof raw.clusterId !== 'string' || raw.nodeId !== id) {
    throw new UsageError(`${path} belongs to node ${String(raw.nodeId)}, not --id ${id}`);
  }
  if (raw.removed === true) {
    throw new UsageError(`${path}: node ${id} was removed from its cluster; a removed node's ` +
      'directory is never reused');
  }
  return { clusterId: raw.clusterId, nodeId: id };
}

function writeIdentity(dir: string, identity: NodeIdentity): void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'node.json');
  writeFileSync(`${path}.tmp`, `${JSON.stringify(identity, null, 2)}\n`, { flush: true });
  renameSync(`${path}.tmp`, path);
}

function need<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new UsageError(`--${name} is required`);
  return value;
}

async function run(argv: string[]): Promise<number> {
  try {
    const { options: o, positional } = parseArgs(argv, spec);
    if (positional.length > 0) throw new UsageError(`unexpected argument '${positional[0]}'`);
    const id = need(o.get('id') as number | undefined, 'id');
    if (id <= 0) throw new UsageError(`--id must be a positive integer, got ${id}`);
    const dir = need(o.get('data') as string | undefined, 'data');
    const joinText = need(o.get('join') as string | undefined, 'join');
    const joinAt = parseHostPort(joinText);
    if (joinAt === null) throw new UsageError(`--join needs HOST:PORT, got '${joinText}'`);
    const secret = readSecretFile(need(o.get('secret-file') as string | undefined, 'secret-file'));
    const host = (o.get('host') as string | undefined) ?? '127.0.0.1';
    const port = (o.get('port') as number | undefined) ?? 6379 + id - 1;
    const bridgePort = o.get('bridge-port') as number | undefined;
    const known = readIdentity(dir, id);
    const answer = await requestJoin(joinAt.host, joinAt.port, secret, {
      nodeId: id, clusterId: known?.clusterId ?? null,
      address: {
        id, host, port, ...(bridgePort !== undefined ? { bridgeHost: host, bridgePort } : {}) },
    });
    if (known === null) writeIdentity(dir, { clusterId: answer.clusterId, nodeId: id });
    const passwordFile = o.get('requirepass-file') as string | undefined;
    const requirePass = passwordFile === undefined ? undefined : readPasswordFile(passwordFile);
    await serve({ id, dir, host, port, secret, bridgePort, answer, requirePass,
      snapshotEntries: (o.get('snapshot-entries') as number | undefined) ?? 10_000 });
    return 0;
  } catch (error) {
    if (error instanceof MembershipError) {
      process.stderr.write(`harmonydb node: ${error.message}\n`);
      return exitUsage;
    }
    return reportFailure('node', error);
  }
}

interface ServeOptions {
  id: number; dir: string; host: string; port: number; secret: Uint8Array;
  bridgePort: number | undefined; snapshotEntries: number; requirePass: string | undefined;
  answer: Awaited<ReturnType<typeof requestJoin>>;
}

/** Runs the node until SIGINT/SIGTERM: the same runtime a worker of the cluster runs. */
async function serve(s: ServeOptions): Promise<void> {
  const unused = new MessageChannel();
  const self = { id: s.id, host: s.host, port: s.port, remote: true,
    ...(s.bridgePort !== undefined ? { bridgeHost: s.host, bridgePort: s.bridgePort } : {}) };
  const init: NodeWorkerInit = {
    id: s.id, clusterId: s.answer.clusterId, nodeDir: s.dir, host: s.host, port: s.port,
    members: [...s.answer.members.filter((m) => m.id !== s.id), self], bootstrapVoters: [],
      timing: defaultTiming, forward: true,
    seed: (Date.now() ^ (s.id * 7919)) >>> 0, snapshotEntries: s.snapshotEntries,
    controlPort: unused.port2, peerPorts: {},
    ...(s.requirePass !== undefined ? { requirePass: s.requirePass } : {}),
    bridge: {
      listenHost: s.host, listenPort: s.bridgePort ?? null, secret: s.secret,
      peers: s.answer.members.filter((m) => m.id !== s.id && m.bridgePort !== undefined),
    },
  };
  unused.port1.close();
  const post = (e: NodeEvent) => {
    if (e.kind === 'log') process.stdout.write(`node ${e.id}: ${e.text}\n`);
    if (e.kind === 'fatal') process.stderr.write(`node ${e.id}: stopped: ${e.text}\n`);
  };
  const runtime = await startNodeRuntime(init, post);
  const server = await startRespServer({
    host: s.host, port: s.port, backend: runtime.backend, bus: runtime.relay,
    ...(s.requirePass !== undefined ? { requirePass: s.requirePass } : {}),
  });
  runtime.onShutdown(() => server.close());
  process.stdout.write(`node ${s.id} of cluster ${s.answer.clusterId}: Redis protocol on ` +
    `${s.host}:${server.address().port}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => void runtime.control.shutdown().finally(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export const command: Command =
  { summary: 'run one node that joins a cluster over the bridge', help, run };

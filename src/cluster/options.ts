/**
 * Cluster options, their defaults, and validation before anything is spawned (etcd's
 * Config.validate): every message names the option and the value.
 */
import type { RaftTiming } from '../node/control.js';

export interface ClusterOptions {
  nodes: number;
  /**
   * The data directory. Left out: a new temporary directory under os.tmpdir(), removed by
   * stop() (made for test suites); given: kept, and a restart on it recovers every node.
   */
  dataDir: string;
  /** RESP port of node 1; node i listens on basePort + i - 1. 0: free ports (the default). */
  basePort: number;
  host: string;
  timing: RaftTiming;
  forward: boolean;
  seed: number;
  snapshotEntries: number;
  /** How long start() waits for every worker to report ready. */
  startTimeoutMs: number;
  /**
   * The TCP bridge for nodes in other processes: the join service listens on `port`, node i's
   * bridge on port + i (port 0: free ports). null: no bridge. docs/membership.md.
   */
  bridge: ClusterBridgeOptions | null;
  /**
   * The password every RESP connection must AUTH with (Redis's requirepass; HARMONY admin
   * commands included). null: none, and listening beyond loopback prints a warning.
   */
  requirePass: string | null;
}

export interface ClusterBridgeOptions {
  host: string;
  port: number;
  /** The shared cluster secret, at least 16 bytes. */
  secret: Uint8Array;
}

/**
 * Tick 10 ms, election timeout 15 ticks (150-300 ms randomized), heartbeat every tick: a
 * failover well under a second on one machine while a busy event loop (a 10 ms hiccup) cannot
 * look like a dead leader (docs/decisions.md, "Default timing").
 */
export const defaultTiming: RaftTiming = { tickMs: 10, electionTicks: 15, heartbeatTicks: 2 };

/**
 * The library's defaults: free ports and a temporary data directory, so that a test suite can
 * start many clusters at once. The CLI has its own (ports 6379.., ./data): bin/commands/cluster.ts.
 */
export const defaultClusterOptions: Readonly<Omit<ClusterOptions, 'dataDir'>> = {
  nodes: 3,
  basePort: 0,
  host: '127.0.0.1',
  timing: defaultTiming,
  forward: true,
  seed: 1,
  snapshotEntries: 10_000,
  startTimeoutMs: 30_000,
  bridge: null,
  requirePass: null,
};

export class ClusterConfigError extends Error {
  override name = 'ClusterConfigError';
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new ClusterConfigError(message);
}

/** Fills in the defaults and validates; `dataDir` is required here (start() makes a temp one). */
export function resolveClusterOptions(
  partial: Partial<ClusterOptions> & { dataDir: string },
): ClusterOptions {
  const o: ClusterOptions = {
    ...defaultClusterOptions,
    ...partial,
    timing: { ...defaultTiming, ...partial.timing },
  };
  check(Number.isInteger(o.nodes) && o.nodes >= 1 && o.nodes <= 9,
    `nodes must be an integer from 1 to 9, got ${o.nodes}`);
  check(Number.isInteger(o.basePort) && o.basePort >= 0 && o.basePort + o.nodes - 1 <= 65535,
    `basePort must leave room for ${o.nodes} ports up to 65535, got ${o.basePort}`);
  check(o.dataDir.length > 0, 'dataDir must not be empty');
  const t = o.timing;
  check(Number.isInteger(t.tickMs) && t.tickMs >= 1 && t.tickMs <= 1000,
    `timing.tickMs must be an integer from 1 to 1000, got ${t.tickMs}`);
  check(Number.isInteger(t.heartbeatTicks) && t.heartbeatTicks >= 1,
    `timing.heartbeatTicks must be a positive integer, got ${t.heartbeatTicks}`);
  check(Number.isInteger(t.electionTicks) && t.electionTicks > t.heartbeatTicks,
    `timing.electionTicks (${t.electionTicks}) must be an integer greater than ` +
      `timing.heartbeatTicks (${t.heartbeatTicks})`);
  if (o.bridge !== null) {
    const b = o.bridge;
    check(Number.isInteger(b.port) && b.port >= 0 && b.port + 9 <= 65535,
      `bridge.port must leave room for the join service and 9 nodes up to 65535, got ${b.port}`);
    check(b.secret.length >= 16,
      `bridge.secret must be at least 16 bytes, got ${b.secret.length}`);
  }
  if (o.requirePass !== null) {
    const bytes = Buffer.byteLength(o.requirePass);
    check(bytes >= 1 && bytes <= 4096, `requirePass must be 1 to 4096 bytes, got ${bytes}`);
  }
  check(Number.isInteger(o.snapshotEntries) && o.snapshotEntries >= 10,
    `snapshotEntries must be an integer >= 10, got ${o.snapshotEntries}`);
  return o;
}

/**
 * The deterministic world: N simulated nodes in one thread, a network, disks, clients and a
 * fault scheduler, all driven by ONE seeded Prng and one event queue in simulated
 * milliseconds. Nothing reads a real clock or Math.random, so a seed replays exactly; the
 * trace hash proves it.
 *
 * A run: a chaos phase (faults and client load) of `chaosMs`, then everything heals (network
 * reliable, partitions gone, stopped nodes restarted — except one whose WAL was corrupted on
 * purpose) and a write must commit within 10 election timeouts. Then the history must be
 * linearizable and the persisted logs must satisfy log matching. The Raft safety checks run
 * during the whole run (safety.ts).
 */
import {
  checkLinearizability, describeResult, HistoryRecorder, kv,
} from '../../src/check/index.js';
import { AssertionError } from '../../src/codec/assert.js';
import type { ConfState, Message, NodeId } from '../../src/codec/types.js';
import { MessageType } from '../../src/codec/types.js';
import { Prng } from '../../src/raft/prng.js';
import { describeMessage } from '../../src/raft/index.js';
import { SimClient, OP_TIMEOUT_MS } from './clients.js';
import type { SimDisk } from './disk.js';
import { EventQueue } from './eventQueue.js';
import { ModelDisk } from './modelDisk.js';
import { SimNetwork, copyMessage } from './network.js';
import { ELECTION_TIMEOUT_MS, TICK_MS, resolveSimOptions, type SimOptions } from './options.js';
import { drawProfile, type FaultProfile } from './profile.js';
import { SafetyMonitor, SimFailure, type CheckName } from './safety.js';
import { SimNode, type NodeWorld } from './simNode.js';
import { Trace } from './trace.js';
import { WalDisk } from './walDisk.js';

export interface SimStats {
  simulatedMs: number;
  events: number;
  messagesSent: number;
  messagesDropped: number;
  crashes: number;
  failStops: number;
  partitions: number;
  transfers: number;
  bitFlips: number;
  snapshotsInstalled: number;
  snapshotsCreated: number;
  opsOk: number;
  opsFailed: number;
  opsUnknown: number;
  entriesApplied: number;
  livenessMs: number;
}

export interface SimResult {
  seed: number;
  nodeCount: number;
  ok: boolean;
  check: CheckName | null;
  message: string;
  traceHash: string;
  stats: SimStats;
  traceLines: string[];
  /** The command that replays this run. */
  replay: string;
}

const LIVENESS_WINDOW_MS = 10 * ELECTION_TIMEOUT_MS;
const LOG_MATCHING_EVERY_MS = 250;
const CHECK_STEP_BUDGET = 2_000_000;

export function replayCommand(o: SimOptions): string {
  let extra = (o.nodeCount !== 3 ? ` --nodes ${o.nodeCount}` : '') +
    (o.disk !== 'wal' ? ` --disk ${o.disk}` : '') +
    (o.faultScale !== 1 ? ` --fault-scale ${o.faultScale}` : '') +
    (o.commitRuleCheck ? '' : ' --no-commit-rule');
  for (const [bug, on] of Object.entries(o.bugs)) if (on === true) extra += ` --bug ${bug}`;
  return `npm run sim -- --seed ${o.seed}${extra}`;
}

type Event = () => void;

class World {
  readonly random: Prng;
  readonly trace: Trace;
  readonly safety = new SafetyMonitor();
  readonly queue = new EventQueue<Event>();
  readonly profile: FaultProfile;
  readonly network: SimNetwork;
  readonly nodes: SimNode[] = [];
  readonly clients: SimClient[] = [];
  readonly history = new HistoryRecorder({ operationCountMax: 100_000 });
  nowMs = 0;
  private historySub = 0;
  private historyMs = -1;
  private requestIdNext = 1;
  private opsIssued = 0;
  private healed = false;
  private livenessOkAtMs = -1;
  private bitFlipped: NodeId = 0;
  readonly stats: SimStats = {
    simulatedMs: 0, events: 0, messagesSent: 0, messagesDropped: 0, crashes: 0, failStops: 0,
    partitions: 0, transfers: 0, bitFlips: 0, snapshotsInstalled: 0, snapshotsCreated: 0, opsOk: 0,
    opsFailed: 0, opsUnknown: 0, entriesApplied: 0, livenessMs: -1,
  };

  constructor(readonly o: SimOptions) {
    this.random = new Prng(o.seed);
    this.trace = new Trace(o.trace);
    this.profile = drawProfile(this.random.fork(), o.chaosMs, o.faultScale, o.disk === 'wal');
    const ids = Array.from({ length: o.nodeCount }, (_, i) => i + 1);
    this.network = new SimNetwork(ids, this.random.fork(), this.profile.network);
    const bootstrap: ConfState = { voters: ids, learners: [] };
    const nodeWorld = this.nodeWorld();
    for (const id of ids) {
      const disk: SimDisk = o.disk === 'wal'
        ? new WalDisk(id, this.random.fork())
        : new ModelDisk(this.random.fork());
      disk.deferSyncs = true;
      this.nodes.push(new SimNode(id, disk, bootstrap, nodeWorld, {
        snapshotEveryEntries: this.profile.snapshotEveryEntries,
        compactKeepEntries: this.profile.compactKeepEntries,
        maxSizePerMsgBytes: this.profile.maxSizePerMsgBytes,
        maxInflightMsgs: this.profile.maxInflightMsgs,
      }));
    }
    const clientWorld = {
      nowMs: () => this.nowMs,
      historyTime: () => this.historyTime(),
      nodes: this.nodes,
      later: (delayMs: number, fn: () => void) => this.at(this.nowMs + delayMs, fn),
      newRequestId: () => this.requestIdNext++,
      note: (make: () => string) => this.trace.line(this.nowMs, make),
    };
    for (let c = 1; c <= this.profile.clientCount + 1; c++) {
      this.clients.push(new SimClient(c, clientWorld, this.history, this.random.fork()));
    }
  }

  private nodeWorld(): NodeWorld {
    return {
      nowMs: () => this.nowMs,
      send: (messages) => this.send(messages),
      later: (nodeId, incarnation, delayMs, fn) => {
        const node = this.nodes[nodeId - 1]!;
        this.at(this.nowMs + delayMs, () => {
          if (node.incarnation === incarnation && node.isUp) fn();
        });
      },
      fsyncLatencyMs: () => 1 + this.random.nextInt(this.profile.fsyncLatencyMsMax),
      raftPrng: () => this.random.fork(),
      safety: this.safety,
      trace: this.trace,
      bugs: this.o.bugs,
      commitRuleCheck: this.o.commitRuleCheck,
      onDown: (nodeId, reason, detail) => this.onDown(nodeId, reason, detail),
    };
  }

  at(timeMs: number, fn: Event): void {
    this.queue.push(timeMs, fn);
  }

  historyTime(): number {
    if (this.historyMs !== this.nowMs) {
      this.historyMs = this.nowMs;
      this.historySub = 0;
    }
    return this.nowMs * 1_000_000 + this.historySub++;
  }

  // ---- network ----------------------------------------------------------------------------

  private send(messages: readonly Message[]): void {
    for (const m of messages) {
      this.stats.messagesSent++;
      this.trace.mix(m.type, m.from * 8 + m.to, m.term, m.index);
      const times = this.network.route(m, this.nowMs);
      this.trace.line(this.nowMs, () =>
        `send ${describeMessage(m)} ${times.length === 0 ? 'DROPPED' : `@${times.join(',')}`}`);
      if (times.length === 0) {
        this.stats.messagesDropped++;
        if (m.type === MessageType.Snap) this.reportSnapshotLater(m, false);
        // A transport notices a dead link (not a lost packet) and says so (etcd's
        // ReportUnreachable): the leader stops streaming optimistically to that peer.
        if (this.network.isBlocked(m.from, m.to)) this.reportUnreachableLater(m);
        continue;
      }
      for (const t of times) {
        const copy = copyMessage(m);
        this.at(t, () => this.deliver(copy));
      }
    }
  }

  private deliver(m: Message): void {
    const to = this.nodes[m.to - 1]!;
    if (!this.network.deliverable(m) || !to.isUp) {
      if (m.type === MessageType.Snap) this.reportSnapshotLater(m, false);
      this.reportUnreachableLater(m);
      return;
    }
    this.trace.mix(100 + m.type, m.to, m.term, m.index);
    to.deliver(m);
    if (m.type === MessageType.Snap) this.reportSnapshotLater(m, true);
  }

  /** The sender's transport learns whether its snapshot stream made it (etcd ReportSnapshot). */
  private reportSnapshotLater(m: Message, ok: boolean): void {
    const from = this.nodes[m.from - 1]!;
    const incarnation = from.incarnation;
    this.at(this.nowMs + 1 + this.random.nextInt(20), () => {
      if (from.incarnation === incarnation) from.reportSnapshot(m.to, ok);
    });
  }

  private reportUnreachableLater(m: Message): void {
    const from = this.nodes[m.from - 1]!;
    const incarnation = from.incarnation;
    this.at(this.nowMs + 1, () => {
      if (from.incarnation === incarnation) from.reportUnreachable(m.to);
    });
  }

  // ---- faults -----------------------------------------------------------------------------

  private onDown(nodeId: NodeId, reason: 'crash' | 'fail-stop', detail: string): void {
    if (reason === 'crash') this.stats.crashes++;
    else this.stats.failStops++;
    this.trace.mix(200, nodeId, reason === 'crash' ? 1 : 2);
    this.trace.line(this.nowMs, () => `n${nodeId} DOWN (${reason}: ${detail})`);
    const p = this.profile;
    const delayMs = this.healed
      ? 1
      : p.restartDelayMsMin + this.random.nextInt(p.restartDelayMsMax - p.restartDelayMsMin + 1);
    this.at(this.nowMs + delayMs, () => this.restart(nodeId));
  }

  private restart(nodeId: NodeId): void {
    const node = this.nodes[nodeId - 1]!;
    if (node.status !== 'down') return;
    const started = node.start();
    this.trace.mix(201, nodeId, started ? 1 : 0);
    this.trace.line(this.nowMs, () =>
      `n${nodeId} ${started ? 'restarted' : `REFUSED: ${node.refusal}`}`);
    if (started) {
      if (this.bitFlipped === nodeId) {
        throw new SimFailure('wal-recovery',
          `node ${nodeId} started although a bit of its WAL was flipped where recovery must ` +
            'notice it: it could serve corrupted data');
      }
      return;
    }
    if (this.bitFlipped !== nodeId) {
      throw new SimFailure('wal-recovery',
        `node ${nodeId} refused to start with no corruption injected: ${node.refusal}`);
    }
  }

  private chaosTick(): void {
    const p = this.profile;
    const r = this.random;
    if (this.network.expire(this.nowMs) > 0) this.trace.line(this.nowMs, () => 'partition healed');
    if (r.nextFloat() < p.crashPerTick) {
      const up = this.nodes.filter((n) => n.isUp);
      if (up.length > 0) {
        const victim = up[r.nextInt(up.length)]!;
        if (r.nextFloat() < p.crashAtSyncFraction) {
          victim.disk.armCrashAtNextSync();
          this.trace.line(this.nowMs, () => `n${victim.id} will crash at its next fsync`);
        } else {
          victim.crash('power loss');
        }
      }
    }
    if (r.nextFloat() < p.partitionPerTick) {
      const span = p.partitionMsMax - p.partitionMsMin;
      const part = this.network.partitionRandom(this.nowMs, p.partitionMsMin + r.nextInt(span + 1));
      this.stats.partitions++;
      this.trace.mix(300, part.id, part.cut.length, part.untilMs);
      this.trace.line(this.nowMs, () =>
        `partition ${part.kind} cuts ${part.cut.map(([a, b]) => `${a}->${b}`).join(' ')} ` +
          `until ${part.untilMs}`);
    }
    if (r.nextFloat() < p.syncErrorPerTick) {
      const up = this.nodes.filter((n) => n.isUp);
      if (up.length > 0) {
        const victim = up[r.nextInt(up.length)]!;
        victim.disk.armSyncFailure();
        this.trace.line(this.nowMs, () => `n${victim.id}'s next fsync will fail (EIO)`);
      }
    }
    if (r.nextFloat() < p.transferPerTick) {
      const leader = this.nodes.find((n) => n.isUp && n.role === 'leader');
      if (leader !== undefined) {
        const to = 1 + r.nextInt(this.nodes.length);
        this.stats.transfers++;
        this.trace.line(this.nowMs, () => `n${leader.id} asked to transfer leadership to n${to}`);
        if (to !== leader.id) leader.transferLeader(to);
      }
    }
    if (p.bitFlipAtMs >= 0 && this.nowMs >= p.bitFlipAtMs && this.bitFlipped === 0) this.flipBit();
  }

  /** Corrupts one stopped node's WAL; that node must refuse to start from then on. */
  private flipBit(): void {
    let victim = this.nodes.find((n) => n.status === 'down');
    if (victim === undefined) {
      const up = this.nodes.filter((n) => n.isUp);
      victim = up[this.random.nextInt(up.length)]!;
      victim.crash('power loss before a bit flip');
    }
    const desc = victim.disk.flipBit();
    this.bitFlipped = desc === null ? -1 : victim.id;
    if (desc !== null) this.stats.bitFlips++;
    this.trace.line(this.nowMs, () => `n${victim.id} bit flip: ${desc ?? 'nothing to flip'}`);
  }

  private heal(): void {
    this.healed = true;
    this.network.heal();
    this.trace.line(this.nowMs, () => 'HEAL: network reliable, disks healthy, nodes restart');
    for (const n of this.nodes) {
      n.disk.disarmFaults();
      if (n.status === 'down') this.restart(n.id);
    }
    this.probe(0);
    this.at(this.nowMs + LIVENESS_WINDOW_MS, () => {
      if (this.livenessOkAtMs < 0) {
        const live = this.nodes.map((n) => n.describe()).join('\n  ');
        throw new SimFailure('liveness',
          `no write committed within 10 election timeouts (${LIVENESS_WINDOW_MS} ms) after ` +
            `the faults healed at ${this.o.chaosMs} ms; nodes:\n  ${live}`);
      }
    });
  }

  /** The liveness probe: a dedicated client writes until one write is acknowledged. */
  private probe(n: number): void {
    const client = this.clients[this.clients.length - 1]!;
    client.startOp(kv.put('live', `probe.${n}`), (ok) => {
      if (ok) {
        this.livenessOkAtMs = this.nowMs;
        this.stats.livenessMs = this.nowMs - this.o.chaosMs;
      } else {
        this.at(this.nowMs + 5, () => this.probe(n + 1));
      }
    });
  }

  // ---- clients ----------------------------------------------------------------------------

  private clientNext(c: SimClient): void {
    if (this.healed || this.opsIssued >= this.o.clientOpsMax) return;
    this.opsIssued++;
    c.startOp(undefined, () => {
      const thinkMs = this.random.nextInt(this.profile.thinkMsMax + 1);
      this.at(this.nowMs + thinkMs, () => this.clientNext(c));
    });
  }

  // ---- the run ----------------------------------------------------------------------------

  run(): void {
    const o = this.o;
    for (const n of this.nodes) n.start();
    for (const n of this.nodes) {
      const phase = this.random.nextInt(TICK_MS);
      const tick = (): void => {
        n.tick();
        this.at(this.nowMs + TICK_MS, tick);
      };
      this.at(phase, tick);
    }
    for (let t = TICK_MS; t < o.chaosMs; t += TICK_MS) this.at(t, () => this.chaosTick());
    const checksEndMs = o.chaosMs + LIVENESS_WINDOW_MS;
    for (let t = LOG_MATCHING_EVERY_MS; t < checksEndMs; t += LOG_MATCHING_EVERY_MS) {
      this.at(t, () => this.checkLogs());
    }
    for (const c of this.clients.slice(0, -1)) {
      this.at(this.random.nextInt(50), () => this.clientNext(c));
    }
    this.at(o.chaosMs, () => this.heal());
    const endMs = o.chaosMs + LIVENESS_WINDOW_MS + 1;
    while (this.queue.size > 0 && this.queue.peekTimeMs() <= endMs) {
      const { timeMs, value } = this.queue.pop();
      this.nowMs = timeMs;
      this.stats.events++;
      value();
      if (this.livenessOkAtMs >= 0 && this.clients.every((c) => !c.busy)) break;
    }
    this.stats.simulatedMs = this.nowMs;
    this.checkLogs();
    this.checkHistory();
  }

  private checkLogs(): void {
    const logs = [];
    for (const n of this.nodes) {
      const log = n.log();
      if (log !== null) logs.push({ nodeId: n.id, log });
    }
    this.safety.checkLogMatching(logs);
  }

  private checkHistory(): void {
    const ops = this.history.operations();
    const result = checkLinearizability(ops, { stepBudget: CHECK_STEP_BUDGET });
    if (result.result === 'ok') return;
    throw new SimFailure('linearizability', describeResult(result));
  }

  collectStats(): SimStats {
    const s = this.stats;
    s.simulatedMs = this.nowMs;
    for (const n of this.nodes) {
      s.snapshotsInstalled += n.stats.snapshotsInstalled;
      s.snapshotsCreated += n.stats.snapshotsCreated;
      s.entriesApplied += n.stats.applied;
    }
    for (const c of this.clients) {
      s.opsOk += c.stats.ok;
      s.opsFailed += c.stats.failed;
      s.opsUnknown += c.stats.unknown;
    }
    return s;
  }
}

/** Runs one seed to its verdict. Never throws for a failing run: the result says why. */
export function runSeed(partial: Partial<SimOptions> & { seed: number }): SimResult {
  const o = resolveSimOptions(partial);
  const world = new World(o);
  let check: CheckName | null = null;
  let message = '';
  try {
    world.run();
  } catch (e) {
    if (e instanceof SimFailure) {
      check = e.check;
      message = e.message;
    } else if (e instanceof AssertionError) {
      check = 'raft-invariant';
      message = `${e.message}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}`;
    } else {
      check = 'crash';
      message = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
    }
    world.trace.line(world.nowMs, () => `FAILED ${message}`);
  }
  return {
    seed: o.seed,
    nodeCount: o.nodeCount,
    ok: check === null,
    check,
    message: check === null ? '' : `at ${world.nowMs} ms: ${message}`,
    traceHash: world.trace.hash(),
    stats: world.collectStats(),
    traceLines: world.trace.lines,
    replay: replayCommand(o),
  };
}

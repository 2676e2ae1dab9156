/**
 * The main thread's cluster: one worker thread per Raft node, a full mesh of MessageChannels
 * between them, and a comlink control API per worker (status, faults, shutdown). Killing a
 * node terminates its worker abruptly (a crash: nothing is flushed); restarting spawns a new
 * worker on the same data directory, which recovers from its WAL and snapshot, then from the
 * leader. Started without a data directory, it uses a temporary one that stop() removes.
 * See docs/cluster.md (how it works) and docs/api.md (the library API).
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { rmSync } from 'node:fs';
import type {
  MemberChangeRequest, MemberStatus, NodeControl, NodeEvent, NodeStatus, NodeWorkerInit,
  PeerAddress,
} from '../node/control.js';
import {
  createNodeDir, openDataDir, nodeDirOf, retireNodeDir, saveIdentity, type ClusterIdentity,
} from './dataDir.js';
import { blockBetween, cleanNetwork, linkFaultsFor, type NetworkFaults } from './faults.js';
import { resolveClusterOptions, type ClusterOptions } from './options.js';
import { releaseProxy, transfer, wrapPort, type Remote } from './comlink.js';
import { isAdminRequest, type AdminReply, type AdminRequest } from './adminProtocol.js';
import { runAdminCommand } from './admin.js';
import { workerPath } from '../node/workerPath.js';
import type { JoinAnswer, JoinRequest } from '../node/membershipJoin.js';
import { startJoinService, type JoinService } from './joinService.js';
import { createTempDataDir, removeTempDataDir } from './tempDataDir.js';
import { healAll } from './actions.js';
import { freePorts, redisUrl } from './ports.js';
import { workerExecArgv } from './workerArgs.js';

export class ClusterError extends Error {
  override name = 'ClusterError';
}

interface NodeSlot {
  id: number;
  port: number;
  worker: Worker | null;
  control: Remote<NodeControl> | null;
  /** Its TCP bridge listener's port, when the cluster has a bridge. */
  bridgePort: number | null;
  /** Set while a worker is starting; resolves on its 'ready' event. */
  starting: Promise<void> | null;
}

export interface ClusterEvent {
  atMs: number;
  node: number;
  text: string;
}

const eventsMax = 1000;
const statusTimeoutMs = 1000;

/** A node's status as the cluster sees it: `alive` false when its worker is down. */
export type ClusterNodeStatus = NodeStatus & { alive: boolean };

export class Cluster implements AsyncDisposable {
  readonly options: ClusterOptions;
  /** The data directory is a temporary one this cluster made, and stop() removes it. */
  readonly ownsDataDir: boolean;
  readonly clusterId: string;
  private readonly slots = new Map<number, NodeSlot>();
  private readonly faults: NetworkFaults = cleanNetwork();
  private readonly events: ClusterEvent[] = [];
  private readonly listeners = new Set<(e: ClusterEvent) => void>();
  private readonly startedAtMs = Date.now();
  private stopped = false;
  private readonly identity: ClusterIdentity;
  /** One membership change at a time, cluster-wide (the leader enforces it too). */
  private memberChangeInFlight: string | null = null;
  private joinService: JoinService | null = null;

  private constructor(
    options: ClusterOptions, identity: ClusterIdentity, ports: Map<number, number>,
    ownsDataDir: boolean,
  ) {
    this.options = options;
    this.ownsDataDir = ownsDataDir;
    this.clusterId = identity.clusterId;
    this.identity = identity;
    for (const [id, port] of ports) {
      this.slots.set(id, { id, port, worker: null, control: null, starting: null,
        bridgePort: null });
    }
  }

  /**
   * Starts every node and resolves once each serves clients (a leader may not be elected yet:
   * see waitForLeader, or startCluster which waits). Without `dataDir`, a temporary directory.
   */
  static async start(partial: Partial<ClusterOptions> = {}): Promise<Cluster> {
    // Validate everything before a directory is made.
    resolveClusterOptions({ ...partial, dataDir: partial.dataDir ?? 'temporary' });
    const temporary = partial.dataDir === undefined ? createTempDataDir() : null;
    try {
      return await Cluster.open(resolveClusterOptions({ ...partial,
        dataDir: partial.dataDir ?? temporary! }), temporary !== null);
    } catch (error) {
      if (temporary !== null) removeTempDataDir(temporary);
      throw error;
    }
  }

  private static async open(options: ClusterOptions, ownsDataDir: boolean): Promise<Cluster> {
    const initialIds = Array.from({ length: options.nodes }, (_, i) => i + 1);
    const identity = openDataDir(options.dataDir, initialIds);
    // After a membership change cluster.json, not --nodes, names the members.
    const ids = identity.nodeIds;
    const free = options.basePort === 0 ? await freePorts(options.host, ids.length) : [];
    const ports = new Map(ids.map((id, i) => [id, options.basePort === 0 ? free[i]! :
      identity.ports?.[String(id)] ?? options.basePort + id - 1]));
    const local = new Map([...ports].filter(([id]) => identity.remote?.[String(id)] === undefined));
    const cluster = new Cluster(options, identity, local, ownsDataDir);
    try {
      if (options.bridge !== null) await cluster.startBridge(options.bridge.port);
      await Promise.all(ids.map((id) => cluster.spawn(id)));
    } catch (error) {
      await cluster.stop().catch(() => undefined);
      throw error;
    }
    return cluster;
  }

  get ids(): number[] {
    return [...this.slots.keys()];
  }

  /** Every member's addresses: workers of this process, then members in other processes. */
  members(): PeerAddress[] {
    const bridgeHost = this.options.bridge?.host;
    const local = [...this.slots.values()].map((s) => ({
      id: s.id, host: this.options.host, port: s.port,
      ...(s.bridgePort !== null && bridgeHost !== undefined
        ? { bridgeHost, bridgePort: s.bridgePort } : {}),
    }));
    return [...local, ...Object.values(this.identity.remote ?? {})];
  }

  /** Ids of every member, in this process or not. */
  get memberIds(): number[] {
    return [...this.ids, ...Object.keys(this.identity.remote ?? {}).map(Number)];
  }

  /** The join service's port (the bridge port nodes in other processes --join), or null. */
  get bridgePort(): number | null {
    return this.joinService?.port ?? null;
  }

  portOf(id: number): number {
    return this.slot(id).port;
  }

  /** The RESP ports of the nodes in this process, in id order. */
  get ports(): number[] {
    return this.ids.map((id) => this.portOf(id));
  }

  /**
   * `redis://host:port` of the first node: with forwarding on (the default) any node serves
   * every command, so this one URL is enough for ioredis or node-redis. With a password
   * (requirePass) the URL carries it: `redis://default:<password>@host:port`.
   */
  get url(): string {
    return this.urlOf(this.ids[0]!);
  }

  /** `redis://host:port` of node `id` (with the password, when there is one). */
  urlOf(id: number): string {
    const url = redisUrl(this.options.host, this.portOf(id));
    const password = this.options.requirePass;
    if (password === null) return url;
    return url.replace('redis://', `redis://default:${encodeURIComponent(password)}@`);
  }

  isAlive(id: number): boolean {
    return this.slot(id).worker !== null;
  }

  onEvent(listener: (e: ClusterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recentEvents(): ClusterEvent[] {
    return [...this.events];
  }

  private slot(id: number): NodeSlot {
    const slot = this.slots.get(id);
    if (slot === undefined) {
      throw new ClusterError(`no node ${id}; the cluster has nodes ${this.ids.join(', ')}`);
    }
    return slot;
  }

  private record(node: number, text: string): void {
    const event = { atMs: Date.now() - this.startedAtMs, node, text };
    this.events.push(event);
    if (this.events.length > eventsMax) this.events.shift();
    for (const listener of this.listeners) listener(event);
  }

  private async spawn(id: number): Promise<void> {
    const slot = this.slot(id);
    // A node added at run time never bootstraps a membership of its own, even when it is
    // restarted before it persisted anything: it learns the membership from a snapshot.
    const joining = (this.identity.addedIds ?? []).includes(id);
    if (slot.worker !== null) throw new ClusterError(`node ${id} is already running`);
    const control = new MessageChannel();
    const peerPorts: Record<number, MessagePort> = {};
    const peerEnds: [NodeSlot, MessagePort][] = [];
    for (const peer of this.slots.values()) {
      if (peer.id === id || peer.control === null) continue;
      const channel = new MessageChannel();
      peerPorts[peer.id] = channel.port1;
      peerEnds.push([peer, channel.port2]);
    }
    const init: NodeWorkerInit = {
      id,
      clusterId: this.clusterId,
      nodeDir: nodeDirOf(this.options.dataDir, id),
      host: this.options.host,
      port: slot.port,
      members: this.members(),
      ...(joining ? { bootstrapVoters: [] } : {}),
      ...(this.options.bridge !== null && slot.bridgePort !== null ? { bridge: {
        listenHost: this.options.bridge.host, listenPort: slot.bridgePort,
        secret: this.options.bridge.secret,
        peers: Object.values(this.identity.remote ?? {}),
      } } : {}),
      timing: this.options.timing,
      forward: this.options.forward,
      seed: (this.options.seed * 1_000_003 + id * 7919 + Date.now()) >>> 0,
      snapshotEntries: this.options.snapshotEntries,
      ...(this.options.requirePass !== null ? { requirePass: this.options.requirePass } : {}),
      controlPort: control.port2,
      peerPorts,
    };
    const worker = new Worker(workerPath('node.worker'), {
      execArgv: workerExecArgv(),
      workerData: init,
      transferList: [control.port2, ...Object.values(peerPorts)],
    });
    slot.worker = worker;
    slot.control = wrapPort<NodeControl>(control.port1);
    slot.starting = this.awaitReady(slot, worker);
    await slot.starting;
    slot.starting = null;
    // Connect live peers to the new node, then give it the current fault rules.
    for (const [peer, end] of peerEnds) {
      await peer.control?.connectPeer(id, transfer(end, [end as never]));
    }
    await this.pushFaults();
  }

  private awaitReady(slot: NodeSlot, worker: Worker): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new ClusterError(
          `node ${slot.id} did not start within ${this.options.startTimeoutMs} ms`));
      }, this.options.startTimeoutMs);
      worker.on('message', (event: NodeEvent | AdminRequest) => {
        if (isAdminRequest(event)) {
          void this.answerAdmin(worker, event);
        } else if (event.kind === 'ready') {
          clearTimeout(timer);
          this.record(slot.id, `started, serving Redis clients on port ${event.port}`);
          resolve();
        } else if (event.kind === 'log') {
          this.record(event.id, event.text);
        } else if (event.kind === 'fatal') {
          clearTimeout(timer);
          this.record(event.id, `stopped: ${event.text}`);
          reject(new ClusterError(`node ${slot.id}: ${event.text}`));
        }
      });
      worker.on('error', (error) => {
        clearTimeout(timer);
        this.record(slot.id, `crashed: ${error.message}`);
        reject(new ClusterError(`node ${slot.id} crashed: ${error.message}`));
      });
      worker.on('exit', (code) => {
        clearTimeout(timer);
        if (slot.worker === worker) {
          this.detach(slot);
          if (!this.stopped) this.record(slot.id, `worker exited (code ${code})`);
        }
        reject(new ClusterError(`node ${slot.id} exited with code ${code} while starting`));
      });
    });
  }

  /** `HARMONY ...` relayed by a node (src/cluster/adminProtocol.ts); see src/cluster/admin.ts. */
  private async answerAdmin(worker: Worker, request: AdminRequest): Promise<void> {
    const outcome = await runAdminCommand(this, request.from, request.args);
    const reply: AdminReply = {
      kind: 'admin-reply', requestId: request.requestId, reply: outcome.reply,
    };
    try {
      worker.postMessage(reply);
    } catch {
      // The node died meanwhile; its client sees the connection close.
    }
    await outcome.after?.().catch((error: Error) => this.record(0, `admin: ${error.message}`));
  }

  private detach(slot: NodeSlot): void {
    slot.control?.[releaseProxy]();
    slot.control = null;
    slot.worker = null;
  }

  /** Abrupt crash: the worker is terminated mid-flight; unsynced writes are simply not there. */
  async kill(id: number): Promise<void> {
    const slot = this.slot(id);
    const worker = slot.worker;
    if (worker === null) throw new ClusterError(`node ${id} is not running`);
    this.detach(slot);
    await worker.terminate();
    this.record(id, 'killed');
  }

  async restart(id: number): Promise<void> {
    if (this.slot(id).worker !== null) await this.kill(id);
    await this.spawn(id);
  }

  async status(): Promise<ClusterNodeStatus[]> {
    return Promise.all([...this.slots.values()].map(async (slot) => {
      const down = { ...downStatus(slot.id, slot.port), alive: false };
      if (slot.control === null || slot.starting !== null) return down;
      const status = await withTimeout(slot.control.status(), statusTimeoutMs).catch(() => null);
      return status === null ? down : { ...status, alive: true };
    }));
  }

  /** The id of the node every live node agrees leads the highest term, or 0. */
  async leader(): Promise<number> {
    const statuses = (await this.status()).filter((s) => s.alive);
    const leaders = statuses.filter((s) => s.role === 'leader');
    if (leaders.length === 0) return 0;
    leaders.sort((a, b) => b.term - a.term);
    return leaders[0]!.id;
  }

  async waitForLeader(timeoutMs = 10_000, excluding: number[] = []): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const id = await this.leader();
      if (id !== 0 && !excluding.includes(id)) return id;
      await sleep(20);
    }
    throw new ClusterError(`no leader elected within ${timeoutMs} ms`);
  }

  private async pushFaults(): Promise<void> {
    const ids = this.ids;
    await Promise.all([...this.slots.values()].map((slot) =>
      slot.control?.setLinkFaults(linkFaultsFor(this.faults, slot.id, ids))));
  }

  /** Cuts every link between the two groups (one way: only messages from `a` to `b`). */
  async partition(a: number[], b: number[], options: { oneWay?: boolean } = {}): Promise<void> {
    for (const id of [...a, ...b]) this.slot(id);
    blockBetween(this.faults, a, b, options.oneWay ?? false);
    this.record(0, `partition ${a.join(',')} ${options.oneWay ? '->' : '|'} ${b.join(',')}`);
    await this.pushFaults();
  }

  /**
   * Network faults on every link: dropRate and duplicateRate in 0..1, delayMs and
   * delayJitterMs in 0..10000. Fields left out keep their value.
   */
  async setNetwork(fields: Partial<Omit<NetworkFaults, 'blocked'>>): Promise<void> {
    for (const [name, max] of [['dropRate', 1], ['duplicateRate', 1], ['delayMs', 10_000],
      ['delayJitterMs', 10_000]] as const) {
      const value = fields[name];
      if (value !== undefined && !(value >= 0 && value <= max)) {
        throw new ClusterError(`${name} must be a number from 0 to ${max}, got ${value}`);
      }
    }
    Object.assign(this.faults, fields);
    await this.pushFaults();
  }

  /** Restores a clean network: no partitions, drops, delays or duplicates. */
  async heal(): Promise<void> {
    Object.assign(this.faults, cleanNetwork());
    this.record(0, 'network healed');
    await this.pushFaults();
  }

  /**
   * Undoes every fault (HARMONY HEAL): a clean network, normal disks, nobody paused. A node that
   * fail-stopped on an injected fsync failure stays down; restart it.
   */
  async healAll(): Promise<void> {
    await healAll(this);
  }

  /** Cuts node `id` off from every other node, both ways (the UI's `p`). */
  async isolate(id: number): Promise<void> {
    const others = this.ids.filter((other) => other !== this.slot(id).id);
    if (others.length > 0) await this.partition([id], others);
  }

  /**
   * The membership as the leader sees it (else any live node): each member's role, RESP
   * address and, from the leader, its match index (-1 when unknown). [] when no node is up.
   */
  async membership(): Promise<MemberStatus[]> {
    const live = (await this.status()).filter((s) => s.alive && s.members !== undefined);
    const seer = live.find((s) => s.role === 'leader') ?? live[0];
    return seer?.members ?? [];
  }

  networkFaults(): NetworkFaults {
    return { ...this.faults, blocked: new Set(this.faults.blocked) };
  }

  /** Adds `ms` (0..10000) to every fsync of node `id`; 0 is a normal disk. */
  async setDiskDelay(id: number, ms: number): Promise<void> {
    if (!(ms >= 0 && ms <= 10_000)) {
      throw new ClusterError(`disk delay must be from 0 to 10000 ms, got ${ms}`);
    }
    await this.liveControl(id).setDiskDelay(ms);
  }

  async setFsyncFailure(id: number, failing: boolean): Promise<void> {
    await this.liveControl(id).setFsyncFailure(failing);
  }

  async setPaused(id: number, paused: boolean): Promise<void> {
    await this.liveControl(id).setPaused(paused);
  }

  async transferLeader(to: number): Promise<void> {
    const leader = await this.leader();
    if (leader === 0) throw new ClusterError('no leader to transfer leadership from');
    this.slot(to);
    await this.liveControl(leader).transferLeader(to);
  }

  // ---- membership (docs/membership.md) ------------------------------------------------------

  /**
   * Adds a node: a new worker with a new id and port and an empty membership, then AddLearner
   * on the leader (its address in the change's context). Resolves with the id once the leader
   * applied the change; the learner catches up by snapshot. `id` defaults to the next unused.
   */
  async addLearner(options: { id?: number } = {}): Promise<number> {
    return this.memberChange('add learner', async () => {
      const used = [...this.ids, ...(this.identity.removedIds ?? [])];
      const id = options.id ?? Math.max(0, ...used) + 1;
      if (!Number.isSafeInteger(id) || id <= 0) throw new ClusterError(`invalid node id ${id}`);
      createNodeDir(this.options.dataDir, this.identity, id);
      const port = this.options.basePort === 0
        ? (await freePorts(this.options.host, 1))[0]! : this.options.basePort + id - 1;
      this.slots.set(id, { id, port, worker: null, control: null, starting: null,
        bridgePort: await this.bridgePortFor(id) });
      this.identity.addedIds = [...(this.identity.addedIds ?? []), id];
      try {
        await this.spawn(id);
        await this.proposeOnLeader({
          kind: 'addLearner', id, address: { id, host: this.options.host, port },
        });
      } catch (error) {
        // Never joined (or unknown): the id is burned, its directory removed.
        await this.retire(id).catch(() => undefined);
        rmSync(nodeDirOf(this.options.dataDir, id), { recursive: true, force: true });
        this.identity.removedIds = [...(this.identity.removedIds ?? []), id];
        this.saveIdentity();
        throw error;
      }
      this.identity.nodeIds = [...this.identity.nodeIds, id];
      this.saveIdentity();
      this.record(id, `added as a learner (port ${port})`);
      return id;
    });
  }

  /** Makes a learner a voter. */
  async promote(id: number): Promise<void> {
    await this.memberChange(`promote node ${id}`, async () => {
      this.checkMember(id);
      await this.proposeOnLeader({ kind: 'promote', id });
      this.record(id, 'promoted to voter');
    });
  }

  /**
   * Removes a member (the leader too: it steps down once it applies its own removal) and stops
   * its worker after the change is applied. Its directory stays on disk, marked removed; its
   * id is never reused.
   */
  async removeMember(id: number): Promise<void> {
    await this.memberChange(`remove node ${id}`, async () => {
      this.checkMember(id);
      const leader = await this.waitForLeader();
      const { index } = await this.proposeOnLeader({ kind: 'remove', id });
      this.identity.nodeIds = this.identity.nodeIds.filter((n) => n !== id);
      this.identity.removedIds = [...(this.identity.removedIds ?? []), id];
      if (this.identity.remote !== undefined) delete this.identity.remote[String(id)];
      this.saveIdentity();
      retireNodeDir(this.options.dataDir, this.identity, id);
      // A removed leader may be the only one that knows the change committed: let another
      // member apply it (or the next leader commit it) before the old leader goes away.
      if (id === leader) await this.waitForApplied(index, [id]);
      await this.retire(id);
      this.record(id, 'removed from the cluster');
    });
  }

  private checkMember(id: number): void {
    if (!this.memberIds.includes(id)) {
      throw new ClusterError(`no member ${id}; the members are ${this.memberIds.join(', ')}`);
    }
  }

  // ---- the bridge: join service and nodes in other processes --------------------------------

  private async startBridge(port: number): Promise<void> {
    const bridge = this.options.bridge!;
    for (const slot of this.slots.values()) slot.bridgePort = await this.bridgePortFor(slot.id);
    this.joinService = await startJoinService({
      host: bridge.host, port, secret: bridge.secret,
      handle: (request) => this.handleJoin(request),
      log: (text) => this.record(0, text),
    });
    this.record(0, `bridge: join service on ${bridge.host}:${this.joinService.port}`);
  }

  private async bridgePortFor(id: number): Promise<number | null> {
    const bridge = this.options.bridge;
    if (bridge === null) return null;
    return bridge.port === 0 ? (await freePorts(bridge.host, 1))[0]! : bridge.port + id;
  }

  /**
   * A node in another process asks to join (src/cluster/joinService.ts). A node whose data
   * directory names this cluster and is a member gets the member list (a restart); a new node
   * is added as a learner; another cluster's node, a member's id or a removed id is refused.
   */
  private async handleJoin(request: JoinRequest): Promise<JoinAnswer> {
    const id = request.nodeId;
    const answer = (): JoinAnswer => ({ clusterId: this.clusterId, members: this.members() });
    if (request.clusterId !== null && request.clusterId !== this.clusterId) {
      throw new ClusterError(`node ${id}'s data directory belongs to cluster ` +
        `${request.clusterId}, not to this one; use an empty --data directory to join`);
    }
    if ((this.identity.removedIds ?? []).includes(id)) {
      throw new ClusterError(`node id ${id} belonged to a member that was removed; ids are ` +
        'never reused: start with a new --id and an empty --data directory');
    }
    const isRemoteMember = this.identity.remote?.[String(id)] !== undefined;
    if (request.clusterId !== null && isRemoteMember) {
      this.record(id, 'rejoined from another process');
      return answer();
    }
    if (this.memberIds.includes(id) || this.slots.has(id)) {
      throw new ClusterError(`node id ${id} is already in use by a member of this cluster; ` +
        'pick another --id');
    }
    const address = { ...request.address, id, remote: true };
    await this.memberChange(`add node ${id} from another process`, async () => {
      await this.proposeOnLeader({ kind: 'addLearner', id, address });
      this.identity.remote = { ...(this.identity.remote ?? {}), [String(id)]: address };
      this.identity.nodeIds = [...this.identity.nodeIds, id];
      this.identity.addedIds = [...(this.identity.addedIds ?? []), id];
      this.saveIdentity();
    });
    this.record(
      id, `joined from another process as a learner (RESP ${address.host}:${address.port})`);
    return answer();
  }

  private async memberChange<T>(what: string, run: () => Promise<T>): Promise<T> {
    if (this.memberChangeInFlight !== null) {
      throw new ClusterError(`cannot ${what}: a membership change (${this.memberChangeInFlight}) ` +
        'is in progress; wait for it and retry');
    }
    this.memberChangeInFlight = what;
    try {
      return await run();
    } finally {
      this.memberChangeInFlight = null;
    }
  }

  private async proposeOnLeader(change: MemberChangeRequest): Promise<{ index: number }> {
    const leader = await this.waitForLeader();
    return this.liveControl(leader).proposeMember(change);
  }

  private async waitForApplied(
    index: number, excluding: number[], timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const statuses = (await this.status()).filter((s) => s.alive && !excluding.includes(s.id));
      if (statuses.some((s) => s.appliedIndex >= index)) return;
      await sleep(20);
    }
  }

  /** Stops a worker cleanly and forgets its slot. */
  private async retire(id: number): Promise<void> {
    const slot = this.slots.get(id);
    if (slot === undefined) return;
    const { worker, control } = slot;
    this.slots.delete(id);
    if (worker === null) return;
    await withTimeout(control!.shutdown(), 5000).catch(() => undefined);
    slot.control?.[releaseProxy]();
    slot.control = null;
    slot.worker = null;
    await worker.terminate();
  }

  private saveIdentity(): void {
    const ports: Record<string, number> = {};
    for (const slot of this.slots.values()) ports[String(slot.id)] = slot.port;
    this.identity.ports = ports;
    saveIdentity(this.options.dataDir, this.identity);
  }

  private liveControl(id: number): Remote<NodeControl> {
    const control = this.slot(id).control;
    if (control === null) throw new ClusterError(`node ${id} is not running; restart it first`);
    return control;
  }

  /**
   * Clean shutdown of every node: fsynced and closed; nothing acknowledged is lost. Then a
   * temporary data directory (one this cluster made) is removed. Calling it again is harmless.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.joinService?.close();
    await Promise.all([...this.slots.values()].map(async (slot) => {
      const { worker, control } = slot;
      if (worker === null) return;
      await withTimeout(control!.shutdown(), 5000).catch(() => undefined);
      this.detach(slot);
      await worker.terminate();
    }));
    if (this.ownsDataDir) removeTempDataDir(this.options.dataDir);
  }

  /** `await using cluster = await startCluster()`: stop() when the scope ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

/**
 * Starts a cluster and waits for its first leader: the library's front door (docs/api.md).
 * No options: 3 nodes on free ports with a temporary data directory that stop() removes.
 */
export async function startCluster(options: Partial<ClusterOptions> = {}): Promise<Cluster> {
  const cluster = await Cluster.start(options);
  try {
    await cluster.waitForLeader();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

function downStatus(id: number, port: number): NodeStatus {
  return {
    id, port, role: 'follower', term: 0, leader: 0, commitIndex: 0, appliedIndex: 0,
    lastIndex: 0, firstIndex: 0, snapshotIndex: 0, walBytes: 0, keyCount: 0, opsCompleted: 0,
    latencyMsP99: 0, paused: false, diskDelayMs: 0, fsyncFailing: false, progress: [], links: [],
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new ClusterError(`timed out after ${ms} ms`)), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); },
      (e) => { clearTimeout(timer); reject(e); });
  });
}

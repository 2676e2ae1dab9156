/**
 * Builds one running node inside its worker thread: storage recovered from disk, the state
 * machine rebuilt from the latest snapshot, the Raft core, the transport to the peers, the
 * driver with its tick timer, the KvBackend for the RESP server, and the control API the
 * cluster calls over comlink.
 */
import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { BTree, decodeSnapshot } from '../btree/index.js';
import { Prng, RawNode } from '../raft/index.js';
import { DiskStorage } from '../storage/index.js';
import { FaultyFileSystem, NodeFileSystem } from '../wal/index.js';
import {
  CompositeTransport, MessageChannelTransport, TcpTransport, type Transport,
} from '../transport/index.js';
import { ConfChangeType, type ConfChange } from '../codec/types.js';
import type {
  LinkFaults, MemberChangeRequest, NodeControl, NodeEvent, NodeStatus, NodeWorkerInit,
} from './control.js';
import { decodeSnapshotEnvelope, encodeMemberContext, MembershipError } from './membership.js';
import { NodeBackend } from './backend.js';
import { PubSubRelay } from './pubsubRelay.js';
import { RaftNode } from './node.js';
import { NodeStoppedError } from '../kv/index.js';
import { workerPath } from './workerPath.js';

export interface NodeRuntime {
  backend: NodeBackend;
  /** PUBLISH / MONITOR between nodes and this node's keyspace events: the server's bus. */
  relay: PubSubRelay;
  control: NodeControl;
  onShutdown(close: () => Promise<void>): void;
}

/** A real pause of this thread: what a slow disk does to the Ready loop. */
function blockFor(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function treeFromSnapshot(data: Uint8Array): BTree {
  const tree = BTree.create();
  if (data.length > 0) decodeSnapshot([data], tree);
  return tree;
}

export async function startNodeRuntime(
  init: NodeWorkerInit, post: (e: NodeEvent) => void,
): Promise<NodeRuntime> {
  const startedMs = Date.now();
  const log =
    (text: string) => post({ kind: 'log', id: init.id, atMs: Date.now() - startedMs, text });
  const fs = new FaultyFileSystem(new NodeFileSystem());
  const voters = init.bootstrapVoters ?? init.members.map((m) => m.id);
  const { storage, report } = DiskStorage.open(fs, init.nodeDir, {
    bootstrapConfState: { voters, learners: [] },
  });
  const torn = report.wal.truncated;
  if (torn !== null) {
    log(`WAL recovery: torn tail truncated in ${torn.file} at offset ${torn.offset} ` +
      `(${torn.droppedBytes} bytes of an unfinished write dropped)`);
  }
  if (report.commitBeyondLastIndex) {
    log(`WAL ends at index ${report.lastIndex} below commit ${report.hardState.commit}: ` +
      'this node will not vote or campaign until it has caught up from the leader');
  }
  const snapshot = storage.snapshot();
  const envelope = decodeSnapshotEnvelope(snapshot.data);
  const tree = treeFromSnapshot(envelope.tree);
  const random = new Prng(init.seed);
  // Seeds stamped into proposed entries: a stream of their own, so they never shift Raft's.
  const entrySeeds = random.fork();
  // Snapshot encoding and large scans run off the node thread, reading the shared pages; the
  // threads exit when idle. maxQueue bounds the backlog (piscina rejects past it).
  const queries = new Piscina({
    filename: workerPath('query.worker'), minThreads: 0, maxThreads: 2, idleTimeout: 5000,
    maxQueue: 64,
  });
  const raft = new RawNode({
    id: init.id,
    electionTicks: init.timing.electionTicks,
    heartbeatTicks: init.timing.heartbeatTicks,
    storage,
    applied: snapshot.metadata.index,
    maxSizePerMsgBytes: 1024 * 1024,
    maxInflightMsgs: 256,
    checkQuorum: true,
    preVote: true,
    disableProposalForwarding: true,
    random,
  });
  const channels = new MessageChannelTransport(
    { id: init.id, random: () => random.nextFloat() }, init.peerPorts);
  const bridge = init.bridge === undefined ? null : await startBridge(init, random, log);
  const transport: Transport = bridge === null ? channels
    : new CompositeTransport({ local: channels, remote: bridge });
  let diskDelayMs = 0;
  let fsyncFailing = false;
  const shutdownHooks: (() => Promise<void>)[] = [];
  const node: RaftNode = new RaftNode(raft, storage, tree, {
    send: (to, messages) => transport.send(to, messages),
    log,
    encodeSnapshot: (t) => queries.run({ kind: 'snapshot', handle: t.handle() }),
    restoreSnapshot: treeFromSnapshot,
    beforeSync: () => blockFor(diskDelayMs),
    fatal: (error) => {
      post({ kind: 'fatal', id: init.id, text: error.message });
      backend.close(error);
      // Fail-stop: a node whose fsync failed must not go on (docs/wal.md).
      setTimeout(() => process.exit(1), 10);
    },
    nowMs: () => performance.now(),
    wallClockMs: () => Date.now(),
    randomU32: () => entrySeeds.nextU32(),
    membersChanged: () => syncBridgePeers(),
  }, init.snapshotEntries);
  /** Members in other processes are bridge peers: dialled at their listener, or answered. */
  const syncBridgePeers = (): void => {
    if (bridge === null) return;
    const known = new Set(bridge.peers());
    const members = node.memberAddresses();
    for (const m of members) {
      if (m.id === init.id || known.has(m.id) || m.remote !== true) continue;
      const address = m.bridgeHost !== undefined && m.bridgePort !== undefined
        ? { host: m.bridgeHost, port: m.bridgePort } : null;
      bridge.addPeer(m.id, address);
      log(`bridge: member ${m.id} is in another process` +
        (address === null ? '; answering on its connections'
          : `; dialling ${m.bridgeHost}:${m.bridgePort}`));
    }
    const dialled = new Set(init.bridge!.peers.map((p) => p.id));
    for (const id of known) {
      if (!dialled.has(id) && !members.some((m) => m.id === id)) bridge.removePeer(id);
    }
  };
  transport.onMessages((_from, messages) => node.receive(messages));
  // Addresses: the snapshot's book (as of its index), updated by the ConfChange entries
  // replayed after it; what we were told at start overrides both (the in-process cluster may
  // have moved its workers to new ports).
  if (envelope.book !== null) node.members.replace(envelope.book);
  node.members.pin(init.members);
  syncBridgePeers();
  const members = () => node.memberAddresses();
  const backend = new NodeBackend(node, transport, members, {
    forward: init.forward, leaderWaitMs: 2000, forwardTimeoutMs: 5000, forwardPendingMax: 16_384,
    offThreadScanKeysMin: 1000,
    offThreadScan: (t, options) => queries.run({ kind: 'scan', handle: t.handle(), options }),
  });
  const relay = new PubSubRelay(transport, init.id,
    () => node.memberAddresses().map((m) => m.id).filter((id) => id !== init.id));
  node.keyspaceEvents = relay;
  const ticker = setInterval(() => node.tick(), init.timing.tickMs);
  log(`started (term ${storage.initialState().hardState.term}, last index ` +
    `${storage.lastIndex()}, ` +
    `snapshot ${snapshot.metadata.index})`);

  const control: NodeControl = {
    async status(): Promise<NodeStatus> {
      const s = node.raftStatus();
      const progress = s.progress === null ? [] : [...s.progress].map(([id, p]) => ({
        id, match: p.match, next: p.next, state: p.state,
      }));
      return {
        id: init.id, port: init.port, role: node.currentRole, term: s.hardState.term,
        leader: node.currentLeader, commitIndex: s.hardState.commit,
        appliedIndex: node.stateMachine.appliedIndex, lastIndex: s.lastIndex,
        firstIndex: s.firstIndex, snapshotIndex: node.currentSnapshotIndex,
        walBytes: storage.walSizeBytes, keyCount: node.stateMachine.stats().keyCount,
        opsCompleted: node.latency.completed, latencyMsP99: node.latency.p99(performance.now()),
        paused: node.isPaused, diskDelayMs, fsyncFailing, progress, members: node.memberStatus(),
        links: transport.stats().map((l) => ({
          peer: l.peer, sentMessages: l.sentMessages, receivedMessages: l.receivedMessages,
          droppedMessages: l.droppedMessages,
        })),
      };
    },
    async connectPeer(peer: number, port: MessagePort) {
      channels.connect(peer, port);
    },
    async setLinkFaults(faults: LinkFaults) {
      transport.setFaultRules(faults);
    },
    async setDiskDelay(ms: number) {
      diskDelayMs = ms;
      log(ms > 0 ? `disk slowed: +${ms} ms per fsync` : 'disk back to normal speed');
    },
    async setFsyncFailure(failing: boolean) {
      fsyncFailing = failing;
      if (failing) fs.failSync({ times: Infinity });
      else fs.faults.clear();
      log(failing ? 'fsync will fail from now on' : 'fsync failures cleared');
    },
    async setPaused(paused: boolean) {
      node.setPaused(paused);
      log(paused ? 'paused: no ticks, no messages processed' : 'resumed');
    },
    async transferLeader(to: number) {
      node.transferLeader(to);
      log(`transferring leadership to node ${to}`);
    },
    async proposeMember(change: MemberChangeRequest) {
      const index = await node.proposeMember(confChangeOf(change));
      log(`membership change committed at index ${index}: ${change.kind} node ${change.id}`);
      return { index };
    },
    async shutdown() {
      clearInterval(ticker);
      const reason = new NodeStoppedError('shutting down');
      node.stop(reason);
      backend.close(reason);
      relay.close();
      for (const close of shutdownHooks) await close();
      transport.close();
      await queries.destroy();
      storage.close();
    },
  };
  return { backend, relay, control, onShutdown: (close) => shutdownHooks.push(close) };
}

/** The Raft ConfChange for a requested membership change. */
export function confChangeOf(change: MemberChangeRequest): ConfChange {
  switch (change.kind) {
    case 'addLearner': {
      if (change.address === undefined) {
        throw new MembershipError(`adding node ${change.id} needs its address`);
      }
      return { type: ConfChangeType.AddLearner, nodeId: change.id,
        context: encodeMemberContext(change.address) };
    }
    case 'promote':
      return { type: ConfChangeType.AddNode, nodeId: change.id, context: new Uint8Array(0) };
    case 'remove':
      return { type: ConfChangeType.RemoveNode, nodeId: change.id, context: new Uint8Array(0) };
  }
}

async function startBridge(
  init: NodeWorkerInit, random: Prng, log: (text: string) => void,
): Promise<TcpTransport> {
  const b = init.bridge!;
  const peers: Record<number, { host: string; port: number }> = {};
  for (const p of b.peers) {
    if (p.id !== init.id && p.bridgeHost !== undefined && p.bridgePort !== undefined) {
      peers[p.id] = { host: p.bridgeHost, port: p.bridgePort };
    }
  }
  const tcp = await TcpTransport.start({
    id: init.id, clusterId: init.clusterId, secret: b.secret, random: () => random.nextFloat(),
    listen: b.listenPort !== null, listenHost: b.listenHost, listenPort: b.listenPort ?? 0,
    peers, log: (line) => log(`bridge: ${line}`),
  });
  const address = tcp.address();
  if (address !== null) log(`bridge listening on ${address.host}:${address.port}`);
  return tcp;
}

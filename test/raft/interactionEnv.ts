/**
 * The scenario-script harness behind interaction.test.ts (etcd raft's datadriven
 * InteractionEnv, re-imagined): a set of RawNodes over MemoryStorage, a message queue that
 * the script delivers explicitly, and commands that print what happened. The transcript is
 * the assertion; `REWRITE=1 npx vitest run test/raft/interaction.test.ts` regenerates it.
 */
import type { ConfState, Message, NodeId } from '../../src/codec/types.js';
import { ConfChangeType, EntryType } from '../../src/codec/types.js';
import {
  MemoryStorage,
  Prng,
  RawNode,
  decodeConfChange,
  describeEntry,
  describeMessage,
  describeReady,
  type RaftConfig,
} from '../../src/raft/index.js';

export interface Command {
  name: string;
  positional: string[];
  keyed: Map<string, string>;
}

type Level = 'debug' | 'info' | 'warn' | 'none';
const LEVELS: Record<Level, number> = { debug: 0, info: 1, warn: 2, none: 3 };

interface HarnessNode {
  id: NodeId;
  storage: MemoryStorage;
  rawNode: RawNode;
  config: RaftConfig;
  /** The configuration as of the last applied entry/snapshot (for creating snapshots). */
  confState: ConfState;
  appliedIndex: number;
}

function parseIds(s: string | undefined): NodeId[] {
  if (s === undefined) return [];
  const inner = s.replace(/^\(/, '').replace(/\)$/, '').trim();
  if (inner === '') return [];
  return inner.split(/[ ,]+/).map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`bad node id ${x}`);
    return n;
  });
}

const encoder = new TextEncoder();

export class InteractionEnv {
  readonly nodes = new Map<NodeId, HarnessNode>();
  /** Messages sent and not yet delivered, in send order. */
  network: Message[] = [];
  readonly isolated = new Set<NodeId>();
  private out: string[] = [];
  private level: Level = 'info';

  private log(level: Exclude<Level, 'none'>, msg: string): void {
    if (LEVELS[level] >= LEVELS[this.level]) this.out.push(`${level.toUpperCase()} ${msg}`);
  }

  private write(line: string): void {
    this.out.push(line);
  }

  private node(idText: string | undefined): HarnessNode {
    const id = Number(idText);
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`unknown node ${idText}`);
    return n;
  }

  private ids(positional: string[]): NodeId[] {
    if (positional.length === 0) return [...this.nodes.keys()].sort((a, b) => a - b);
    return positional.map((p) => this.node(p).id);
  }

  /** Runs one command and returns its transcript. */
  handle(cmd: Command): string {
    this.out = [];
    try {
      this.dispatch(cmd);
    } catch (e) {
      if (e instanceof Error && e.name === 'AssertionError') throw e;
      this.write(`error: ${e instanceof Error ? e.message : String(e)}`);
    }
    for (const n of this.nodes.values()) n.rawNode.checkInvariants();
    const text = this.out.join('\n');
    return text === '' ? 'ok' : text;
  }

  private dispatch(cmd: Command): void {
    const p = cmd.positional;
    const k = cmd.keyed;
    switch (cmd.name) {
      case 'add-nodes':
        return this.addNodes(Number(p[0]), k);
      case 'campaign':
        return this.node(p[0]).rawNode.campaign();
      case 'propose':
        for (const data of p.slice(1)) this.node(p[0]).rawNode.propose(encoder.encode(data));
        return;
      case 'propose-conf-change':
        return this.proposeConfChange(this.node(p[0]), p[1] ?? '');
      case 'tick-election':
        return this.tick(this.node(p[0]), this.node(p[0]).config.electionTicks);
      case 'tick-heartbeat':
        return this.tick(this.node(p[0]), this.node(p[0]).config.heartbeatTicks);
      case 'tick':
        return this.tick(this.node(p[0]), Number(k.get('n') ?? p[1] ?? 1));
      case 'deliver-msgs':
        this.deliverMsgs(p.map((x) => this.node(x).id), parseIds(k.get('drop')), k.get('type'));
        return;
      case 'process-ready':
        for (const id of this.ids(p)) this.processReady(this.nodes.get(id)!);
        return;
      case 'stabilize':
        return this.stabilize(this.ids(p));
      case 'raft-log':
        return this.raftLog(this.node(p[0]));
      case 'raft-state':
        return this.raftState();
      case 'status':
        return this.status(this.node(p[0]));
      case 'read-index':
        return this.node(p[0]).rawNode.readIndex(encoder.encode(p[1] ?? ''));
      case 'transfer-leadership':
        return this.node(k.get('from')).rawNode.transferLeader(Number(k.get('to')));
      case 'compact':
        return this.compact(this.node(p[0]), Number(p[1]));
      case 'log-level':
        this.level = (p[0] ?? 'info') as Level;
        return;
      case 'isolate':
        for (const id of this.ids(p)) this.isolated.add(id);
        return;
      case 'heal':
        this.isolated.clear();
        return;
      case 'restart':
        return this.restart(this.node(p[0]), k.get('last'));
      case 'report-unreachable':
        return this.node(p[0]).rawNode.reportUnreachable(Number(p[1]));
      case 'report-snapshot':
        return this.node(p[0]).rawNode.reportSnapshot(Number(p[1]), p[2] !== 'fail');
      default:
        throw new Error(`unknown command ${cmd.name}`);
    }
  }

  private addNodes(count: number, k: Map<string, string>): void {
    const voters = parseIds(k.get('voters'));
    const learners = parseIds(k.get('learners'));
    const index = Number(k.get('index') ?? 0);
    const flag = (name: string): boolean => k.get(name) === 'true';
    const num = (name: string, dflt: number): number => Number(k.get(name) ?? dflt);
    for (let i = 0; i < count; i++) {
      const id = this.nodes.size + 1;
      const confState = { voters, learners };
      const storage = new MemoryStorage(index > 0 ? undefined : confState);
      // terms=(1,1,4,...) prefills the log (indexes 1..n) for Figure 7/8-style setups.
      const terms = parseIds(k.get('terms'));
      if (terms.length > 0) {
        storage.append(
          terms.map(
            (term, j) => (
              { term, index: j + 1, type: EntryType.Normal, data: new Uint8Array(0) })));
        const term = Number(k.get('term') ?? terms[terms.length - 1]);
        storage.setHardState({ term, vote: 0, commit: Number(k.get('commit') ?? 0) });
      }
      if (index > 0) {
        storage.applySnapshot({
          metadata: { index, term: 1, confState },
          data: encoder.encode('bootstrap'),
        });
        storage.setHardState({ term: 1, vote: 0, commit: index });
      }
      const config: RaftConfig = {
        id,
        electionTicks: num('election', 10),
        heartbeatTicks: num('heartbeat', 1),
        storage,
        applied: index,
        maxSizePerMsgBytes: num('max-msg-size', Number.MAX_SAFE_INTEGER),
        maxInflightMsgs: num('max-inflight', 256),
        maxInflightBytes: k.has('max-inflight-bytes') ? num('max-inflight-bytes', 0) : undefined,
        maxUncommittedEntriesBytes: k.has('max-uncommitted-size')
          ? num('max-uncommitted-size', 0) : undefined,
        checkQuorum: flag('checkquorum'),
        preVote: flag('prevote'),
        disableProposalForwarding: flag('disable-forwarding'),
        random: new Prng(1000 + id),
        logger: this.logger(),
      };
      this.nodes.set(id, {
        id,
        storage,
        config,
        rawNode: new RawNode(config),
        confState: storage.initialState().confState,
        appliedIndex: index,
      });
    }
  }

  private logger() {
    return {
      debug: (m: string) => this.log('debug', m),
      info: (m: string) => this.log('info', m),
      warn: (m: string) => this.log('warn', m),
    };
  }

  private proposeConfChange(n: HarnessNode, spec: string): void {
    const kinds: Record<string, ConfChangeType> = {
      v: ConfChangeType.AddNode,
      r: ConfChangeType.RemoveNode,
      l: ConfChangeType.AddLearner,
    };
    const type = kinds[spec[0] ?? ''];
    if (type === undefined) throw new Error(`conf change must look like v4, r2 or l5: ${spec}`);
    n.rawNode.proposeConfChange(
      { type, nodeId: Number(spec.slice(1)), context: new Uint8Array(0) });
  }

  private tick(n: HarnessNode, count: number): void {
    for (let i = 0; i < count; i++) n.rawNode.tick();
  }

  /** Delivers (or drops) queued messages addressed to `ids`; returns whether any moved. */
  private deliverMsgs(ids: NodeId[], drop: NodeId[], type?: string): boolean {
    let moved = false;
    for (const id of [...ids, ...drop].sort((a, b) => a - b)) {
      const dropping = drop.includes(id);
      const mine =
        this.network.filter(
          (m) => m.to === id && (type === undefined || describeMessage(m).includes(` ${type} `)));
      if (mine.length === 0) continue;
      this.network = this.network.filter((m) => !mine.includes(m));
      moved = true;
      this.write(`> ${id} receiving messages`);
      for (const m of mine) {
        const cut = this.isolated.has(m.from) || this.isolated.has(m.to);
        if (dropping || cut) {
          this.write(`  ${describeMessage(m)} (dropped${cut && !dropping ? ': isolated' : ''})`);
          continue;
        }
        this.write(`  ${describeMessage(m)}`);
        this.nodes.get(id)?.rawNode.step(m);
      }
    }
    return moved;
  }

  private processReady(n: HarnessNode): boolean {
    if (!n.rawNode.hasReady()) return false;
    const rd = n.rawNode.ready();
    this.write(`> ${n.id} handling Ready`);
    for (const line of describeReady(rd).split('\n')) this.write(`  ${line}`);
    // The driver's order: snapshot, then HardState + entries (durable), then send, apply.
    if (rd.snapshot !== null) {
      n.storage.applySnapshot(rd.snapshot);
      n.confState = rd.snapshot.metadata.confState;
      n.appliedIndex = rd.snapshot.metadata.index;
    }
    if (rd.hardState !== null) n.storage.setHardState(rd.hardState);
    n.storage.append(rd.entries);
    this.network.push(...rd.messages);
    for (const e of rd.committedEntries) {
      if (e.type === EntryType.ConfChange) n.confState =
        n.rawNode.applyConfChange(decodeConfChange(e.data));
      n.appliedIndex = e.index;
    }
    n.rawNode.advance(rd);
    return true;
  }

  private stabilize(ids: NodeId[]): void {
    // Bounded: a scenario that never settles is a bug worth seeing, not a hang.
    for (let round = 0; round < 1000; round++) {
      let moved = false;
      for (const id of ids) moved = this.processReady(this.nodes.get(id)!) || moved;
      for (const id of ids) moved = this.deliverMsgs([id], []) || moved;
      if (!moved) return;
    }
    throw new Error('stabilize did not settle within 1000 rounds');
  }

  private raftLog(n: HarnessNode): void {
    const first = n.storage.firstIndex();
    const last = n.storage.lastIndex();
    if (last < first) {
      this.write(`log is empty: first index=${first}, last index=${last}`);
      return;
    }
    for (const e of n.storage.entries(first, last + 1, Number.MAX_SAFE_INTEGER)) this.write(
      describeEntry(e));
  }

  private raftState(): void {
    for (const n of [...this.nodes.values()].sort((a, b) => a.id - b.id)) {
      const st = n.rawNode.status();
      const role =
        { follower: 'StateFollower', candidate: 'StateCandidate',
          'pre-candidate': 'StatePreCandidate', leader: 'StateLeader' }[st.softState.role];
      const kind = st.config.voters.includes(n.id) ? 'Voter' : st.config.learners.includes(n.id)
        ? 'Learner' : 'Non-Voter';
      const iso = this.isolated.has(n.id) ? ' isolated' : '';
      this.write(
        `${n.id}: ${role} (${kind}) Term:${st.hardState.term} Lead:${st.softState.leader}${iso}`);
    }
  }

  private status(n: HarnessNode): void {
    const st = n.rawNode.status();
    this.write(
      `term=${st.hardState.term} commit=${st.hardState.commit} applied=${st.applied} ` +
        `first=${st.firstIndex} last=${st.lastIndex} config=${JSON.stringify(st.config)}`,
    );
    if (st.progress === null) return;
    for (const [id, pr] of st.progress) {
      const state =
        { probe: 'StateProbe', replicate: 'StateReplicate', snapshot: 'StateSnapshot' }[pr.state];
      const learner = pr.isLearner ? ' learner' : '';
      this.write(`${id}: ${state} match=${pr.match} next=${pr.next}${learner}`);
    }
  }

  private compact(n: HarnessNode, index: number): void {
    if (n.appliedIndex < index) throw new Error(`node ${n.id} applied only ${n.appliedIndex}`);
    n.storage.createSnapshot(index, n.confState, encoder.encode(`snapshot@${index}`));
    n.storage.compact(index);
    this.raftLog(n);
  }

  /**
   * Crash and restart from storage. With last=N the log is cut back to N while the HardState
   * (and its commit) survive: a WAL repair that lost acknowledged entries.
   */
  private restart(n: HarnessNode, last: string | undefined): void {
    let storage = n.storage;
    if (last !== undefined) {
      const keep = Number(last);
      const { hardState, confState } = n.storage.initialState();
      const snap = n.storage.snapshot();
      storage = new MemoryStorage(confState);
      if (snap.metadata.index > 0) storage.applySnapshot(snap);
      storage.append(n.storage.entries(n.storage.firstIndex(), keep + 1, Number.MAX_SAFE_INTEGER));
      storage.setHardState(hardState);
    }
    this.network = this.network.filter((m) => m.to !== n.id && m.from !== n.id);
    const snapIndex = storage.snapshot().metadata.index;
    const config: RaftConfig =
      { ...n.config, storage, applied: snapIndex, random: new Prng(2000 + n.id) };
    n.storage = storage;
    n.config = config;
    n.rawNode = new RawNode(config);
    n.confState = storage.initialState().confState;
    n.appliedIndex = snapIndex;
  }
}

/** Splits a command line into name, positional args and key=value args ((..) lists allowed). */
export function parseCommand(line: string): Command {
  const tokens: string[] = [];
  let cur = '';
  let depth = 0;
  for (const ch of line.trim()) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ' ' && depth === 0) {
      if (cur !== '') tokens.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  if (cur !== '') tokens.push(cur);
  const [name, ...rest] = tokens;
  const positional: string[] = [];
  const keyed = new Map<string, string>();
  for (const t of rest) {
    const eq = t.indexOf('=');
    if (eq > 0) keyed.set(t.slice(0, eq), t.slice(eq + 1));
    else positional.push(t);
  }
  return { name: name ?? '', positional, keyed };
}

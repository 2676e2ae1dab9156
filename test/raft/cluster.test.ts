// Smoke test of the whole core: 3- and 5-node clusters in one thread (MemoryStorage, a driver
// loop following the Ready contract) push thousands of proposals through a network that drops,
// duplicates and reorders messages under a seeded Prng. After every round it checks election
// safety (at most one leader per term), state-machine safety (every node applies the same entry
// at each index) and the core's invariants; after the faults stop, every node must converge on
// the same applied log. The full simulation with disk faults and linearizability is test/sim.
import { describe, expect, it } from 'vitest';
import type { Entry, Message, NodeId } from '../../src/codec/types.js';
import { EntryType } from '../../src/codec/types.js';
import { MemoryStorage, Prng, ProposalDroppedError, RawNode } from '../../src/raft/index.js';

interface SimNode {
  id: NodeId;
  storage: MemoryStorage;
  raw: RawNode;
  appliedIndex: number;
}

class Cluster {
  readonly nodes: SimNode[] = [];
  private inFlight: Message[] = [];
  /** term -> the leader seen in it (election safety). */
  private readonly leaders = new Map<number, NodeId>();
  /** index -> "term/data" of the entry applied there by the first node (state-machine safety). */
  readonly appliedAt = new Map<number, string>();
  dropRate = 0.1;
  duplicateRate = 0.02;

  constructor(
    size: number,
    readonly rng: Prng,
  ) {
    const voters = Array.from({ length: size }, (_, i) => i + 1);
    for (const id of voters) {
      const storage = new MemoryStorage();
      storage.applySnapshot({
        metadata: { index: 1, term: 1, confState: { voters, learners: [] } },
        data: new Uint8Array(0),
      });
      storage.setHardState({ term: 1, vote: 0, commit: 1 });
      const raw = new RawNode({
        id,
        electionTicks: 10,
        heartbeatTicks: 1,
        storage,
        applied: 1,
        maxSizePerMsgBytes: 4096,
        maxInflightMsgs: 16,
        checkQuorum: true,
        preVote: true,
        random: rng.fork(),
      });
      this.nodes.push({ id, storage, raw, appliedIndex: 1 });
    }
  }

  leader(): SimNode | undefined {
    return this.nodes.find((n) => n.raw.status().softState.role === 'leader');
  }

  private handleReady(n: SimNode): void {
    if (!n.raw.hasReady()) return;
    const rd = n.raw.ready();
    if (rd.softState?.role === 'leader') {
      const term = n.raw.status().hardState.term;
      const prior = this.leaders.get(term);
      expect(prior === undefined || prior === n.id, `two leaders in term ${term}`).toBe(true);
      this.leaders.set(term, n.id);
    }
    if (rd.snapshot !== null) {
      n.storage.applySnapshot(rd.snapshot);
      n.appliedIndex = rd.snapshot.metadata.index;
    }
    if (rd.hardState !== null) n.storage.setHardState(rd.hardState);
    n.storage.append(rd.entries);
    this.inFlight.push(...rd.messages);
    for (const e of rd.committedEntries) this.apply(n, e);
    n.raw.advance(rd);
  }

  private apply(n: SimNode, e: Entry): void {
    expect(e.index).toBe(n.appliedIndex + 1);
    const key =
      `${e.term}/${e.type === EntryType.Normal ? new TextDecoder().decode(e.data) : 'cc'}`;
    const prior = this.appliedAt.get(e.index);
    if (prior === undefined) this.appliedAt.set(e.index, key);
    else expect(key, `node ${n.id} applied a different entry at ${e.index}`).toBe(prior);
    n.appliedIndex = e.index;
  }

  /** One round: every node ticks and handles its Ready, then the network delivers. */
  round(): void {
    for (const n of this.nodes) {
      n.raw.tick();
      this.handleReady(n);
    }
    const batch = this.inFlight;
    this.inFlight = [];
    // Reorder: a random permutation of this round's messages; a few wait for a later round.
    for (let i = batch.length - 1; i > 0; i--) {
      const j = this.rng.nextInt(i + 1);
      [batch[i], batch[j]] = [batch[j]!, batch[i]!];
    }
    for (const m of batch) {
      const r = this.rng.nextFloat();
      if (r < this.dropRate) continue;
      if (r < this.dropRate + 0.05) {
        this.inFlight.push(m);
        continue;
      }
      const to = this.nodes[m.to - 1]!;
      to.raw.step(m);
      if (this.rng.nextFloat() < this.duplicateRate) to.raw.step(m);
    }
    for (const n of this.nodes) n.raw.checkInvariants();
  }
}

function run(size: number, seed: number, proposals: number): Cluster {
  const c = new Cluster(size, new Prng(seed));
  let proposed = 0;
  let rounds = 0;
  while (proposed < proposals) {
    rounds++;
    expect(rounds, `seed ${seed}: too many rounds`).toBeLessThan(proposals * 20);
    const leader = c.leader();
    if (leader !== undefined) {
      // A few proposals per round, like many clients sharing one Ready.
      const burst = 1 + c.rng.nextInt(4);
      for (let i = 0; i < burst && proposed < proposals; i++) {
        try {
          leader.raw.propose(new TextEncoder().encode(`p${proposed}`));
        } catch (e) {
          if (!(e instanceof ProposalDroppedError)) throw e;
        }
        proposed++;
      }
    }
    c.round();
  }
  // Faults stop; the cluster must converge: a final write commits and every node applies it.
  c.dropRate = 0;
  c.duplicateRate = 0;
  let done = false;
  for (let i = 0; i < 2000 && !done; i++) {
    c.round();
    const leader = c.leader();
    if (i === 100 && leader !== undefined) leader.raw.propose(new TextEncoder().encode('final'));
    const last = c.appliedAt.size + 1;
    done = i > 100 && c.nodes.every((n) => n.appliedIndex === last) &&
      [...c.appliedAt.values()].some((v) => v.endsWith('/final'));
  }
  expect(done, `seed ${seed}: cluster did not converge`).toBe(true);
  return c;
}

describe('in-memory cluster under message loss, duplication and reordering', () => {
  it.each([
    { size: 3, seed: 1 },
    { size: 3, seed: 2 },
    { size: 5, seed: 3 },
    { size: 5, seed: 4 },
  ])('$size nodes, seed $seed: safe and convergent through 3000 proposals', ({ size, seed }) => {
    const c = run(size, seed, 3000);
    // Most proposals survive leader changes (dropped ones were uncommitted).
    const committed = [...c.appliedAt.values()].filter((v) => /\/p\d+$/.test(v)).length;
    expect(committed).toBeGreaterThan(1500);
  });
});

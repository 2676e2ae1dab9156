// Proves two fixes found by the simulation (docs/sim.md, replay seeds 78 and 360):
// (1) a follower whose in-flight window filled up with lost MsgApps is not stalled forever: a
//     heartbeat response frees a slot and replication resumes;
// (2) a node whose WAL kept entries of a newer term but lost the HardState of that Ready (a
//     torn write) restarts at the last entry's term with no vote, its invariants intact.
import { describe, expect, it } from 'vitest';
import { MessageType, type Message } from '../../src/codec/types.js';
import { MemoryStorage, Prng, RawNode } from '../../src/raft/index.js';
import { Inflights } from '../../src/raft/inflights.js';

function node(id: number, storage: MemoryStorage, maxInflightMsgs = 256): RawNode {
  return new RawNode({
    id, electionTicks: 10, heartbeatTicks: 1, storage, maxSizePerMsgBytes: 1024 * 1024,
    maxInflightMsgs, checkQuorum: false, preVote: false, random: new Prng(id),
  });
}

/** Persists and collects every Ready of every node, delivering messages until quiet. */
function stabilize(nodes: Map<number, { raw: RawNode; storage: MemoryStorage }>,
  drop: (m: Message) => boolean = () => false): void {
  for (let round = 0; round < 100; round++) {
    const inFlight: Message[] = [];
    for (const { raw, storage } of nodes.values()) {
      while (raw.hasReady()) {
        const rd = raw.ready();
        if (rd.hardState !== null) storage.setHardState(rd.hardState);
        storage.append(rd.entries);
        inFlight.push(...rd.messages);
        raw.advance(rd);
      }
    }
    if (inFlight.length === 0) return;
    for (const m of inFlight) if (!drop(m)) nodes.get(m.to)!.raw.step(m);
  }
}

describe('simulation regressions', () => {
  it('Inflights.freeFirstOne frees exactly the oldest message', () => {
    const w = new Inflights(2, 1 << 20);
    w.add(5, 10);
    w.add(7, 10);
    expect(w.full()).toBe(true);
    w.freeFirstOne();
    expect([w.full(), w.count, w.bytesInflight]).toEqual([false, 1, 10]);
  });

  it('a follower whose MsgApps were lost with a full window catches up after a heartbeat', () => {
    const conf = { voters: [1, 2], learners: [] };
    const nodes = new Map([1, 2].map((id) => {
      const storage = new MemoryStorage(conf);
      return [id, { raw: node(id, storage, 1), storage }] as const;
    }));
    const leader = nodes.get(1)!.raw;
    leader.campaign();
    stabilize(nodes);
    expect(leader.status().softState.role).toBe('leader');
    const lostApp = (m: Message) => m.type === MessageType.App && m.to === 2;
    for (let i = 0; i < 5; i++) {
      leader.propose(new TextEncoder().encode(`x${i}`));
      stabilize(nodes, lostApp);
    }
    expect(nodes.get(2)!.storage.lastIndex()).toBeLessThan(leader.status().lastIndex);
    leader.tick(); // heartbeat: the follower answers, the leader frees a slot and resends
    stabilize(nodes);
    expect(nodes.get(2)!.storage.lastIndex()).toBe(leader.status().lastIndex);
    expect(leader.status().hardState.commit).toBe(leader.status().lastIndex);
  });

  it('restarts at the last entry term, no vote, when a torn write lost the HardState', () => {
    const storage = new MemoryStorage({ voters: [1, 2, 3], learners: [] });
    storage.append([
      { term: 2, index: 1, type: 0, data: new Uint8Array(0) },
      { term: 3, index: 2, type: 0, data: new Uint8Array(0) },
    ]);
    storage.setHardState({ term: 2, vote: 1, commit: 1 });
    const raw = node(1, storage);
    raw.checkInvariants();
    expect(raw.status().hardState).toMatchObject({ term: 3, vote: 0, commit: 1 });
  });
});

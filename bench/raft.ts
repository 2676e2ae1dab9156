/**
 * `npm run bench -- raft`: proposals committed per second through a 3-node in-memory cluster
 * in one thread (MemoryStorage, no disk; messages delivered by a loop), entries of 100 bytes,
 * with 1 and 256 proposals per Ready cycle. Shows the pure core is not the bottleneck.
 * Prints figures; asserts nothing.
 */
import type { Message } from '../src/codec/types.js';
import { MemoryStorage, Prng, RawNode } from '../src/raft/index.js';

interface BenchNode {
  storage: MemoryStorage;
  raw: RawNode;
}

function makeCluster(): BenchNode[] {
  const voters = [1, 2, 3];
  return voters.map((id) => {
    const storage = new MemoryStorage();
    storage.applySnapshot(
      { metadata: { index: 1, term: 1, confState: { voters, learners: [] } },
        data: new Uint8Array(0) });
    storage.setHardState({ term: 1, vote: 0, commit: 1 });
    const raw = new RawNode({
      id, electionTicks: 10, heartbeatTicks: 1, storage, applied: 1,
      maxSizePerMsgBytes: 1024 * 1024, maxInflightMsgs: 256, checkQuorum: false, preVote: false,
      random: new Prng(id),
    });
    return { storage, raw };
  });
}

/** Runs Ready cycles until no node has work; returns the number of entries the leader applied. */
function pump(nodes: BenchNode[]): number {
  let applied = 0;
  for (let moved = true; moved; ) {
    moved = false;
    const out: Message[] = [];
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i]!;
      if (!n.raw.hasReady()) continue;
      moved = true;
      const rd = n.raw.ready();
      if (rd.hardState !== null) n.storage.setHardState(rd.hardState);
      n.storage.append(rd.entries);
      out.push(...rd.messages);
      if (i === 0) applied += rd.committedEntries.length;
      n.raw.advance(rd);
    }
    for (const m of out) nodes[m.to - 1]!.raw.step(m);
    if (out.length > 0) moved = true;
  }
  return applied;
}

function measure(batch: number, totalEntries: number, oneMessage: boolean): {
  entriesPerSec: number; mbPerSec: number } {
  const nodes = makeCluster();
  nodes[0]!.raw.campaign();
  pump(nodes);
  const payload = new Uint8Array(100).fill(120);
  const start = process.hrtime.bigint();
  let committed = 0;
  for (let done = 0; done < totalEntries; done += batch) {
    if (oneMessage) nodes[0]!.raw.proposeBatch(new Array<Uint8Array>(batch).fill(payload));
    else for (let i = 0; i < batch; i++) nodes[0]!.raw.propose(payload);
    committed += pump(nodes);
    // Compaction keeps memory flat in long runs, as a driver would.
    for (const n of nodes) {
      const applied = n.raw.status().applied;
      if (applied - n.storage.firstIndex() > 10_000) n.storage.compact(applied - 1000);
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { entriesPerSec: committed / seconds, mbPerSec: (committed * 100) / seconds / 1e6 };
}

export async function run(args: string[]): Promise<void> {
  const scale = args.includes('--quick') ? 0.1 : 1;
  process.stdout.write('raft: 3-node in-memory cluster, one thread, 100-byte entries\n');
  const cases = [[1, 50_000, false], [256, 500_000, false], [256, 500_000, true]] as const;
  for (const [batch, total, oneMessage] of cases) {
    measure(batch, Math.max(batch, Math.floor((total * scale) / 10)), oneMessage); // warm-up
    const r = measure(batch, Math.floor(total * scale), oneMessage);
    const how = oneMessage ? 'proposeBatch' : 'propose x' + batch;
    process.stdout.write(
      `  batch ${String(batch).padStart(3)} (${how}): ` +
        `${Math.round(r.entriesPerSec).toLocaleString('en-US')} entries/s, ` +
        `${r.mbPerSec.toFixed(1)} MB/s of payload\n`,
    );
  }
}

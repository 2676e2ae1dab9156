/**
 * Majority arithmetic (etcd quorum/majority.go) for a single, simple majority configuration;
 * HarmonyDB changes membership one server at a time, so joint configurations never occur.
 */
import type { LogIndex, NodeId } from '../codec/types.js';

export type VoteResult = 'pending' | 'lost' | 'won';

/** The number of voters that forms a majority. */
export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * The largest index acknowledged by a majority of voters. `matchOf` returns each voter's
 * acknowledged index (0 when unknown). An empty configuration commits nothing.
 */
export function committedIndex(
  voters: readonly NodeId[], matchOf: (id: NodeId) => LogIndex): LogIndex {
  if (voters.length === 0) return 0;
  const matches = voters.map(matchOf).sort((x, y) => y - x);
  return matches[quorumSize(voters.length) - 1]!;
}

/** Whether the votes (true = granted) win, lose, or are still undecided. */
export function voteResult(
  voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won';
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = quorumSize(voters.length);
  if (granted >= q) return 'won';
  if (granted + missing >= q) return 'pending';
  return 'lost';
}

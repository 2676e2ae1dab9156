// Proves cluster options are validated before anything is spawned, each bad value refused
// with a message naming the option and the value, and that the network fault state turns
// partitions into the per-node blocked links the transports enforce.
import { describe, expect, it } from 'vitest';
import { ClusterConfigError, resolveClusterOptions } from '../../src/cluster/options.js';
import { blockBetween, cleanNetwork, describeFaults,
  linkFaultsFor } from '../../src/cluster/faults.js';

describe('resolveClusterOptions', () => {
  it('fills the library defaults: 3 nodes on free ports (basePort 0) on 127.0.0.1', () => {
    const o = resolveClusterOptions({ dataDir: 'd' });
    expect([o.nodes, o.basePort, o.dataDir, o.host]).toEqual([3, 0, 'd', '127.0.0.1']);
  });

  it.each([
    [{ nodes: 0 }, 'nodes must be an integer from 1 to 9, got 0'],
    [{ nodes: 2.5 }, 'nodes must be an integer from 1 to 9, got 2.5'],
    [{ basePort: 65534, nodes: 3 }, 'basePort must leave room for 3 ports up to 65535, got 65534'],
    [{ dataDir: '' }, 'dataDir must not be empty'],
    [{ timing: { tickMs: 0, electionTicks: 10, heartbeatTicks: 1 } },
      'timing.tickMs must be an integer from 1 to 1000, got 0'],
    [{ timing: { tickMs: 10, electionTicks: 2, heartbeatTicks: 2 } },
      'timing.electionTicks (2) must be an integer greater than timing.heartbeatTicks (2)'],
    [{ snapshotEntries: 5 }, 'snapshotEntries must be an integer >= 10, got 5'],
    [{ requirePass: '' }, 'requirePass must be 1 to 4096 bytes, got 0'],
    [{ requirePass: 'é'.repeat(2049) }, 'requirePass must be 1 to 4096 bytes, got 4098'],
  ])('refuses %j', (partial, message) => {
    expect(() => resolveClusterOptions({ dataDir: 'd', ...partial }))
      .toThrow(new ClusterConfigError(message));
  });
});

describe('network faults', () => {
  it('a symmetric partition blocks both directions between the groups only', () => {
    const f = cleanNetwork();
    blockBetween(f, [1], [2, 3], false);
    expect(linkFaultsFor(f, 1, [1, 2, 3]).blockedTo).toEqual([2, 3]);
    expect(linkFaultsFor(f, 1, [1, 2, 3]).blockedFrom).toEqual([2, 3]);
    expect(linkFaultsFor(f, 2, [1, 2, 3]).blockedTo).toEqual([1]);
    expect(linkFaultsFor(f, 3, [1, 2, 3]).blockedFrom).toEqual([1]);
  });

  it('a one-way partition blocks only messages from the first group to the second', () => {
    const f = cleanNetwork();
    blockBetween(f, [1], [2], true);
    expect(linkFaultsFor(f, 1, [1, 2, 3]).blockedTo).toEqual([2]);
    expect(linkFaultsFor(f, 1, [1, 2, 3]).blockedFrom).toEqual([]);
    expect(linkFaultsFor(f, 2, [1, 2, 3]).blockedFrom).toEqual([1]);
    expect(describeFaults(f)).toBe('blocked 1->2');
    expect(describeFaults(cleanNetwork())).toBe('clean');
  });
});

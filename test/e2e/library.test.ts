// Proves HarmonyDB works as a library from another Node program: the package's own entry point
// (import from 'harmonydb', resolved through package.json "exports" to the compiled dist/)
// starts a 3-node cluster that a Redis client can use, and stops it cleanly.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { client, closeClients } from './helpers.js';

describe('the library entry point', () => {
  it('startCluster from "harmonydb" runs a cluster a client can use', async () => {
    const { startCluster } = (await import('harmonydb')) as typeof import('../../src/index.js');
    const cluster = await startCluster({
      nodes: 3, basePort: 0, dataDir: join(mkdtempSync(join(tmpdir(), 'harmony-lib-')), 'data'),
    });
    try {
      const leader = await cluster.waitForLeader();
      const c = await client(cluster.portOf(leader));
      expect(await c.set('library', 'yes')).toBe('OK');
      expect(await c.get('library')).toBe('yes');
    } finally {
      await closeClients();
      await cluster.stop();
    }
  });
});

/**
 * The real thing in a real terminal: `harmonydb cluster` inside tmux (100x30) shows the live
 * UI; pressing the leader's number and `k` kills it and the pane then shows a different
 * leader and the old one DOWN; `q` stops the cluster cleanly and the process exits 0.
 * Needs tmux (installed by .ci/run) and a built dist/ (npm test builds first).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const session = `harmony-ui-${process.pid}`;
const dataRoot = mkdtempSync(join(tmpdir(), 'harmony-ui-'));

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}

const pane = () => tmux('capture-pane', '-p', '-t', session);

async function until(what: string, probe: (text: string) => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = pane();
    if (probe(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; the pane shows:\n${text}`);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A base port with three free ports after it. */
async function freeBasePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    const free = await Promise.all([0, 1, 2].map((d) => portFree(base + d)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no three free ports found');
}

afterAll(() => {
  try {
    tmux('kill-session', '-t', session);
  } catch {
    // Already gone.
  }
  // The cluster may still be dying from the session's hangup: retry until its files are gone.
  rmSync(dataRoot, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
});

describe('harmonydb cluster in tmux', () => {
  it('k on the leader shows a new leader; q exits cleanly', async () => {
    const base = await freeBasePort();
    const data = join(dataRoot, 'data');
    const bin = fileURLToPath(new URL('../../bin/harmonydb', import.meta.url));
    tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30',
      // Ink draws no live frames when CI is set (is-in-ci); a person's terminal has no CI.
      `env -u CI -u CONTINUOUS_INTEGRATION node ${bin} cluster --base-port ${base} ` +
        `--data ${data}; echo HARMONY-EXIT=$?; sleep 60`);
    const first = await until('a leader', (t) => /leader (\d) \(term/.test(t));
    const leader = Number(/leader (\d) \(term/.exec(first)![1]);
    tmux('send-keys', '-t', session, String(leader));
    await until('the leader selected', (t) => t.includes(`selected ${leader}`));
    tmux('send-keys', '-t', session, 'k');
    const after = await until('a new leader', (t) => {
      const m = /leader (\d) \(term/.exec(t);
      return m !== null && Number(m[1]) !== leader;
    });
    expect(after).toMatch(new RegExp(`^\\s*${leader}\\s+${base + leader - 1} DOWN`, 'm'));
    expect(after).toContain(`node ${leader}: killed`);
    tmux('send-keys', '-t', session, 'q');
    const end = await until('the process to exit', (t) => t.includes('HARMONY-EXIT='));
    expect(end).toContain('stopped cleanly.');
    expect(end).toContain('HARMONY-EXIT=0');
  });
});

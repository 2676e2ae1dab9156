/**
 * `harmonydb experiment failover --runs 3` as CI runs it: exits 0, prints the table, and
 * writes a report whose files exist and parse (history JSON lines readable by src/check,
 * summary JSON with every timing measured and lost = 0, an HTML page with two SVG charts
 * marking each kill). Also: the pass/fail verdict behind the exit code, and percentiles.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { operationsFromJsonLines } from '../../src/check/index.js';
import { passed, summarize, type ExperimentResult } from '../../src/experiment/index.js';

const bin = fileURLToPath(new URL('../../bin/harmonydb', import.meta.url));

describe('harmonydb experiment failover', () => {
  const outRoot = mkdtempSync(join(tmpdir(), 'harmony-exp-'));
  afterAll(() => rmSync(outRoot, { recursive: true, force: true }));

  it('--runs 3 exits 0 and writes a report that parses, with no write lost', async () => {
    const out = join(outRoot, 'report');
    const { stdout } = await promisify(execFile)('node',
      [bin, 'experiment', 'failover', '--runs', '3', '--seed', '7', '--out', out],
      { timeout: 60_000 });
    expect(stdout).toMatch(/newLeaderMs\s+\d+ ms\s+\d+ ms\s+\d+ ms\s+3\/3/);
    expect(stdout).toContain('acknowledged writes lost 0');
    expect(stdout).toContain('linearizable             yes');

    const history = operationsFromJsonLines(readFileSync(join(out, 'history.jsonl'), 'utf8'));
    expect(history.length).toBeGreaterThan(100);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.receipts.lost).toBe(0);
    expect(summary.receipts.acknowledged).toBeGreaterThan(50);
    expect(summary.linearizable).toBe('yes');
    expect(summary.runs).toHaveLength(3);
    expect(summary.timings.newLeaderMs.count).toBe(3);
    expect(summary.timings.firstWriteMs.count).toBe(3);
    expect(summary.historyOperations).toBe(history.length);
    expect(summary.ops.acknowledged).toBeGreaterThan(0);

    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html.match(/kill leader \d/g)!.length).toBeGreaterThanOrEqual(6);
    expect(html).toContain('PASS');
  });

  it('fails on a lost write or a non-linearizable history', () => {
    const base = { receipts: { acknowledged: 10, lost: 0, lostKeys: [] }, linearizable: 'yes' };
    expect(passed(base as unknown as ExperimentResult)).toBe(true);
    expect(passed({ ...base, receipts: { acknowledged: 10, lost: 1, lostKeys: ['k'] } } as
      unknown as ExperimentResult)).toBe(false);
    expect(passed({ ...base, linearizable: 'no' } as unknown as ExperimentResult)).toBe(false);
    expect(passed({ ...base, linearizable: 'unknown' } as unknown as ExperimentResult)).toBe(false);
  });

  it('summarize gives nearest-rank percentiles and skips unmeasured runs', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarize(values)).toEqual({ count: 100, p50: 50, p99: 99, max: 100 });
    expect(summarize([null, 5])).toEqual({ count: 1, p50: 5, p99: 5, max: 5 });
    expect(summarize([])).toEqual({ count: 0, p50: null, p99: null, max: null });
  });
});

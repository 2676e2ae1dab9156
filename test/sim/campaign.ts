/**
 * Runs a range of seeds and formats the failures for a test's assertion message: each failing
 * seed with the check that failed, the first lines of its report and its replay command.
 */
import { runSeed, type SimResult } from './world.js';
import type { SimOptions } from './options.js';

export interface CampaignResult {
  seedCount: number;
  failures: SimResult[];
  elapsedMs: number;
}

export function runCampaign(
  from: number,
  count: number,
  options: Partial<Omit<SimOptions, 'seed'>> = {},
): CampaignResult {
  const started = performance.now();
  const failures: SimResult[] = [];
  for (let seed = from; seed < from + count; seed++) {
    const r = runSeed({ ...options, seed });
    if (!r.ok) failures.push(r);
  }
  return { seedCount: count, failures, elapsedMs: performance.now() - started };
}

export function describeFailures(failures: readonly SimResult[]): string {
  return failures
    .map((f) => `seed ${f.seed} (${f.nodeCount} nodes) failed ${f.check}: ` +
      `${f.message.split('\n').slice(0, 6).join('\n    ')}\n  replay: ${f.replay}`)
    .join('\n');
}

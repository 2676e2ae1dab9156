/**
 * An experiment's outputs: the table printed at the end, and the report directory —
 * history.jsonl (the raw history, src/check's JSON lines), summary.json (everything but the
 * history) and index.html (the summary plus inline SVG charts of throughput and p99 latency
 * over time with every fault and recovery marked).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { operationsToJsonLines } from '../check/index.js';
import type { ExperimentResult } from './runner.js';

const ms = (v: number | null) => (v === null ? '-' : `${Math.round(v)} ms`);

export function formatTable(r: ExperimentResult): string {
  const lines = [
    `experiment ${r.name}: ${r.runs.length} runs, seed ${r.options.seed}, ` +
      `${r.options.nodes} nodes, ` +
      `tick ${r.timing.tickMs} ms, election ${r.timing.electionTicks} ticks, ` +
      `heartbeat ${r.timing.heartbeatTicks} ticks`,
    '',
    `${'timing'.padEnd(22)}${'p50'.padStart(10)}${'p99'.padStart(10)}${'max'.padStart(10)}` +
      `${'measured'.padStart(10)}`,
  ];
  for (const [name, s] of Object.entries(r.timings)) {
    lines.push(`${name.padEnd(22)}${ms(s.p50).padStart(10)}${ms(s.p99).padStart(10)}` +
      `${ms(s.max).padStart(10)}${`${s.count}/${r.runs.length}`.padStart(10)}`);
  }
  lines.push('',
    `ops acknowledged         ${r.ops.acknowledged}`,
    `ops failed               ${r.ops.failed}`,
    `ops unknown              ${r.ops.unknown}`,
    `acknowledged writes lost ${r.receipts.lost} (of ${r.receipts.acknowledged} read back)`,
    `linearizable             ${r.linearizable}` +
      (r.linearizabilityNote === '' ? '' : ` (${r.linearizabilityNote.split('\n')[0]})`),
    `leader elections         ${r.leaderChanges}`);
  return lines.join('\n') + '\n';
}

/** Pass: no acknowledged write lost and the history is linearizable (the exit code). */
export function passed(r: ExperimentResult): boolean {
  return r.receipts.lost === 0 && r.linearizable === 'yes';
}

export function summaryOf(r: ExperimentResult): object {
  const { history: _history, ...rest } = r;
  return { ...rest, historyOperations: r.history.length };
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) =>
  ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** A line chart of `values` over time with vertical marks; plain SVG, no scripts. */
function chart(
  title: string, unit: string, xs: number[], values: (number | null)[], r: ExperimentResult,
): string {
  const width = 960;
  const height = 220;
  const left = 60;
  const bottom = 30;
  const top = 24;
  const spanMs = Math.max(1, ...xs, ...r.marks.map((m) => m.atMs));
  const max = Math.max(1, ...values.filter((v): v is number => v !== null));
  const x = (t: number) => left + (t / spanMs) * (width - left - 10);
  const y = (v: number) => top + (1 - v / max) * (height - top - bottom);
  const points = xs.map((t, i) => {
    const v = values[i];
    return v === null || v === undefined ? null : `${x(t).toFixed(1)},${y(v).toFixed(1)}`;
  }).filter((p) => p !== null).join(' ');
  const marks = r.marks.map((m) => {
    const color = m.kind === 'fault' ? '#d33' : '#2a2';
    return `<line x1="${x(m.atMs)}" x2="${x(m.atMs)}" y1="${top}" y2="${height - bottom}" ` +
      `stroke="${color}" stroke-dasharray="4 3"><title>${escapeHtml(m.label)} at ` +
      `${(m.atMs / 1000).toFixed(3)} s</title></line>`;
  }).join('');
  const ticks = [0, 0.5, 1].map((f) => `<text x="${left - 6}" y="${y(max * f) + 4}" ` +
    `text-anchor="end" font-size="11">${Math.round(max * f)}</text>`).join('');
  const timeTicks = Array.from({ length: 6 }, (_, i) => spanMs * i / 5).map((t) =>
    `<text x="${x(t)}" y="${height - 10}" text-anchor="middle" font-size="11">` +
    `${(t / 1000).toFixed(1)}s</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `role="img" aria-label="${escapeHtml(title)}">` +
    `<text x="${left}" y="16" font-size="13" font-weight="bold">` +
    `${escapeHtml(title)} (${unit})</text>` +
    `<rect x="${left}" y="${top}" width="${width - left - 10}" height="${height - top - bottom}" ` +
    `fill="none" stroke="#ccc"/>${ticks}${timeTicks}${marks}` +
    `<polyline fill="none" stroke="#36c" stroke-width="1.5" points="${points}"/></svg>`;
}

export function reportHtml(r: ExperimentResult): string {
  const xs = r.buckets.map((b) => b.startMs);
  const throughput = r.buckets.map((b) => b.ok * 1000 / r.bucketMs);
  const latency = r.buckets.map((b) => b.p99Ms);
  const verdict = passed(r);
  const runs = r.runs.map((run) => `<tr><td>${run.run}</td>` +
    Object.keys(r.timings).map((name) => `<td>${ms(run.timings[name] ?? null)}</td>`).join('') +
    `<td>${escapeHtml(run.notes.join('; '))}</td></tr>`).join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>HarmonyDB experiment ${escapeHtml(r.name)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1000px}
td,th{padding:2px 10px;text-align:right}
pre{background:#f6f6f6;padding:1em}.ok{color:#2a2}.bad{color:#d33}</style></head><body>
<h1>Experiment: ${escapeHtml(r.name)}</h1>
<p>${escapeHtml(r.description)}.</p>
<p class="${verdict ? 'ok' : 'bad'}"><b>${verdict ? 'PASS' : 'FAIL'}</b>:
acknowledged writes lost ${r.receipts.lost}, linearizable ${r.linearizable}.</p>
<pre>${escapeHtml(formatTable(r))}</pre>
${chart('acknowledged throughput', 'ops/s', xs, throughput, r)}
${chart('p99 latency per 100 ms', 'ms', xs, latency, r)}
<p>Red dashed lines: faults; green: recoveries (hover for details).</p>
<h2>Runs</h2>
<table><tr><th>run</th>${Object.keys(r.timings).map((n) => `<th>${escapeHtml(n)}</th>`).join('')}
<th>notes</th></tr>
${runs}</table>
<h2>Cluster events</h2>
<pre>${escapeHtml(r.events.map((e) => `${(e.atMs / 1000).toFixed(3)}s ` +
    `${e.node === 0 ? 'cluster' : `node ${e.node}`}: ${e.text}`).join('\n'))}</pre>
</body></html>
`;
}

export function writeReport(r: ExperimentResult, dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'history.jsonl'), operationsToJsonLines(r.history));
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summaryOf(r), null, 2) + '\n');
  writeFileSync(join(dir, 'index.html'), reportHtml(r));
}

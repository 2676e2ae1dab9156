/** Percentiles and summaries of measured timings (nearest-rank, as most latency tools do). */
export interface Summary {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(values: (number | null)[]): Summary {
  const sorted = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? null : sorted[sorted.length - 1]!,
  };
}

/**
 * Client latency over a sliding window, for the status line and the UI: a bounded ring of
 * (completion time, latency) samples; p99 is computed on demand from the last second.
 */
const samplesMax = 4096;

export class LatencyWindow {
  private readonly atMs = new Float64Array(samplesMax);
  private readonly latencyMs = new Float64Array(samplesMax);
  private next = 0;
  private filled = 0;
  completed = 0;

  record(nowMs: number, latencyMs: number): void {
    this.atMs[this.next] = nowMs;
    this.latencyMs[this.next] = latencyMs;
    this.next = (this.next + 1) % samplesMax;
    this.filled = Math.min(this.filled + 1, samplesMax);
    this.completed++;
  }

  p99(nowMs: number, windowMs = 1000): number {
    const recent: number[] = [];
    for (let i = 0; i < this.filled; i++) {
      if (nowMs - this.atMs[i]! <= windowMs) recent.push(this.latencyMs[i]!);
    }
    if (recent.length === 0) return 0;
    recent.sort((a, b) => a - b);
    return recent[Math.min(recent.length - 1, Math.floor(recent.length * 0.99))]!;
  }
}

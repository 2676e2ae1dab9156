/** One line per node for the plain-text status (no UI, or stdout not a TTY). */
import type { NodeStatus } from '../node/control.js';

export function formatStatusLine(s: NodeStatus & { alive: boolean }, opsPerSecond: number): string {
  if (!s.alive) return `node ${s.id} :${s.port}  DOWN`;
  const role = s.paused ? `${s.role} (paused)` : s.role;
  return `node ${s.id} :${s.port}  ${role.padEnd(9)} term ${s.term}  leader ${s.leader || '-'}  ` +
    `commit ${s.commitIndex}  applied ${s.appliedIndex}  last ${s.lastIndex}  keys ` +
      `${s.keyCount}  ` +
    `wal ${(s.walBytes / 1048576).toFixed(1)} MiB  ${opsPerSecond} ops/s  p99 ` +
      `${s.latencyMsP99.toFixed(1)} ms`;
}

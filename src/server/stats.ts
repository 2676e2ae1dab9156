/**
 * The server's counters for INFO stats (Redis's field names): connections, commands, bytes,
 * refusals, and the instantaneous rate Redis samples every 100 ms (here: over the last second,
 * sampled when asked, so an idle server keeps no timer).
 */
export class ServerStats {
  totalConnectionsReceived = 0;
  totalCommandsProcessed = 0;
  rejectedConnections = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  /** Clients dropped for exceeding their client-output-buffer-limit. */
  outputBufferLimitDisconnections = 0;
  private lastSample = { atMs: 0, commands: 0 };
  private previousSample = { atMs: 0, commands: 0 };

  /** CONFIG RESETSTAT. */
  reset(): void {
    this.totalConnectionsReceived = 0;
    this.totalCommandsProcessed = 0;
    this.rejectedConnections = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.outputBufferLimitDisconnections = 0;
    this.lastSample = { atMs: 0, commands: 0 };
    this.previousSample = { atMs: 0, commands: 0 };
  }

  /** Commands per second between the last two samples at least a second apart. */
  opsPerSecond(nowMs: number): number {
    if (nowMs - this.lastSample.atMs >= 1000) {
      this.previousSample = this.lastSample;
      this.lastSample = { atMs: nowMs, commands: this.totalCommandsProcessed };
    }
    const spanMs = this.lastSample.atMs - this.previousSample.atMs;
    if (this.previousSample.atMs === 0 || spanMs <= 0) return 0;
    return Math.round((this.lastSample.commands - this.previousSample.commands) * 1000 / spanMs);
  }
}

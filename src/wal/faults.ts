/**
 * Fault plans shared by SimFileSystem and FaultyFileSystem: which calls fail, how often, and
 * with which POSIX code. A plan is armed by a test (or the simulation) and consumed by calls.
 */

export interface FaultOptions {
  /** How many matching calls fail before the fault disarms (default 1; Infinity = forever). */
  times?: number;
  /** Only calls on paths containing this substring are affected (default: every path). */
  pathIncludes?: string;
}

export interface WriteFaultOptions extends FaultOptions {
  /**
   * Before failing, write this fraction of the data (0..1), as a disk that ran out of space
   * or hit a bad sector part-way through would. Default 0 (nothing written).
   */
  partialFraction?: number;
}

interface ArmedFault {
  code: string;
  timesLeft: number;
  pathIncludes: string;
  partialFraction: number;
}

/** The armed faults of one file system. */
export class FaultPlan {
  private syncFault: ArmedFault | null = null;
  private writeFault: ArmedFault | null = null;

  failSync(options: FaultOptions = {}): void {
    this.syncFault = armed('EIO', options, 0);
  }

  failWrite(code: 'EIO' | 'ENOSPC', options: WriteFaultOptions = {}): void {
    this.writeFault = armed(code, options, options.partialFraction ?? 0);
  }

  clear(): void {
    this.syncFault = null;
    this.writeFault = null;
  }

  /** The code a sync of `filePath` fails with, or null; consumes one use of the fault. */
  takeSyncFault(filePath: string): string | null {
    const fault = this.syncFault;
    if (fault === null || !filePath.includes(fault.pathIncludes)) return null;
    fault.timesLeft -= 1;
    if (fault.timesLeft <= 0) this.syncFault = null;
    return fault.code;
  }

  /** The write fault for `filePath`, or null; consumes one use of the fault. */
  takeWriteFault(filePath: string): { code: string; partialFraction: number } | null {
    const fault = this.writeFault;
    if (fault === null || !filePath.includes(fault.pathIncludes)) return null;
    fault.timesLeft -= 1;
    if (fault.timesLeft <= 0) this.writeFault = null;
    return { code: fault.code, partialFraction: fault.partialFraction };
  }
}

function armed(code: string, options: FaultOptions, partialFraction: number): ArmedFault {
  const times = options.times ?? 1;
  if (!(times > 0)) throw new RangeError(`fault times must be > 0, got ${times}`);
  if (!(partialFraction >= 0 && partialFraction <= 1)) {
    throw new RangeError(`partialFraction must be in 0..1, got ${partialFraction}`);
  }
  return { code, timesLeft: times, pathIncludes: options.pathIncludes ?? '', partialFraction };
}

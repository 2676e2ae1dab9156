/**
 * The WAL's typed errors. Corruption names file, offset, CRCs and the command to run; the
 * operational errors say what happened to the batch and what the operator should do.
 */

function hex32(value: number | null): string {
  return value === null ? 'none' : `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}

export interface CorruptionDetails {
  file: string;
  offset: number;
  reason: string;
  storedCrc: number | null;
  computedCrc: number | null;
  /** The recovery-table row (recovery.ts) that classified this problem. */
  row: string;
  /** The WAL directory, for the commands in the message. */
  dir: string;
}

/** The WAL cannot be trusted: the node must not start on it. */
export class WalCorruptionError extends Error {
  override name = 'WalCorruptionError';
  readonly file: string;
  readonly offset: number;
  readonly reason: string;
  readonly storedCrc: number | null;
  readonly computedCrc: number | null;
  readonly row: string;

  constructor(details: CorruptionDetails) {
    const crcs = details.storedCrc === null && details.computedCrc === null ? ''
      : ` (stored CRC ${hex32(details.storedCrc)}, computed ${hex32(details.computedCrc)})`;
    super(
      `WAL corrupt: ${details.file} offset ${details.offset}: ${details.reason}${crcs}. ` +
        `The node refuses to start. Run 'harmonydb wal inspect ${details.dir}' to list every ` +
        `problem, then 'harmonydb wal repair --force ${details.dir}' to cut the log at the ` +
        'first corruption (cut bytes are kept in <segment>.broken); the node then catches up ' +
        'from the leader.',
    );
    this.file = details.file;
    this.offset = details.offset;
    this.reason = details.reason;
    this.storedCrc = details.storedCrc;
    this.computedCrc = details.computedCrc;
    this.row = details.row;
  }
}

/**
 * An fsync (or a write) failed earlier; the WAL is unusable. fsync is never retried: after a
 * failed fsync the kernel may have dropped the dirty pages, and a retry that "succeeds" would
 * lie. The node must stop and restart; recovery replays what is on disk.
 */
export class WalFailedError extends Error {
  override name = 'WalFailedError';

  constructor(dir: string, cause: unknown) {
    const what = cause instanceof Error ? cause.message : String(cause);
    super(
      `WAL ${dir} is unusable after an earlier failure (${what}). The node must restart: ` +
        'fsync is never retried, and recovery replays the WAL and catches up from the leader.',
      { cause },
    );
  }
}

/** A write of a batch failed (EIO, ENOSPC, ...): the batch is not durable. */
export class WalWriteError extends Error {
  override name = 'WalWriteError';
  readonly file: string;
  readonly offset: number;
  readonly code: string;

  constructor(file: string, offset: number, code: string, syscall: string, cause: unknown) {
    const hint = code === 'ENOSPC' ? 'free disk space, then restart the node'
      : 'check the disk, then restart the node';
    super(
      `WAL ${syscall} of ${file} at offset ${offset} failed with ${code}: the batch is not ` +
        'durable ' +
        `and the WAL is now unusable (fail-stop); ${hint}.`,
      { cause },
    );
    this.file = file;
    this.offset = offset;
    this.code = code;
  }
}

/** One record is bigger than the configured maximum; nothing of the batch was written. */
export class WalRecordTooLargeError extends Error {
  override name = 'WalRecordTooLargeError';
  constructor(
    readonly recordBytes: number,
    readonly recordBytesMax: number,
  ) {
    super(
      `WAL record of ${recordBytes} bytes exceeds recordBytesMax ${recordBytesMax}; ` +
        'nothing of the batch was written. Split the entry or raise recordBytesMax.',
    );
  }
}

/** A WAL option is invalid (which option, which value, what is allowed). */
export class WalOptionsError extends Error {
  override name = 'WalOptionsError';
}

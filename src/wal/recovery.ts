/**
 * Recovery: read every segment in order, classify each problem by ONE decision table, and
 * replay the valid prefix. `analyzeWal` never modifies anything and never throws on bad data:
 * Wal.open acts on its result (truncate a torn tail, or refuse with WalCorruptionError), and
 * `harmonydb wal inspect|repair` print and act on the same result.
 *
 * Why a bad record is only a torn tail when it is in the LAST segment with nothing valid
 * after it: a crash can only tear the batch that was being written, and that batch is always
 * the end of the log (a segment is fdatasynced before the next one is created, so earlier
 * segments are never torn). Anything valid behind a bad record was written, and probably
 * acknowledged, after it; truncating there would silently drop acknowledged data (etcd once
 * did exactly that by mistaking a zero-filled record for a torn write).
 */
import { decodeEntry } from '../codec/index.js';
import { RecordType } from './record.js';
import { LogReplay } from './replay.js';
import {
  SEGMENT_TMP_SUFFIX, parseSegmentName, scanSegment, type SegmentHeader, type SegmentProblem,
  type SegmentScan,
} from './segment.js';
import type { FileSystem } from './fs.js';
import { joinPath } from './fs.js';
import type { Entry, HardState, SnapshotMetadata } from '../codec/types.js';

export type RecoveryOutcome = 'clean' | 'torn-tail' | 'corrupt';

/** The rows of the recovery decision table (docs/wal.md repeats it; one test per row). */
export enum RecoveryRow {
  Clean = 'clean',
  TornTail = 'torn-tail',
  BadRecordBeforeValid = 'bad-record-before-valid',
  BadRecordInEarlierSegment = 'bad-record-in-earlier-segment',
  BadSegmentHeader = 'bad-segment-header',
  SegmentNameMismatch = 'segment-name-mismatch',
  MissingSegment = 'missing-segment',
  BrokenChain = 'broken-chain',
  UndecodablePayload = 'undecodable-payload',
  MissingEntries = 'missing-entries',
}

export const RECOVERY_TABLE: Readonly<
  Record<RecoveryRow, { when: string; outcome: RecoveryOutcome }>
> = {
  [RecoveryRow.Clean]: {
    when: 'every record valid; data ends in zero fill or at end of file',
    outcome: 'clean',
  },
  [RecoveryRow.TornTail]: {
    when: 'bad, cut or zero-then-garbage record in the LAST segment, no valid record after it',
    outcome: 'torn-tail',
  },
  [RecoveryRow.BadRecordBeforeValid]: {
    when: 'bad or zero-filled record in the last segment with a valid record after it',
    outcome: 'corrupt',
  },
  [RecoveryRow.BadRecordInEarlierSegment]: {
    when: 'bad record, or non-zero bytes after the data, in a segment that is not the last',
    outcome: 'corrupt',
  },
  [RecoveryRow.BadSegmentHeader]: {
    when: 'segment header record missing, bad CRC, bad magic or unknown version',
    outcome: 'corrupt',
  },
  [RecoveryRow.SegmentNameMismatch]: {
    when: "the header's seq or firstIndex differ from the file name",
    outcome: 'corrupt',
  },
  [RecoveryRow.MissingSegment]: {
    when: 'segment sequence numbers are not consecutive',
    outcome: 'corrupt',
  },
  [RecoveryRow.BrokenChain]: {
    when: "a segment's prevCrc differs from the previous segment's last CRC",
    outcome: 'corrupt',
  },
  [RecoveryRow.UndecodablePayload]: {
    when: 'a record with a valid CRC whose payload does not decode',
    outcome: 'corrupt',
  },
  [RecoveryRow.MissingEntries]: {
    when: 'entries do not start right after the latest snapshot (or at index 1)',
    outcome: 'corrupt',
  },
};

/** Classifies a problem found by scanning one segment. */
export function classifySegmentProblem(
  problem: SegmentProblem, isLastSegment: boolean): RecoveryRow {
  if (problem.kind === 'header') return RecoveryRow.BadSegmentHeader;
  if (!isLastSegment) return RecoveryRow.BadRecordInEarlierSegment;
  if (problem.validRecordOffset >= 0) return RecoveryRow.BadRecordBeforeValid;
  return RecoveryRow.TornTail;
}

export interface WalProblem {
  row: RecoveryRow;
  outcome: RecoveryOutcome;
  /** Full path of the segment file. */
  file: string;
  offset: number;
  reason: string;
  storedCrc: number | null;
  computedCrc: number | null;
  /** One past the last non-zero byte from `offset` on (what truncating here would drop). */
  dirtyEndOffset: number;
}

export interface SegmentSummary {
  file: string;
  name: string;
  seq: number;
  firstIndex: number;
  sizeBytes: number;
  /** Offset just past the last valid record. */
  endOffset: number;
  recordCount: number;
  entryCount: number;
  firstEntryIndex: number | null;
  lastEntryIndex: number | null;
  lastCrc: number;
  headerOk: boolean;
}

export interface WalAnalysis {
  dir: string;
  segments: SegmentSummary[];
  /** Every problem found, in log order. */
  problems: WalProblem[];
  /** The worst outcome among the problems ('clean' if none). */
  outcome: RecoveryOutcome;
  /** State replayed from the records before the first corruption. */
  hardState: HardState;
  snapshot: SnapshotMetadata | null;
  entries: Entry[];
  recordCount: number;
  /** Leftover `*.wal.tmp` files (a crash while creating a segment); safe to delete. */
  tmpFiles: string[];
  /** Files in the directory that are neither segments nor tmp files (e.g. *.broken). */
  otherFiles: string[];
}

export interface AnalyzeOptions {
  recordBytesMax: number;
}

/** Reads and classifies a whole WAL directory. Throws only on I/O errors. */
export function analyzeWal(fs: FileSystem, dir: string, options: AnalyzeOptions): WalAnalysis {
  const names = fs.readdir(dir);
  const segmentNames = names.filter((n) => parseSegmentName(n) !== null);
  const analysis: WalAnalysis = {
    dir, segments: [], problems: [], outcome: 'clean', hardState: { term: 0, vote: 0, commit: 0 },
    snapshot: null, entries: [], recordCount: 0,
    tmpFiles: names.filter((n) => n.endsWith(SEGMENT_TMP_SUFFIX)).map((n) => joinPath(dir, n)),
    otherFiles: names.filter(
      (n) => parseSegmentName(n) === null && !n.endsWith(SEGMENT_TMP_SUFFIX)),
  };
  const replay = new LogReplay();
  let replaying = true;
  let previous: SegmentSummary | null = null;
  for (let i = 0; i < segmentNames.length; i++) {
    const name = segmentNames[i]!;
    const file = joinPath(dir, name);
    const bytes = readWhole(fs, file);
    const scan = scanSegment(bytes, options.recordBytesMax);
    const summary = summarize(file, name, bytes.length, scan);
    const isLast = i === segmentNames.length - 1;
    const problems = segmentProblems(summary, scan, previous, isLast);
    analysis.problems.push(...problems);
    if (problems.some((p) => p.outcome === 'corrupt')) replaying = false;
    if (replaying) {
      for (const record of scan.records) {
        const bad = replay.apply(record.type, record.payload, { file, offset: record.offset });
        analysis.recordCount += 1;
        if (bad === null) continue;
        analysis.problems.push(problemAt(RecoveryRow.UndecodablePayload, file, record.offset,
          bad.reason, record.crc, record.crc, bytes.length));
        replaying = false;
        break;
      }
    }
    analysis.segments.push(summary);
    previous = summary;
  }
  if (replaying) {
    const gap = replay.finish();
    if (gap !== null) {
      analysis.problems.push(problemAt(RecoveryRow.MissingEntries, gap.file, gap.offset,
        gap.reason, null, null, gap.offset));
    }
  }
  analysis.hardState = replay.hardState;
  analysis.snapshot = replay.snapshot;
  analysis.entries = replay.entries;
  analysis.outcome = worstOutcome(analysis.problems);
  return analysis;
}

function segmentProblems(
  summary: SegmentSummary,
  scan: SegmentScan,
  previous: SegmentSummary | null,
  isLast: boolean,
): WalProblem[] {
  const problems: WalProblem[] = [];
  const file = summary.file;
  if (previous !== null && summary.seq !== previous.seq + 1) {
    problems.push(problemAt(RecoveryRow.MissingSegment, file, 0,
      `segment seq ${summary.seq} follows seq ${previous.seq}: ` +
      `${summary.seq - previous.seq - 1} segment(s) missing`, null, null, 0));
  }
  const header: SegmentHeader | null = scan.header;
  if (header !== null) {
    if (header.seq !== summary.seq || header.firstIndex !== summary.firstIndex) {
      problems.push(problemAt(RecoveryRow.SegmentNameMismatch, file, 0,
        `header says seq ${header.seq} firstIndex ${header.firstIndex}, file name says seq ` +
        `${summary.seq} firstIndex ${summary.firstIndex}`, null, null, 0));
    }
    const chainable = previous !== null && previous.headerOk && previous.seq === summary.seq - 1;
    if (chainable && header.prevCrc !== previous.lastCrc) {
      problems.push(problemAt(RecoveryRow.BrokenChain, file, 0,
        `segment does not chain from ${previous.name}: its header's prevCrc differs from ` +
        "that segment's last CRC (records missing at its end?)", header.prevCrc,
        previous.lastCrc, 0));
    }
  }
  if (scan.problem !== null) {
    const p = scan.problem;
    const row = classifySegmentProblem(p, isLast);
    const more = row === RecoveryRow.BadRecordBeforeValid
      ? ` (a valid record follows at offset ${p.validRecordOffset})` : '';
    problems.push(problemAt(row, file, p.offset, p.reason + more, p.storedCrc, p.computedCrc,
      p.dirtyEndOffset));
  }
  return problems;
}

function summarize(
  file: string, name: string, sizeBytes: number, scan: SegmentScan): SegmentSummary {
  const parsed = parseSegmentName(name)!;
  let entryCount = 0;
  let firstEntryIndex: number | null = null;
  let lastEntryIndex: number | null = null;
  for (const record of scan.records) {
    if (record.type !== RecordType.Entry) continue;
    entryCount += 1;
    const index = entryIndexOf(record.payload);
    if (index === null) continue;
    firstEntryIndex ??= index;
    lastEntryIndex = index;
  }
  return {
    file, name, seq: parsed.seq, firstIndex: parsed.firstIndex, sizeBytes,
    endOffset: scan.endOffset, recordCount: scan.records.length, entryCount,
    firstEntryIndex, lastEntryIndex, lastCrc: scan.lastCrc, headerOk: scan.header !== null,
  };
}

/** The index of an encoded Entry payload, or null if it does not decode. */
function entryIndexOf(payload: Uint8Array): number | null {
  try {
    return decodeEntry(payload).index; // views, no copy: cheap
  } catch {
    return null;
  }
}

function problemAt(
  row: RecoveryRow, file: string, offset: number, reason: string,
  storedCrc: number | null, computedCrc: number | null, dirtyEndOffset: number,
): WalProblem {
  const outcome = RECOVERY_TABLE[row].outcome;
  return { row, outcome, file, offset, reason, storedCrc, computedCrc, dirtyEndOffset };
}

function worstOutcome(problems: readonly WalProblem[]): RecoveryOutcome {
  if (problems.some((p) => p.outcome === 'corrupt')) return 'corrupt';
  if (problems.some((p) => p.outcome === 'torn-tail')) return 'torn-tail';
  return 'clean';
}

/** Reads a whole file (segments are read whole; they are bounded by segmentSizeBytesMax). */
export function readWhole(fs: FileSystem, file: string): Uint8Array {
  const handle = fs.open(file);
  try {
    const bytes = new Uint8Array(fs.size(handle));
    const readBytes = fs.pread(handle, bytes, 0);
    return bytes.subarray(0, readBytes);
  } finally {
    fs.close(handle);
  }
}

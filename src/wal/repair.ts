/**
 * `harmonydb wal repair`: make a WAL openable again.
 *
 * - A torn tail is zeroed (exactly what Wal.open would do).
 * - Corruption is left alone unless `force`: then the log is cut at the FIRST corruption. The
 *   cut bytes of that segment are copied to `<segment>.broken` before they are zeroed, and
 *   every later segment is renamed to `<segment>.broken`, so nothing is destroyed. A node
 *   whose log was cut may have lost entries it acknowledged; it must catch up from the leader
 *   (docs/design.md: it grants no votes while its last index is below its HardState commit).
 *
 * Repeats analysis and cut until the WAL is clean (each cut shortens the log, so this ends;
 * the loop is bounded anyway).
 */
import { assert } from '../codec/assert.js';
import { writeFileDurably, type FileSystem } from './fs.js';
import { analyzeWal, readWhole, type WalAnalysis, type WalProblem } from './recovery.js';

export interface RepairAction {
  kind: 'zeroed-torn-tail' | 'cut-corruption' | 'moved-segment' | 'removed-tmp-file';
  file: string;
  offset: number;
  bytes: number;
  /** Where the cut bytes were saved (cut-corruption, moved-segment). */
  brokenFile: string | null;
}

export interface RepairResult {
  before: WalAnalysis;
  after: WalAnalysis;
  actions: RepairAction[];
  /** The corruption left in place because `force` was not given, or null. */
  refused: WalProblem | null;
}

const repairRoundsMax = 1000;
/** Reading is bounded by the file, not by the writer's record limit. */
const readRecordBytesMax = Number.MAX_SAFE_INTEGER;

export function repairWal(fs: FileSystem, dir: string, options: { force: boolean }): RepairResult {
  const before = analyzeWal(fs, dir, { recordBytesMax: readRecordBytesMax });
  const actions: RepairAction[] = [];
  for (const tmp of before.tmpFiles) {
    fs.unlink(tmp);
    actions.push({ kind: 'removed-tmp-file', file: tmp, offset: 0, bytes: 0, brokenFile: null });
  }
  if (before.tmpFiles.length > 0) fs.fsyncDir(dir);
  let analysis = before;
  let refused: WalProblem | null = null;
  for (let round = 0; round < repairRoundsMax; round++) {
    const problem = firstProblem(analysis);
    if (problem === null) break;
    if (problem.outcome === 'torn-tail') {
      actions.push(zeroRange(fs, problem.file, problem.offset, problem.dirtyEndOffset, false));
    } else {
      if (!options.force) {
        refused = problem;
        break;
      }
      actions.push(...cutAt(fs, analysis, problem));
    }
    fs.fsyncDir(dir);
    analysis = analyzeWal(fs, dir, { recordBytesMax: readRecordBytesMax });
  }
  return { before, after: analysis, actions, refused };
}

/** The earliest problem in log order (segment order, then offset). */
function firstProblem(analysis: WalAnalysis): WalProblem | null {
  const order = new Map(analysis.segments.map((s, i) => [s.file, i]));
  let best: WalProblem | null = null;
  for (const p of analysis.problems) {
    if (best === null) {
      best = p;
      continue;
    }
    const a = order.get(p.file) ?? 0;
    const b = order.get(best.file) ?? 0;
    if (a < b || (a === b && p.offset < best.offset)) best = p;
  }
  return best;
}

function cutAt(fs: FileSystem, analysis: WalAnalysis, problem: WalProblem): RepairAction[] {
  const actions: RepairAction[] = [];
  const index = analysis.segments.findIndex((s) => s.file === problem.file);
  assert(index >= 0, `repair: problem in unknown segment ${problem.file}`);
  if (problem.offset === 0) {
    actions.push(moveAside(fs, problem.file));
  } else {
    const segment = analysis.segments[index]!;
    const dirtyEnd = Math.max(problem.dirtyEndOffset, dirtyEndOf(fs, segment.file, problem.offset));
    actions.push(zeroRange(fs, problem.file, problem.offset, dirtyEnd, true));
  }
  for (const later of analysis.segments.slice(index + 1)) actions.push(moveAside(fs, later.file));
  return actions;
}

function dirtyEndOf(fs: FileSystem, file: string, from: number): number {
  const bytes = readWhole(fs, file);
  for (let i = bytes.length - 1; i >= from; i--) if (bytes[i] !== 0) return i + 1;
  return from;
}

/** Zeroes [from, to) of `file`; with `keep`, first copies those bytes to `<file>.broken`. */
function zeroRange(
  fs: FileSystem, file: string, from: number, to: number, keep: boolean): RepairAction {
  const bytes = Math.max(0, to - from);
  let brokenFile: string | null = null;
  const handle = fs.open(file);
  try {
    if (keep && bytes > 0) {
      const cut = new Uint8Array(bytes);
      fs.pread(handle, cut, from);
      brokenFile = freeName(fs, `${file}.broken`);
      writeFileDurably(fs, brokenFile, cut);
    }
    if (bytes > 0) fs.pwrite(handle, new Uint8Array(bytes), from);
    fs.fdatasync(handle);
  } finally {
    fs.close(handle);
  }
  const kind = keep ? 'cut-corruption' : 'zeroed-torn-tail';
  return { kind, file, offset: from, bytes, brokenFile };
}

function moveAside(fs: FileSystem, file: string): RepairAction {
  const brokenFile = freeName(fs, `${file}.broken`);
  const handle = fs.open(file);
  let bytes: number;
  try {
    bytes = fs.size(handle);
  } finally {
    fs.close(handle);
  }
  fs.rename(file, brokenFile);
  return { kind: 'moved-segment', file, offset: 0, bytes, brokenFile };
}

function freeName(fs: FileSystem, wanted: string): string {
  if (!fs.exists(wanted)) return wanted;
  for (let n = 1; n < repairRoundsMax; n++) {
    const candidate = `${wanted}.${n}`;
    if (!fs.exists(candidate)) return candidate;
  }
  throw new Error(`repair: too many ${wanted}.N files; move some away`);
}

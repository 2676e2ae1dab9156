/**
 * `harmonydb wal inspect|repair <dir>`: look at and fix a node's write-ahead log offline.
 * Both read the same analysis the node runs at startup (src/wal/recovery.ts), so what inspect
 * calls clean is exactly what the node accepts.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { exitFailure, exitUsage, type Command } from '../cli.js';
import { formatOptions, parseArgs as parseOptions, UsageError, type OptionTable } from '../args.js';
import { describeStartupFailure } from '../../src/cluster/startupFailure.js';
import {
  NodeFileSystem, analyzeWal, repairWal, type RepairResult, type WalAnalysis,
} from '../../src/wal/index.js';

export const spec: OptionTable = {
  json: { kind: 'flag', help: 'print one JSON document instead of text', default: 'off' },
  force: {
    kind: 'flag', help: '(repair only) also cut the log at the first corruption', default: 'off',
  },
};

const help = `Usage: harmonydb wal inspect <dir> [--json]
       harmonydb wal repair <dir> [--force] [--json]

<dir> is a WAL directory (the one holding *.wal segment files), or a node directory
(data/node-<id>) that contains wal/; the latter is used when <dir>/wal exists.

inspect   lists the segments (record counts, entry index range), the latest HardState and
          snapshot marker, and every problem with its file and offset.
          Exit status: 0 clean, 3 torn tail (the node truncates it at startup), 4 corrupt
          (the node refuses to start), 1 unreadable directory, 2 usage error.

repair    zeroes a torn tail (what the node itself would do). With --force it also cuts the
          log at the FIRST corruption: the cut bytes are first copied to <segment>.broken and
          every later segment is renamed to <segment>.broken, so nothing is deleted. Entries
          the node had acknowledged may be lost by a forced repair; the node catches up from
          the leader and does not vote until it has.
          Exit status: 0 the WAL is clean afterwards, 4 corruption left (no --force),
          1 unreadable or unwritable directory, 2 usage error.

${formatOptions(spec)}`;

const readRecordBytesMax = Number.MAX_SAFE_INTEGER;

interface Args {
  action: 'inspect' | 'repair';
  dir: string;
  json: boolean;
  force: boolean;
}

function parseArgs(argv: string[]): Args {
  const { options, positional } = parseOptions(argv, spec);
  const [action, dir, ...extra] = positional;
  if (action !== 'inspect' && action !== 'repair') {
    throw new UsageError(action === undefined ? 'missing action (inspect or repair)'
      : `unknown action '${action}'`);
  }
  if (dir === undefined) throw new UsageError('missing <dir>');
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  if (options.has('force') && action !== 'repair') {
    throw new UsageError('--force applies to repair only');
  }
  return { action, dir, json: options.has('json'), force: options.has('force') };
}

/** `<dir>/wal` when `<dir>` is a node directory, else `<dir>`. */
export function resolveWalDir(dir: string): string {
  const nested = join(dir, 'wal');
  try {
    if (statSync(nested).isDirectory()) return nested;
  } catch {
    // not a node directory
  }
  return dir;
}

const exitOf = { clean: 0, 'torn-tail': 3, corrupt: 4 } as const;

export function inspectJson(analysis: WalAnalysis): object {
  const first = analysis.entries[0]?.index ?? null;
  const last = analysis.entries[analysis.entries.length - 1]?.index ?? null;
  return {
    dir: analysis.dir,
    status: analysis.outcome,
    segments: analysis.segments.map((s) => ({
      name: s.name, seq: s.seq, firstIndex: s.firstIndex, sizeBytes: s.sizeBytes,
      endOffset: s.endOffset, recordCount: s.recordCount, entryCount: s.entryCount,
      firstEntryIndex: s.firstEntryIndex, lastEntryIndex: s.lastEntryIndex,
    })),
    recordCount: analysis.recordCount,
    entryCount: analysis.entries.length,
    firstIndex: first,
    lastIndex: last,
    hardState: analysis.hardState,
    snapshot: analysis.snapshot,
    problems: analysis.problems.map((p) => ({
      outcome: p.outcome, row: p.row, file: p.file, offset: p.offset, reason: p.reason,
      storedCrc: p.storedCrc, computedCrc: p.computedCrc,
    })),
    otherFiles: analysis.otherFiles,
  };
}

function hex(value: number | null): string {
  return value === null ? '-' : `0x${(value >>> 0).toString(16).padStart(8, '0')}`;
}

function inspectText(analysis: WalAnalysis): string {
  const lines: string[] = [];
  const first = analysis.entries[0]?.index;
  const last = analysis.entries[analysis.entries.length - 1]?.index;
  const range = first === undefined ? 'no entries' : `entries ${first}..${last}`;
  lines.push(`WAL ${analysis.dir}: ${analysis.segments.length} segment(s), ` +
    `${analysis.recordCount} record(s), ${range}`);
  for (const s of analysis.segments) {
    const entries = s.firstEntryIndex === null ? 'no entries'
      : `entries ${s.firstEntryIndex}..${s.lastEntryIndex}`;
    lines.push(`  ${s.name}  ${s.sizeBytes} bytes, data ends at ${s.endOffset}, ` +
      `${s.recordCount} record(s), ${entries}`);
  }
  const hs = analysis.hardState;
  lines.push(`last HardState: term ${hs.term} vote ${hs.vote} commit ${hs.commit}`);
  const snap = analysis.snapshot;
  lines.push(snap === null ? 'snapshot: none'
    : `snapshot: index ${snap.index} term ${snap.term} voters ` +
      `[${snap.confState.voters.join(',')}]`);
  if (analysis.otherFiles.length > 0) lines.push(`other files: ${analysis.otherFiles.join(', ')}`);
  if (analysis.problems.length === 0) lines.push('problems: none');
  for (const p of analysis.problems) {
    const crcs = p.storedCrc === null && p.computedCrc === null ? ''
      : ` (stored CRC ${hex(p.storedCrc)}, computed ${hex(p.computedCrc)})`;
    lines.push(`${p.outcome === 'corrupt' ? 'CORRUPT' : 'TORN TAIL'}: ${p.file} offset ` +
      `${p.offset}: ${p.reason}${crcs} [${p.row}]`);
  }
  lines.push(statusLine(analysis));
  return `${lines.join('\n')}\n`;
}

function statusLine(analysis: WalAnalysis): string {
  switch (analysis.outcome) {
    case 'clean':
      return 'status: clean';
    case 'torn-tail':
      return "status: torn tail (the node truncates it at startup; or run 'harmonydb wal " +
        `repair ${analysis.dir}')`;
    case 'corrupt':
      return "status: CORRUPT (the node refuses to start; 'harmonydb wal repair --force " +
        `${analysis.dir}' cuts the log at the first corruption, keeping the cut bytes in *.broken)`;
  }
}

function repairText(result: RepairResult): string {
  const lines: string[] = [];
  for (const a of result.actions) {
    const saved = a.brokenFile === null ? '' : ` (saved to ${a.brokenFile})`;
    lines.push(`${a.kind}: ${a.file} offset ${a.offset}, ${a.bytes} bytes${saved}`);
  }
  if (result.actions.length === 0) lines.push('nothing to do');
  if (result.refused !== null) {
    lines.push(`refused: ${result.refused.file} offset ${result.refused.offset}: ` +
      `${result.refused.reason}; rerun with --force to cut the log there`);
  }
  lines.push(statusLine(result.after));
  return `${lines.join('\n')}\n`;
}

async function run(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`harmonydb wal: ${error.message} (see 'harmonydb wal --help')\n`);
    return exitUsage;
  }
  const dir = resolveWalDir(args.dir);
  const fs = new NodeFileSystem();
  if (!fs.exists(dir)) {
    process.stderr.write(`harmonydb wal: no such directory: ${dir}; pass a WAL directory or ` +
      'a node directory (data/node-<id>)\n');
    return exitUsage;
  }
  try {
    return args.action === 'inspect' ? inspect(fs, dir, args.json) : repair(fs, dir, args);
  } catch (error) {
    const line = describeStartupFailure(error, { reading: args.action === 'inspect' });
    if (line === null) throw error;
    process.stderr.write(`harmonydb wal: ${line}\n`);
    return exitFailure;
  }
}

function inspect(fs: NodeFileSystem, dir: string, json: boolean): number {
  const analysis = analyzeWal(fs, dir, { recordBytesMax: readRecordBytesMax });
  process.stdout.write(json ? `${JSON.stringify(inspectJson(analysis), null, 2)}\n`
    : inspectText(analysis));
  return exitOf[analysis.outcome];
}

function repair(fs: NodeFileSystem, dir: string, args: Args): number {
  const result = repairWal(fs, dir, { force: args.force });
  process.stdout.write(args.json
    ? `${JSON.stringify({
      dir, status: result.after.outcome, actions: result.actions,
      refused: result.refused, after: inspectJson(result.after),
    }, null, 2)}\n`
    : repairText(result));
  return result.after.outcome === 'clean' ? 0 : exitOf.corrupt;
}

export const command: Command = {
  summary: "inspect or repair a node's write-ahead log",
  help,
  run,
};

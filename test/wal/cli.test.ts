/**
 * `harmonydb wal inspect|repair` as a user runs it: the real built CLI (node bin/harmonydb,
 * compiled by tsc) in a child process, on clean, torn and corrupt WAL directories. Checks exit
 * codes (inspect: 0 clean, 3 torn, 4 corrupt; repair: 0 clean afterwards, 4 corruption left;
 * usage errors 2),
 * the messages (file and offset of each problem), --json output, node-dir resolution, and that
 * `repair --force` keeps the cut bytes in <segment>.broken and leaves a WAL the node can open.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Wal, segmentName } from '../../src/wal/index.js';
import { entries, hardState, indexes, nodeFs, tempDir } from './helpers.js';

const root = join(import.meta.dirname, '..', '..');
const options = { segmentSizeBytesMax: 8192, recordBytesMax: 4096 };

/** Builds dist/ when the CLI or the WAL sources are newer than the compiled command. */
beforeAll(() => {
  const built = join(root, 'dist', 'bin', 'commands', 'wal.js');
  const sources = [join(root, 'bin', 'commands', 'wal.ts'), join(root, 'bin', 'cli.ts'),
    ...readdirSync(join(root, 'src', 'wal')).map((n) => join(root, 'src', 'wal', n))];
  const stale = !existsSync(built) ||
    sources.some((s) => statSync(s).mtimeMs > statSync(built).mtimeMs);
  if (stale) spawnSync('npx', ['tsc', '-p', '.'], { cwd: root, stdio: 'ignore' });
  expect(existsSync(built)).toBe(true);
});

let nodeDir: string;
let walDir: string;
let cleanup: () => void;
beforeEach(() => {
  const t = tempDir('hdb-cli-');
  cleanup = t.cleanup;
  nodeDir = join(t.dir, 'node-1');
  walDir = join(nodeDir, 'wal');
  const { wal } = Wal.open(nodeFs, walDir, options);
  for (let i = 1; i <= 30; i += 3) wal.save(hardState(2, i, 1), entries(i, i + 2));
  wal.close();
});
afterEach(() => cleanup());

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = spawnSync('node', [join(root, 'bin', 'harmonydb'), 'wal', ...args], {
    encoding: 'utf8',
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

const segment = (): string => join(walDir, segmentName(1, 1));
function flipByte(offset: number): void {
  const bytes = readFileSync(segment());
  bytes[offset]! ^= 0x40;
  writeFileSync(segment(), bytes);
}
function dataEnd(): number {
  const json =
    JSON.parse(cli('inspect', walDir, '--json').stdout) as {
      segments: Array<{ endOffset: number }> };
  return json.segments[0]!.endOffset;
}

describe('harmonydb wal', () => {
  test('--help says what <dir> may be', () => {
    const out =
      execFileSync('node', [join(root, 'bin', 'harmonydb'), 'wal', '--help'], { encoding: 'utf8' });
    expect(out).toContain('harmonydb wal inspect <dir> [--json]');
    expect(out).toContain('or a node directory\n(data/node-<id>) that contains wal/');
  });

  test('usage errors exit 2', () => {
    expect(cli('frobnicate', walDir).code).toBe(2);
    expect(cli('inspect').stderr).toContain('harmonydb wal: missing <dir>');
    expect(cli('inspect', walDir, '--force').stderr).toContain('--force applies to repair only');
    expect(cli('inspect', join(walDir, 'nope')).code).toBe(2);
  });

  test('inspect on a clean WAL: exit 0, segments, range, HardState (node dir accepted)', () => {
    const { code, stdout } = cli('inspect', nodeDir);
    expect(code).toBe(0);
    expect(stdout).toContain(`WAL ${walDir}: 1 segment(s), 41 record(s), entries 1..30`);
    expect(stdout).toContain(`  ${segmentName(1, 1)}  8192 bytes, data ends at`);
    expect(stdout).toContain('last HardState: term 2 vote 1 commit 28');
    expect(stdout).toContain('problems: none');
    expect(stdout).toMatch(/status: clean\n$/);
    const json = JSON.parse(cli('inspect', walDir, '--json').stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ status: 'clean', firstIndex: 1, lastIndex: 30, problems: [] });
  });

  test('inspect on a torn tail: exit 3 with file and offset; repair fixes it (exit 0)', () => {
    const end = dataEnd();
    flipByte(end - 2); // the last record
    const inspected = cli('inspect', walDir);
    expect(inspected.code).toBe(3);
    expect(inspected.stdout).toMatch(
      new RegExp(`TORN TAIL: ${segment()} offset \\d+: CRC mismatch`));
    const repaired = cli('repair', walDir);
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toMatch(/zeroed-torn-tail: .* offset \d+, \d+ bytes/);
    expect(repaired.stdout).toMatch(/status: clean\n$/);
    expect(cli('inspect', walDir).code).toBe(0);
  });

  test('inspect on corruption: exit 4 naming file and offset; repair refuses without ' +
    '--force', () => {
    const json =
      JSON.parse(cli('inspect', walDir, '--json').stdout) as {
        segments: Array<{ endOffset: number }> };
    expect(json.segments[0]!.endOffset).toBeGreaterThan(300);
    flipByte(120); // a record in the middle
    const inspected = cli('inspect', walDir);
    expect(inspected.code).toBe(4);
    expect(inspected.stdout).toMatch(new RegExp(
      `CORRUPT: ${segment()} offset \\d+: CRC mismatch \\(a valid record follows at ` +
        `offset \\d+\\) ` +
      '\\(stored CRC 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\\) \\[bad-record-before-valid\\]'));
    expect(inspected.stdout).toContain(
      "status: CORRUPT (the node refuses to start; 'harmonydb wal repair --force");
    const asJson =
      JSON.parse(cli('inspect', walDir, '--json').stdout) as {
        status: string; problems: unknown[] };
    expect(asJson.status).toBe('corrupt');
    expect(asJson.problems).toHaveLength(1);
    const refused = cli('repair', walDir);
    expect(refused.code).toBe(4);
    expect(refused.stdout).toContain('rerun with --force to cut the log there');
  });

  test('repair --force cuts at the first corruption, keeping the bytes in <segment>.broken', () => {
    const before = readFileSync(segment());
    flipByte(120);
    const problem = (JSON.parse(cli('inspect', walDir, '--json').stdout) as {
      problems: Array<{ offset: number }>;
    }).problems[0]!;
    const repaired = cli('repair', walDir, '--force', '--json');
    expect(repaired.code).toBe(0);
    const out =
      JSON.parse(repaired.stdout) as {
        status: string; actions: Array<{ kind: string; brokenFile: string }> };
    expect(out.status).toBe('clean');
    expect(out.actions[0]).toMatchObject(
      { kind: 'cut-corruption', brokenFile: `${segment()}.broken` });
    const broken = readFileSync(`${segment()}.broken`);
    const flipped = Buffer.from(before);
    flipped[120]! ^= 0x40;
    expect(broken.equals(
      flipped.subarray(problem.offset, problem.offset + broken.length))).toBe(true);
    const { wal, recovered } = Wal.open(nodeFs, walDir, options);
    expect(indexes(recovered.entries)).toEqual(indexes(entries(1, recovered.entries.length)));
    expect(recovered.entries.length).toBeLessThan(30);
    wal.close();
  });
});

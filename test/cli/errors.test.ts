/**
 * The CLI as a newcomer meets it, run for real (node bin/harmonydb in a child process): each
 * file-system failure at start-up is ONE line on stderr naming the path, what is wrong and
 * what to do, with exit 1 and no stack trace: a --data that is a file (ENOTDIR), one this user
 * cannot write (EACCES, run as user 'nobody' when the tests run as root), a full disk
 * (ENOSPC, a tiny tmpfs: once in the main thread, once inside a node worker), a read-only file
 * system (EROFS), `wal inspect` on a directory it cannot read, a damaged node.json for
 * `harmonydb node`, and a port already in use.
 * Usage errors exit 2 in every command; --version prints the package's version; every
 * command's --help lists every option with its default.
 * The disk cases mount a tmpfs in a private mount namespace (unshare: root, or unprivileged
 * user namespaces), so nothing is mounted outside the child process.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Wal } from '../../src/wal/index.js';
import { entries, hardState, nodeFs } from '../wal/helpers.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'harmonydb');
const scratch = mkdtempSync(join(tmpdir(), 'harmony-cli-'));
const isRoot = process.getuid?.() === 0;
const nobody = 65534;

beforeAll(() => {
  // The CLI runs from dist/: build what changed (a no-op when npm test built it).
  const built = spawnSync('npx', ['tsc', '-b', 'tsconfig.build.json'], { cwd: root });
  expect(built.status).toBe(0);
  // 'nobody' must reach the scratch directory to be refused inside it, not above it.
  chmodSync(scratch, 0o755);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run { code: number | null; stdout: string; stderr: string }

function run(args: string[], options: SpawnSyncOptions = {}): Run {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8', timeout: 30_000, ...options,
  });
  return { code: result.status, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** As a user without privileges: root passes every permission check, so drop to nobody. */
function runAsUser(args: string[]): Run {
  return run(args, isRoot ? { uid: nobody, gid: nobody } : {});
}

/** Runs the CLI with a fresh tmpfs (mount options `mountOptions`) mounted on `mountPoint`. */
function runOnTmpfs(mountOptions: string, mountPoint: string, args: string[]): Run {
  const namespace = isRoot ? ['--mount'] : ['--user', '--map-root-user', '--mount'];
  const script = 'mount -t tmpfs -o "$1" tmpfs "$2" && shift 2 && exec "$@"';
  const result = spawnSync('unshare', [...namespace, 'sh', '-c', script, 'sh', mountOptions,
    mountPoint, process.execPath, bin, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Exactly one line on stderr, without a stack trace, matching `pattern`. */
function expectOneLine(result: Run, pattern: RegExp): void {
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(lines[0]).toMatch(pattern);
}

const cluster = (data: string, ...more: string[]) =>
  ['cluster', '--data', data, '--base-port', '0', '--no-ui', ...more];

describe('start-up failures: one line, exit 1', () => {
  it('--data is a file (ENOTDIR)', () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'not a directory');
    const result = run(cluster(file));
    expect(result.code).toBe(1);
    expectOneLine(result, new RegExp(`^harmonydb cluster: cannot read ${file}: it, or a folder ` +
      'above it, is a file, not a directory \\(ENOTDIR\\); pass a directory, or a path that ' +
      'does not exist yet$'));
  });

  it('--data this user cannot write (EACCES)', () => {
    const locked = join(scratch, 'locked');
    mkdirSync(locked, { mode: 0o555 });
    const result = runAsUser(cluster(join(locked, 'data')));
    expect(result.code).toBe(1);
    expectOneLine(result, new RegExp(`^harmonydb cluster: cannot create ${locked}/data: ` +
      'permission denied \\(EACCES\\); use a data directory this user can write \\(--data\\), ' +
      'or fix its owner or permissions$'));
  });

  it('a full disk while the data directory is made (ENOSPC)', () => {
    const mountPoint = join(scratch, 'full');
    mkdirSync(mountPoint);
    const result = runOnTmpfs('size=8k', mountPoint, cluster(join(mountPoint, 'data')));
    expect(result.code).toBe(1);
    expectOneLine(result, new RegExp(`^harmonydb cluster: cannot write ${mountPoint}/data/` +
      'node-\\d/node\\.json\\.tmp: no space left on the device \\(ENOSPC\\); free some disk ' +
      'space, or use a data directory on another disk \\(--data\\)$'));
  });

  it('a full disk while a node creates its log (ENOSPC in the worker)', () => {
    const mountPoint = join(scratch, 'almost-full');
    mkdirSync(mountPoint);
    // Room for the identity files but not for a 64 KiB log segment.
    const result = runOnTmpfs('size=40k', mountPoint,
      cluster(join(mountPoint, 'data'), '--nodes', '1'));
    expect(result.code).toBe(1);
    expectOneLine(result, new RegExp(`^harmonydb cluster: node 1: cannot write ${mountPoint}/` +
      'data/node-1/wal/0+1-0+1\\.wal\\.tmp: no space left on the device \\(ENOSPC\\); free ' +
      'some disk space, or use a data directory on another disk \\(--data\\)$'));
  });

  it('a read-only file system (EROFS)', () => {
    const mountPoint = join(scratch, 'readonly');
    mkdirSync(mountPoint);
    const result = runOnTmpfs('ro', mountPoint, cluster(join(mountPoint, 'data')));
    expect(result.code).toBe(1);
    expectOneLine(result, new RegExp(`^harmonydb cluster: cannot create ${mountPoint}/data: ` +
      'the file system is read-only \\(EROFS\\); use a data directory on a writable file ' +
      'system \\(--data\\)$'));
  });

  it('wal inspect on a directory this user cannot read (EACCES)', () => {
    const walDir = join(scratch, 'private-wal');
    const { wal } = Wal.open(nodeFs, walDir);
    wal.save(hardState(1, 1), entries(1, 3));
    wal.close();
    chmodSync(walDir, 0o700);
    const result = runAsUser(['wal', 'inspect', walDir]);
    expect(result.code).toBe(1);
    expectOneLine(result, new RegExp(`^harmonydb wal: cannot read ${walDir}: permission ` +
      'denied \\(EACCES\\); run as a user who can read it, or fix its owner or permissions$'));
  });

  it('harmonydb node on a damaged node.json', () => {
    const dir = join(scratch, 'damaged-node');
    mkdirSync(dir);
    writeFileSync(join(dir, 'node.json'), '{not json');
    const secret = join(scratch, 'secret');
    writeFileSync(secret, 'a-shared-secret-of-32-bytes-long\n');
    const result = run(['node', '--id', '4', '--data', dir, '--join', '127.0.0.1:1',
      '--secret-file', secret]);
    expect(result.code).toBe(1);
    expectOneLine(result, new RegExp(`^harmonydb node: ${dir}/node\\.json is not valid JSON ` +
      '\\(.+\\); the data directory is damaged: move it aside and join with an empty --data ' +
      'directory$'));
  });

  it('a port already in use (EADDRINUSE)', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const data = join(scratch, 'port-taken');
      const result = run(['cluster', '--data', data, '--base-port', String(port), '--nodes', '1',
        '--no-ui']);
      expect(result.code).toBe(1);
      expectOneLine(
        result, new RegExp(`^harmonydb cluster: node 1: port ${port} on 127\\.0\\.0\\.1 ` +
        'is already in use \\(EADDRINUSE\\); stop the program using it, or choose other ports'));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('usage, --version and --help', () => {
  it.each([
    [['cluster', '--frobnicate'], 'harmonydb cluster: unknown option --frobnicate'],
    [['cluster', '--nodes', '12'],
      'harmonydb cluster: nodes must be an integer from 1 to 9, got 12'],
    [['node', '--id', '4'], 'harmonydb node: --data is required'],
    [['wal', 'inspect'], "harmonydb wal: missing <dir> (see 'harmonydb wal --help')"],
    [['wal', 'frobnicate', '.'], "harmonydb wal: unknown action 'frobnicate'"],
    [['experiment', 'nothing'], "harmonydb experiment: unknown experiment 'nothing'"],
    [['frobnicate'], "harmonydb: unknown command 'frobnicate'"],
  ])('%j exits 2', (args, message) => {
    const result = run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('--version prints the version in package.json', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const result = run(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`harmonydb ${version}\n`);
  });

  it.each(['cluster', 'node', 'wal', 'experiment'])('%s --help lists every option with its default',
    async (name) => {
      const { spec } = await import(`../../bin/commands/${name}.ts`) as {
        spec: Record<string, unknown>;
      };
      const result = run([name, '--help']);
      expect(result.code).toBe(0);
      const options = result.stdout.slice(result.stdout.indexOf('\nOptions:\n'));
      for (const flag of Object.keys(spec)) {
        // Each entry runs from `  --flag` to the next entry; its text ends with the default.
        const entry = new RegExp(`\\n  --${flag}\\b[^]*?\\(default: [^)]+\\)(?=\\n  --|\\n$)`);
        expect(options, `--${flag}`).toMatch(entry);
      }
    });
});

// Proves the `harmonydb cluster` command's password handling as a user meets it: with
// --requirepass-file (the file's trailing newline is not part of the password) redis-cli gets
// NOAUTH without -a and works with it; a missing or empty file is refused with a message that
// names the option; listening on 0.0.0.0 without a password prints the loud warning on stderr.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './helpers.js';

const run = promisify(execFile);
const cli = join(process.cwd(), 'bin', 'harmonydb');
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'harmony-cli-auth-'));
  dirs.push(dir);
  return dir;
}

/** Starts a 1-node cluster; resolves with its port and its output so far. */
async function startCluster(args: string[]): Promise<{ port: number; output: () => string }> {
  const child = spawn(process.execPath, [cli, 'cluster', '--no-ui', '--nodes', '1',
    '--base-port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  const port = await waitFor('the cluster to listen', async () => {
    const match = /ports (\d+) \(data/.exec(output);
    return match === null ? undefined : Number(match[1]);
  }, 30_000);
  return { port, output: () => output };
}

describe('harmonydb cluster --requirepass-file', () => {
  it('requires the password from the file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'pass'), 's3cret pass\n');
    const { port } = await startCluster(['--data', join(dir, 'data'), '--requirepass-file',
      join(dir, 'pass')]);
    const get = await run('redis-cli', ['-p', String(port), 'PING']);
    expect(get.stdout.trim()).toBe('NOAUTH Authentication required.');
    const ok = await waitFor('a write with the password', async () => {
      const { stdout } = await run('redis-cli', ['-p', String(port), '-a', 's3cret pass',
        '--no-auth-warning', 'SET', 'k', 'v']);
      return stdout.trim() === 'OK' ? stdout.trim() : undefined;
    });
    expect(ok).toBe('OK');
  }, 60_000);

  it('refuses a missing or empty password file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'empty'), '\n');
    for (const [file, message] of [
      [join(dir, 'nope'), `--requirepass-file ${join(dir, 'nope')}: ENOENT`],
      [join(dir, 'empty'), `--requirepass-file ${join(dir, 'empty')}: the password must be 1 to `
        + '4096 bytes, got 0'],
    ] as const) {
      const failed = await run(process.execPath, [cli, 'cluster', '--no-ui', '--data',
        join(dir, 'data'), '--requirepass-file', file]).catch((e: { code: number;
        stderr: string }) => e);
      expect('code' in failed ? failed.code : 0).toBe(2);
      expect((failed as { stderr: string }).stderr).toContain(message);
    }
  });

  it('warns loudly when listening beyond loopback without a password', async () => {
    const dir = tempDir();
    const { output } = await startCluster(['--data', join(dir, 'data'), '--host', '0.0.0.0']);
    await waitFor('the warning', async () => (output().includes('*** WARNING: HarmonyDB is '
      + 'listening on 0.0.0.0:') ? true : undefined));
    expect(output()).toContain('without a password: anyone who can reach this address');
  }, 60_000);
});

/**
 * Once per `vitest run`: every test gets a private temporary directory (TMPDIR, so
 * os.tmpdir() and every child process use it), and the run FAILS if anything is left in it at
 * the end: each test removes what it creates, even when it fails. The leftovers are listed,
 * then removed, so a failed run does not fill the disk either.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const outer = tmpdir();
  const runDir = mkdtempSync(join(outer, 'harmony-test-run-'));
  // Searchable by others, like /tmp itself: a test that drops to an unprivileged user
  // (test/cli/errors.test.ts) must reach its own files in here.
  chmodSync(runDir, 0o755);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = runDir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    const leftovers = readdirSync(runDir);
    rmSync(runDir, { recursive: true, force: true });
    if (leftovers.length > 0) {
      throw new Error(`tests left ${leftovers.length} entries in the temporary directory: ` +
        `${leftovers.sort().join(', ')}; every test must remove what it creates (afterEach or ` +
        'finally), also when it fails');
    }
  };
}

/**
 * Tidy (after TigerBeetle's tidy.zig): the repository's own house rules, checked so that drift
 * fails CI. Every repository path cited in a comment or a doc (src/…, test/…, docs/…, bin/…,
 * bench/…, workers/…) exists; every .ts/.tsx file opens with a comment saying what it is for;
 * no line of code is longer than 100 columns; and every `<!-- example: path -->` block in the
 * docs shows that file verbatim (docs/api.md's vitest example is a test that runs).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const codeRoots = ['src', 'test', 'bin', 'bench', 'workers'];
const lineColumnsMax = 100;

/** Every file under `dir` (repo-relative), skipping build output and dependencies. */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(join(root, path)).isDirectory()) out.push(...walk(path));
    else out.push(path);
  }
  return out;
}

const codeFiles = codeRoots.flatMap(walk).filter((f) => /\.(ts|tsx)$/.test(f))
  .concat(['bin/harmonydb', 'vitest.config.ts']);
const docFiles = ['README.md', ...walk('docs').filter((f) => f.endsWith('.md'))];
const read = (file: string) => readFileSync(join(root, file), 'utf8');

/** The comment text of a TypeScript file: whole comment lines and trailing `// ...`. */
export function commentText(source: string): string {
  const out: string[] = [];
  let inBlock = false;
  for (const line of source.split('\n')) {
    const trimmed = line.trim();
    if (inBlock || trimmed.startsWith('/*') || trimmed.startsWith('//')) {
      out.push(line);
      if (trimmed.startsWith('/*')) inBlock = true;
      if (line.includes('*/')) inBlock = false;
      continue;
    }
    const trailing = line.search(/\s\/\/\s/);
    if (trailing !== -1) out.push(line.slice(trailing));
  }
  return out.join('\n');
}

const citedPath = /(?<![\w./-])((?:src|test|docs|bin|bench|workers)\/[\w./-]*[\w/])/g;

/**
 * Paths a text cites that do not exist. Placeholders (`<id>`, `*`) are skipped, and so are
 * files of other projects cited for their ideas (`src/networking.c` is Redis's).
 */
export function missingPaths(text: string): string[] {
  const missing: string[] = [];
  for (const match of text.matchAll(citedPath)) {
    const path = match[1]!;
    const next = text[match.index + path.length] ?? '';
    if (['*', '<', '…', '{', '$'].includes(next)) continue;
    if (/\.(c|h|go|zig|rs|tcl)$/.test(path)) continue;
    const candidates = [path, path.replace(/\.js$/, '.ts'), path.replace(/\.js$/, '.tsx')];
    if (!candidates.some((c) => existsSync(join(root, c)))) missing.push(path);
  }
  return missing;
}

describe('tidy', () => {
  it('every repository path cited in a comment or a doc exists', () => {
    const problems: string[] = [];
    for (const file of codeFiles) {
      for (const path of missingPaths(commentText(read(file)))) problems.push(`${file}: ${path}`);
    }
    for (const file of docFiles) {
      for (const path of missingPaths(read(file))) problems.push(`${file}: ${path}`);
    }
    expect(problems).toEqual([]);
  });

  it('every .ts/.tsx file opens with a comment saying what it is for', () => {
    const bare = codeFiles.filter((file) => {
      const first = read(file).split('\n').find((l) => l.trim() !== '' && !l.startsWith('#!'));
      return first === undefined || !/^\s*(\/\*|\/\/)/.test(first);
    });
    expect(bare).toEqual([]);
  });

  it(`no line of code is longer than ${lineColumnsMax} columns`, () => {
    const long: string[] = [];
    for (const file of codeFiles) {
      read(file).split('\n').forEach((line, i) => {
        if ([...line].length > lineColumnsMax) long.push(`${file}:${i + 1} (${[...line].length})`);
      });
    }
    expect(long).toEqual([]);
  });

  it('every <!-- example: path --> block in the docs shows that file verbatim', () => {
    const marker = /<!-- example: (\S+) -->\n```\w*\n([^]*?)```\n/g;
    let examples = 0;
    for (const file of docFiles) {
      for (const [, path, shown] of read(file).matchAll(marker)) {
        examples += 1;
        expect(shown, `${file} shows ${path}`).toBe(read(path!));
      }
    }
    expect(examples).toBeGreaterThanOrEqual(1);
  });

  it('the checks catch what they look for', () => {
    // Built from parts, so that this file itself cites no missing path.
    const missingPage = ['docs', 'no-such-page.md'].join('/');
    expect(missingPaths(`see src/wal/wal.ts and ${missingPage}.`)).toEqual([missingPage]);
    expect(missingPaths('src/cluster/cluster.js, test/e2e/, bin/commands/*, docs/<x>.md'))
      .toEqual([]);
    const comment = ` // cites ${missingPage}\n/**\n * more\n */`;
    expect(commentText(`const a = '${['src', 'nope.ts'].join('/')}';${comment}`)).toBe(comment);
  });
});

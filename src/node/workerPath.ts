/**
 * Where compiled worker entry points live. Workers always run compiled JavaScript from dist/
 * (docs/build.md), whether the caller is compiled code or a vitest test running TypeScript.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'workers'))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`cannot find the harmonydb package root above ${fileURLToPath(import.meta.url)}`);
}

export function workerPath(name: 'node.worker' | 'query.worker'): string {
  const path = join(packageRoot(), 'dist', 'workers', `${name}.js`);
  if (!existsSync(path)) throw new Error(`${path} is missing; run 'npm run build' first`);
  return path;
}

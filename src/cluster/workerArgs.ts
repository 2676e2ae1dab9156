/**
 * The Node options a node worker inherits. A worker takes its parent's execArgv by default,
 * but some options only make sense for the main script and make every worker fail at once
 * (`node --input-type=module -e '…startCluster()…'`: "--input-type can only be used with
 * string input"); those are left out, everything else (--enable-source-maps...) is kept.
 */
const withValue = new Set(['--input-type', '-e', '--eval', '-p', '--print']);

export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    const name = arg.split('=')[0]!;
    if (withValue.has(name)) {
      if (!arg.includes('=')) i += 1; // its value is the next argument
      continue;
    }
    kept.push(arg);
  }
  return kept;
}

/**
 * A small, strict option parser for the subcommands: `--name value`, `--name=value` and boolean
 * flags. Unknown options and missing or malformed values are errors that name the option.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface OptionSpec {
  /** 'string' and 'int' take a value; 'flag' does not. */
  kind: 'string' | 'int' | 'flag';
}

export interface Parsed {
  options: Map<string, string | number | boolean>;
  positional: string[];
}

export function parseArgs(argv: string[], spec: Record<string, OptionSpec>): Parsed {
  const options = new Map<string, string | number | boolean>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const option = spec[name];
    if (option === undefined) throw new UsageError(`unknown option --${name}`);
    if (option.kind === 'flag') {
      if (eq !== -1) throw new UsageError(`--${name} takes no value`);
      options.set(name, true);
      continue;
    }
    const value = eq !== -1 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (option.kind === 'int') {
      if (!/^-?\d+$/.test(value)) throw new UsageError(`--${name} needs a whole number, got '${value}'`);
      options.set(name, Number(value));
    } else {
      options.set(name, value);
    }
  }
  return { options, positional };
}

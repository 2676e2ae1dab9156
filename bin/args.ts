/**
 * A small, strict option parser for the subcommands: `--name value`, `--name=value` and boolean
 * flags. Unknown options and missing or malformed values are errors that name the option. The
 * same table writes the Options section of each command's --help, so every flag is listed
 * there with its default.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface OptionSpec {
  /** 'string' and 'int' take a value; 'flag' does not. */
  kind: 'string' | 'int' | 'flag';
  /** The value's placeholder in --help: N, DIR, HOST:PORT... */
  value?: string;
  /** What the option does, for --help. */
  help: string;
  /** The default as --help shows it: '3', './data', 'off', 'none'... */
  default: string;
}

export type OptionTable = Record<string, OptionSpec>;

export interface Parsed {
  options: Map<string, string | number | boolean>;
  positional: string[];
}

export function parseArgs(argv: string[], spec: OptionTable): Parsed {
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
      if (!/^-?\d+$/.test(value)) {
        throw new UsageError(`--${name} needs a whole number, got '${value}'`);
      }
      options.set(name, Number(value));
    } else {
      options.set(name, value);
    }
  }
  return { options, positional };
}

const helpColumns = 96;

/** Greedy word wrap of `text` into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** The `Options:` section of --help: one entry per option, each ending with its default. */
export function formatOptions(spec: OptionTable): string {
  const names = Object.entries(spec).map(([name, o]) =>
    [`--${name}${o.value === undefined ? '' : ` ${o.value}`}`, o] as const);
  const width = Math.max(...names.map(([flag]) => flag.length)) + 4;
  const lines = ['Options:'];
  for (const [flag, o] of names) {
    const text = wrap(`${o.help} (default: ${o.default})`, helpColumns - width);
    lines.push(`  ${flag.padEnd(width - 2)}${text[0]}`);
    for (const more of text.slice(1)) lines.push(`${' '.repeat(width)}${more}`);
  }
  return `${lines.join('\n')}\n`;
}

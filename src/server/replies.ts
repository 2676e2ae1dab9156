/** Redis's error wordings and small argument helpers shared by the command handlers. */
import { parseInt64 } from '../kv/integer.js';
import type { RespValue } from './respEncoder.js';

export const syntaxError: RespValue = Object.freeze({ error: 'ERR syntax error' });
export const notIntegerError: RespValue = Object.freeze({
  error: 'ERR value is not an integer or out of range',
});

export function wrongArity(name: string): RespValue {
  return { error: `ERR wrong number of arguments for '${name}' command` };
}

/** Redis: the name and then the arguments, quoted, until 128 characters of arguments. */
export function unknownCommand(args: Buffer[]): RespValue {
  const name = clip(text(args[0]!), 128);
  let listed = '';
  for (let i = 1; i < args.length && listed.length < 128; i++) {
    listed += `'${clip(text(args[i]!), 128 - listed.length)}' `;
  }
  return { error: `ERR unknown command '${name}', with args beginning with: ${listed}` };
}

export function unknownSubcommand(sub: Buffer, command: string): RespValue {
  return { error: `ERR unknown subcommand '${clip(text(sub), 128)}'. Try ${command} HELP.` };
}

/** Client bytes quoted in a message, one character per byte (the encoder writes such text
 * back byte for byte); bounded first. */
export function text(arg: Buffer): string {
  return arg.subarray(0, 1024).toString('latin1');
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n);
}

/** Lower-cased ASCII of a keyword argument; long arguments are no keyword. */
export function keyword(arg: Buffer | undefined): string {
  if (arg === undefined || arg.length > 64) return '';
  return arg.toString('latin1').toLowerCase();
}

export function parseIntegerArg(arg: Buffer): bigint | undefined {
  return parseInt64(arg);
}

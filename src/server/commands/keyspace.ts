/** Keyspace commands: DEL (DELETE) EXISTS KEYS SCAN RANGE DBSIZE FLUSHALL FLUSHDB. */
import type { ScanOptions } from '../../kv/backend.js';
import { command, type CommandContext, type CommandSpec } from '../commandTypes.js';
import { keyword, parseIntegerArg, syntaxError } from '../replies.js';
import type { RespValue } from '../respEncoder.js';
import { decodeCursor, encodeCursor } from '../scanCursor.js';

/** Keys examined per backend call while KEYS walks the whole keyspace. */
const keysPageSize = 1000;

function delCommand(name: string): CommandSpec {
  return command({
    name, arity: -2, kind: 'write', flags: ['write'], firstKey: 1, lastKey: -1, keyStep: 1,
    group: 'generic', summary: name === 'del' ? 'Delete keys' : 'Delete keys (alias of DEL)',
    run: async (ctx, args) =>
      ctx.backend.write({ type: 'del', keys: args.slice(1) }),
    queue: (args) => ({ op: { type: 'del', keys: args.slice(1) } }),
  });
}

function flushCommand(name: string): CommandSpec {
  const parse = (args: Buffer[]): { op: { type: 'flushall' } } | { reply: RespValue } => {
    if (args.length > 2) return { reply: syntaxError };
    if (args.length === 2 && !['async', 'sync'].includes(keyword(args[1]))) {
      return { reply: syntaxError };
    }
    return { op: { type: 'flushall' } };
  };
  return command({
    name, arity: -1, kind: 'write', flags: ['write'], group: 'server',
    summary: 'Remove all keys (the one database)',
    run: async (ctx, args) => {
      const parsed = parse(args);
      if ('reply' in parsed) return parsed.reply;
      return await ctx.backend.write(parsed.op);
    },
    queue: parse,
  });
}

async function keys(ctx: CommandContext, args: Buffer[]): Promise<RespValue> {
  const pattern = args[1]!;
  const match = pattern.length === 1 && pattern[0] === 0x2a ? undefined : pattern;
  const found: Uint8Array[] = [];
  let start: Uint8Array | undefined;
  for (;;) {
    const page = await ctx.backend.scan({
      start, limit: keysPageSize, match, keysOnly: true, consistency: ctx.consistency,
    });
    for (const [key] of page.entries) found.push(key);
    if (found.length > ctx.server.limits.keysResultMax) {
      return { error: `ERR KEYS would return more than ${ctx.server.limits.keysResultMax} keys; `
        + 'use SCAN to iterate' };
    }
    if (page.next === undefined) return found;
    start = page.next;
  }
}

async function scan(ctx: CommandContext, args: Buffer[]): Promise<RespValue> {
  const start = decodeCursor(args[1]!);
  if (start === null) return { error: 'ERR invalid cursor' };
  let count = 10;
  let match: Uint8Array | undefined;
  let onlyStrings = true;
  for (let i = 2; i < args.length; i += 2) {
    const option = keyword(args[i]);
    const value = args[i + 1];
    if (value === undefined) return syntaxError;
    if (option === 'count') {
      const n = parseIntegerArg(value);
      if (n === undefined) return { error: 'ERR value is not an integer or out of range' };
      if (n < 1n) return syntaxError;
      const countMax = ctx.server.limits.scanCountMax;
      count = Number(n > BigInt(countMax) ? countMax : n);
    } else if (option === 'match') {
      match = value.length === 1 && value[0] === 0x2a ? undefined : value;
    } else if (option === 'type') {
      // Every HarmonyDB value is a string.
      onlyStrings = keyword(value) === 'string';
    } else {
      return syntaxError;
    }
  }
  const page = await ctx.backend.scan({
    start, limit: count, match, keysOnly: true, consistency: ctx.consistency,
  });
  const keysFound = onlyStrings ? page.entries.map(([key]) => key) : [];
  return [encodeCursor(page.next), keysFound];
}

async function range(ctx: CommandContext, args: Buffer[]): Promise<RespValue> {
  const limits = ctx.server.limits;
  let limit = limits.rangeLimitMax;
  let reverse = false;
  for (let i = 3; i < args.length; i++) {
    const option = keyword(args[i]);
    if (option === 'rev') {
      reverse = true;
    } else if (option === 'limit' && args[i + 1] !== undefined) {
      const n = parseIntegerArg(args[++i]!);
      if (n === undefined || n < 1n || n > BigInt(limits.rangeLimitMax)) {
        return { error: `ERR LIMIT must be an integer between 1 and ${limits.rangeLimitMax}` };
      }
      limit = Number(n);
    } else {
      return syntaxError;
    }
  }
  const opts: ScanOptions = { limit, reverse, consistency: ctx.consistency };
  if (args[1]!.length > 0) opts.start = args[1]!;
  if (args[2]!.length > 0) opts.end = args[2]!;
  const page = await ctx.backend.scan(opts);
  const flat: RespValue[] = [];
  for (const [key, value] of page.entries) flat.push(key, value);
  return flat;
}

export const keyspaceCommands: CommandSpec[] = [
  delCommand('del'),
  delCommand('delete'),
  command({
    name: 'exists', arity: -2, kind: 'read', flags: ['readonly', 'fast'], firstKey: 1, lastKey: -1,
    keyStep: 1, group: 'generic', summary: 'Count how many of the given keys exist',
    run: (ctx, args) =>
      ctx.backend.read({ type: 'exists', keys: args.slice(1) }, { consistency: ctx.consistency }),
    queue: (args) => ({ op: { type: 'exists', keys: args.slice(1) } }),
  }),
  command({
    name: 'keys', arity: 2, kind: 'read', flags: ['readonly'], group: 'generic',
    summary: 'Find all keys matching the given pattern', run: keys,
  }),
  command({
    name: 'scan', arity: -2, kind: 'read', flags: ['readonly'], group: 'generic',
    summary: 'Incrementally iterate the keys space (cursor encodes the next key)', run: scan,
  }),
  command({
    name: 'range', arity: -3, kind: 'read', flags: ['readonly'], group: 'generic',
    summary: 'RANGE start end [LIMIT n] [REV]: key,value pairs with start <= key < end '
      + '(empty bound: open) in key order',
    run: range,
  }),
  command({
    name: 'dbsize', arity: 1, kind: 'read', flags: ['readonly', 'fast'], group: 'server',
    summary: 'Return the number of keys',
    run: (ctx) => ctx.backend.read({ type: 'count' }, { consistency: ctx.consistency }),
    queue: () => ({ op: { type: 'count' } }),
  }),
  flushCommand('flushall'),
  flushCommand('flushdb'),
];

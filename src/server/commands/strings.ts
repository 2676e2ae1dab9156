/**
 * String commands: SET GET GETSET MGET MSET INCR DECR INCRBY DECRBY APPEND STRLEN CAS.
 * Each parses its arguments into a KvOp once (`parse`), used both standalone and queued in
 * MULTI; a parse error is a reply (in MULTI it becomes that command's EXEC result, as a Redis
 * syntax error does).
 */
import { int64Min, type KvOp } from '../../kv/op.js';
import {
  command, type CommandContext, type CommandSpec, type QueuedCommand,
} from '../commandTypes.js';
import {
  keyword, notIntegerError, parseIntegerArg, syntaxError, wrongArity,
} from '../replies.js';
import type { RespValue } from '../respEncoder.js';

type Parsed = { op: KvOp } | { reply: RespValue };

/** A write command: parse, propose through the backend, map the result. */
function writeCommand(
  spec: Omit<CommandSpec, 'run' | 'queue' | 'kind' | 'firstKey' | 'lastKey' | 'keyStep' | 'flags'>
    & Partial<CommandSpec>,
  parse: (args: Buffer[]) => Parsed,
): CommandSpec {
  return command({
    kind: 'write', flags: ['write', 'denyoom'], firstKey: 1, lastKey: 1, keyStep: 1,
    ...spec,
    run: async (ctx: CommandContext, args: Buffer[]) => {
      const parsed = parse(args);
      if ('reply' in parsed) return parsed.reply;
      return await ctx.backend.write(parsed.op);
    },
    queue: parse,
  });
}

const setUnsupported: RespValue = Object.freeze({
  error: 'ERR SET EX/PX is not supported yet by HarmonyDB',
});

function parseSet(args: Buffer[]): Parsed {
  let condition: 'always' | 'nx' | 'xx' = 'always';
  let get = false;
  for (let i = 3; i < args.length; i++) {
    const option = keyword(args[i]);
    if (option === 'nx' && condition === 'always') condition = 'nx';
    else if (option === 'xx' && condition === 'always') condition = 'xx';
    else if (option === 'get' && !get) get = true;
    else if (['ex', 'px', 'exat', 'pxat', 'keepttl'].includes(option)) {
      return { reply: setUnsupported };
    } else return { reply: syntaxError };
  }
  return { op: { type: 'put', key: args[1]!, value: args[2]!, condition, get } };
}

function parseIncr(args: Buffer[], sign: 1n | -1n, hasDelta: boolean): Parsed {
  let delta = 1n;
  if (hasDelta) {
    const parsed = parseIntegerArg(args[2]!);
    if (parsed === undefined) return { reply: notIntegerError };
    if (sign === -1n && parsed === int64Min) {
      return { reply: { error: 'ERR decrement would overflow' } };
    }
    delta = parsed;
  }
  return { op: { type: 'incrBy', key: args[1]!, delta: sign * delta } };
}

export const stringCommands: CommandSpec[] = [
  writeCommand({
    name: 'set', arity: -3, group: 'string',
    summary: 'Set the string value of a key',
  },
    parseSet),
  command({
    name: 'get', arity: 2, kind: 'read', flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1,
    keyStep: 1, group: 'string', summary: 'Get the value of a key',
    run: (ctx, args) =>
      ctx.backend.read({ type: 'get', key: args[1]! }, { consistency: ctx.consistency }),
    queue: (args) => ({ op: { type: 'get', key: args[1]! } }),
  }),
  writeCommand({
    name: 'getset', arity: 3, group: 'string',
    summary: 'Set a key and return its old value',
  },
    (args) => ({ op: { type: 'getset', key: args[1]!, value: args[2]! } })),
  command({
    name: 'mget', arity: -2, kind: 'read', flags: ['readonly', 'fast'], firstKey: 1, lastKey: -1,
    keyStep: 1, group: 'string', summary: 'Get the values of all the given keys',
    run: (ctx, args) =>
      ctx.backend.read({ type: 'mget', keys: args.slice(1) }, { consistency: ctx.consistency }),
    queue: (args) => ({ op: { type: 'mget', keys: args.slice(1) } }),
  }),
  writeCommand({
    name: 'mset', arity: -3, lastKey: -1, keyStep: 2, group: 'string',
    summary: 'Set multiple keys to multiple values',
  }, (args) => {
    if ((args.length - 1) % 2 !== 0) return { reply: wrongArity('mset') };
    const entries: [Buffer, Buffer][] = [];
    for (let i = 1; i < args.length; i += 2) entries.push([args[i]!, args[i + 1]!]);
    return { op: { type: 'mset', entries } };
  }),
  writeCommand({
    name: 'incr', arity: 2, group: 'string',
    summary: 'Increment the integer value of a key by one',
  },
    (args) => parseIncr(args, 1n, false)),
  writeCommand({
    name: 'decr', arity: 2, group: 'string',
    summary: 'Decrement the integer value of a key by one',
  },
    (args) => parseIncr(args, -1n, false)),
  writeCommand({
    name: 'incrby', arity: 3, group: 'string',
    summary: 'Increment the integer value of a key',
  },
    (args) => parseIncr(args, 1n, true)),
  writeCommand({
    name: 'decrby', arity: 3, group: 'string',
    summary: 'Decrement the integer value of a key',
  },
    (args) => parseIncr(args, -1n, true)),
  writeCommand({
    name: 'append', arity: 3, group: 'string',
    summary: 'Append a value to a key',
  },
    (args) => ({ op: { type: 'append', key: args[1]!, value: args[2]! } })),
  command({
    name: 'strlen', arity: 2, kind: 'read', flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1,
    keyStep: 1, group: 'string', summary: 'Get the length of the value stored in a key',
    run: (ctx, args) =>
      ctx.backend.read({ type: 'strlen', key: args[1]! }, { consistency: ctx.consistency }),
    queue: (args) => ({ op: { type: 'strlen', key: args[1]! } }),
  }),
  writeCommand({
    name: 'cas', arity: 4, group: 'string',
    summary: 'Set a key to new only if its value equals expected; 1 if swapped, else 0',
  }, (args) => ({ op: { type: 'cas', key: args[1]!, expected: args[2]!, value: args[3]! } })),
];

export type { QueuedCommand };

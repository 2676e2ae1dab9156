/**
 * MULTI / EXEC / DISCARD. Queued commands become ONE `multi` KvOp, so the whole block is one
 * Raft entry, applied atomically. Like Redis: a command refused while queuing (unknown, wrong
 * arity, not allowed in a transaction) makes EXEC answer EXECABORT; a command whose arguments
 * are wrong (syntax) is queued and its EXEC slot holds the error; a failing op (INCR of text)
 * fails alone. WATCH is refused with a pointer to CAS.
 */
import type { KvOp } from '../../kv/op.js';
import { command, type CommandContext, type CommandSpec } from '../commandTypes.js';
import { okReply, type RespValue } from '../respEncoder.js';

async function exec(ctx: CommandContext): Promise<RespValue> {
  const multi = ctx.client.multi;
  if (multi === undefined) return { error: 'ERR EXEC without MULTI' };
  ctx.client.multi = undefined;
  if (multi.failed) {
    return { error: 'EXECABORT Transaction discarded because of previous errors.' };
  }
  const ops: KvOp[] = [];
  for (const queued of multi.queued) if ('op' in queued) ops.push(queued.op);
  let results: RespValue[] = [];
  if (ops.length > 0) {
    const result = await ctx.backend.write({ type: 'multi', ops });
    if (!Array.isArray(result) || result.length !== ops.length) {
      return { error: 'ERR the backend answered a transaction with a malformed result' };
    }
    results = result;
  }
  let next = 0;
  return multi.queued.map((queued) => ('op' in queued ? results[next++]! : queued.reply));
}

export const transactionCommands: CommandSpec[] = [
  command({
    name: 'multi', arity: 1, kind: 'local', flags: ['fast', 'loading', 'stale'],
    group: 'transactions', summary: 'Start a transaction (applied as one Raft entry)',
    run: (ctx) => {
      if (ctx.client.multi !== undefined) return { error: 'ERR MULTI calls can not be nested' };
      ctx.client.multi = { queued: [], failed: false };
      return okReply;
    },
  }),
  command({
    name: 'exec', arity: 1, kind: 'exclusive', flags: ['loading', 'stale'],
    group: 'transactions', summary: 'Execute the queued commands atomically', run: exec,
  }),
  command({
    name: 'discard', arity: 1, kind: 'local', flags: ['fast', 'loading', 'stale'],
    group: 'transactions', summary: 'Discard the queued commands',
    run: (ctx) => {
      if (ctx.client.multi === undefined) return { error: 'ERR DISCARD without MULTI' };
      ctx.client.multi = undefined;
      return okReply;
    },
  }),
  command({
    name: 'watch', arity: -2, kind: 'local', flags: ['fast', 'loading', 'stale'],
    group: 'transactions', summary: 'Not supported: use CAS or MULTI/EXEC',
    run: (ctx) => {
      if (ctx.client.multi !== undefined) return { error: 'ERR WATCH inside MULTI is not allowed' };
      return { error: 'ERR WATCH is not supported by HarmonyDB; use CAS key expected new, '
        + 'or MULTI/EXEC (applied atomically as one Raft entry)' };
    },
  }),
  command({
    name: 'unwatch', arity: 1, kind: 'local', flags: ['fast', 'loading', 'stale'],
    group: 'transactions', summary: 'No-op (WATCH is not supported)', run: () => okReply,
    queue: () => ({ reply: okReply }),
  }),
];

/**
 * Words for people: one line per operation, and the story of a violation. Kept apart from the
 * search so the checker's hot loop never builds strings.
 */
import type { Operation } from './history.js';
import { describeKvOp, describeKvResult, describeState } from './kv.js';

function describeTimes(o: Operation): string {
  const end = o.outcome.kind === 'unknown' ? '∞' : String(o.completeTime);
  return `[t ${o.invokeTime} .. ${end}]`;
}

/** `#12 client 3 get("x") → "1"  [t 4 .. 5]`; unknown reads `→ ?`, failed `→ failed`. */
export function describeOperation(o: Operation): string {
  const outcome = o.outcome;
  let result = '?';
  if (outcome.kind === 'ok') result = describeKvResult(outcome.result);
  else if (outcome.kind === 'failed') result = 'failed';
  return `#${o.id} client ${o.clientId} ${describeKvOp(o.op)} → ${result}  ${describeTimes(o)}`;
}

export interface ViolationCore {
  key: string;
  ops: Operation[];
  blocking: Operation;
  prefixLength: number;
  stateAfterPrefix: string | null;
}

export function explainViolation(v: ViolationCore, recent: Operation[], opCount: number): string {
  const lines: string[] = [];
  lines.push(`key ${describeState(v.key)}: no linearization gets past the completion of`);
  lines.push(`  ${describeOperation(v.blocking)}`);
  lines.push(
    `longest linearizable prefix: ${v.prefixLength} of ${opCount} operations, leaving the ` +
      `key at ${describeState(v.stateAfterPrefix)}` + (recent.length > 0 ? '; it ends with' : ''),
  );
  for (const o of recent) lines.push(`  ${describeOperation(o)}`);
  const pending = v.ops.filter((o) => !recent.includes(o));
  lines.push('operations pending there, none of which can go next to make the results agree:');
  for (const o of pending) lines.push(`  ${describeOperation(o)}`);
  return lines.join('\n');
}

/** Range scans over a B+ tree read view, shared by the node thread and the query workers. */
import type { ReadView } from '../btree/index.js';
import { globMatch, type ScanOptions, type ScanResult } from '../kv/index.js';

/**
 * Examines up to `limit` keys of the range and returns those matching the glob, with where to
 * continue (ScanResult.next's contract: ascending, the first key not examined; descending,
 * the last key examined, the next call's exclusive end).
 */
export function scanView(view: ReadView, opts: ScanOptions): ScanResult {
  const entries: [Uint8Array, Uint8Array][] = [];
  const reverse = opts.reverse ?? false;
  let examined = 0;
  let lastExamined: Uint8Array | undefined;
  const iterator = view.scan({
    ...(opts.start !== undefined ? { start: opts.start } : {}),
    ...(opts.end !== undefined ? { end: opts.end } : {}),
    reverse,
  });
  for (const [key, value] of iterator) {
    if (examined === opts.limit) return { entries, next: reverse ? lastExamined! : key };
    examined++;
    lastExamined = key;
    if (opts.match !== undefined && !globMatch(opts.match, key)) continue;
    entries.push([key, opts.keysOnly ? empty : value]);
  }
  return { entries };
}

const empty = new Uint8Array(0);

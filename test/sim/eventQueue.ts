/**
 * The simulation's agenda: a binary min-heap of events ordered by (time, seq). `seq` is the
 * order of scheduling, so two events at the same simulated millisecond always run in the same
 * order and a seed replays exactly.
 */
import { assert } from '../../src/codec/assert.js';

interface Slot<T> {
  timeMs: number;
  seq: number;
  value: T;
}

export class EventQueue<T> {
  private readonly heap: Slot<T>[] = [];
  private seqNext = 0;

  get size(): number {
    return this.heap.length;
  }

  push(timeMs: number, value: T): void {
    assert(Number.isSafeInteger(timeMs) && timeMs >= 0, `event time ${timeMs} not a ms count`);
    const heap = this.heap;
    heap.push({ timeMs, seq: this.seqNext++, value });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(heap[i]!, heap[parent]!)) break;
      swap(heap, i, parent);
      i = parent;
    }
  }

  /** Time of the earliest event, or Infinity when empty. */
  peekTimeMs(): number {
    return this.heap.length === 0 ? Infinity : this.heap[0]!.timeMs;
  }

  pop(): { timeMs: number; value: T } {
    const heap = this.heap;
    assert(heap.length > 0, 'EventQueue.pop on an empty queue');
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        swap(heap, i, m);
        i = m;
      }
    }
    return { timeMs: top.timeMs, value: top.value };
  }
}

function less<T>(a: Slot<T>, b: Slot<T>): boolean {
  return a.timeMs < b.timeMs || (a.timeMs === b.timeMs && a.seq < b.seq);
}

function swap<T>(heap: Slot<T>[], i: number, j: number): void {
  const t = heap[i]!;
  heap[i] = heap[j]!;
  heap[j] = t;
}

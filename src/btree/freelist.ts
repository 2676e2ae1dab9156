/**
 * The writer's free list (bbolt's freelist, kept in the writer's own memory: the arena is not
 * persisted, so the free list need not be either). Readers never touch it.
 *
 *   free     pages reusable now
 *   pending  groups of pages dropped by the commit that produced `version`; version v-1 (and
 *            older) may still reference them, so a group becomes free only when no reader pins
 *            a version below `version`.
 * Pages allocated and dropped inside one transaction never reach `pending`: no reader saw them.
 */
import { assert } from '../codec/assert.js';

interface PendingGroup {
  version: number;
  pages: number[];
}

export class FreeList {
  readonly free: number[] = [];
  readonly pending: PendingGroup[] = [];
  pendingPages = 0;

  allocate(): number | undefined {
    return this.free.pop();
  }

  addPending(version: number, pages: number[]): void {
    const last = this.pending[this.pending.length - 1];
    assert(last === undefined || last.version < version, 'pending groups in version order');
    if (pages.length === 0) return;
    this.pending.push({ version, pages });
    this.pendingPages += pages.length;
  }

  /** Free every group no reader can still see; `oldestPinned` is Infinity with no readers. */
  release(oldestPinned: number): number {
    let released = 0;
    let n = 0;
    while (n < this.pending.length && this.pending[n]!.version <= oldestPinned) {
      const group = this.pending[n]!;
      for (const id of group.pages) this.free.push(id);
      released += group.pages.length;
      n++;
    }
    if (n > 0) this.pending.splice(0, n);
    this.pendingPages -= released;
    return released;
  }

  /** Every page id held here (for invariant checks). */
  *pages(): Iterable<number> {
    yield* this.free;
    for (const group of this.pending) yield* group.pages;
  }
}

/**
 * Page ownership inside one write transaction (after bbolt's tx.go): pages this transaction
 * allocated (`dirty`: invisible to readers, edited in place, freed at once when dropped) versus
 * pages of the published tree it replaced (`freedPublished`: pending at commit, reused only when
 * no reader pins an older version). Overflow chains — of values and of long keys — go through
 * the same two paths, so copy-on-write and reuse hold for them exactly as for tree pages.
 */
import { cellKeyChain, makeKeyRef } from './keys.js';
import { overflowChain, writeOverflow } from './overflow.js';
import {
  CELL_HEADER_BYTES,
  copyPage,
  isInlineValue,
  type KeyRef,
  keyStoredBytes,
  PageType,
  u16,
  u32,
} from './page.js';
import type { WriterCore } from './writerCore.js';

export class TxnPages {
  /** Pages allocated by this transaction: invisible to readers, edited in place. */
  readonly dirty = new Set<number>();
  /** Pages of the published tree this transaction dropped: pending at commit. */
  readonly freedPublished: number[] = [];

  constructor(private readonly core: WriterCore) {}

  /** The arena bytes; re-read after any allocation (the arena may have grown). */
  get a(): Uint8Array {
    return this.core.arena.u8;
  }

  get scratch(): Uint8Array {
    return this.core.scratch;
  }

  allocate(): number {
    const id = this.core.allocatePage();
    this.dirty.add(id);
    return id;
  }

  release(id: number): void {
    if (this.dirty.delete(id)) this.core.freeNow(id);
    else this.freedPublished.push(id);
  }

  /** The page to edit for `id`: itself when already copied in this transaction. */
  touch(id: number): number {
    if (this.dirty.has(id)) return id;
    const copy = this.allocate();
    copyPage(this.core.arena.u8, id, copy);
    this.freedPublished.push(id);
    return copy;
  }

  /** Write `bytes` as a new overflow chain; returns its head. */
  writeChain(bytes: Uint8Array): number {
    return writeOverflow(this.core.arena, bytes, () => this.allocate());
  }

  releaseChain(head: number, bytes: number): void {
    for (const id of overflowChain(this.a, head, bytes)) this.release(id);
  }

  /** The stored form of a new key (a long key's tail is written as a new chain). */
  keyRef(key: Uint8Array): KeyRef {
    return makeKeyRef(key, (bytes) => this.writeChain(bytes));
  }

  /** Release the chain of a cell's key (branch or leaf cell, in the arena or a copy). */
  releaseKeyChain(src: Uint8Array, cell: number): void {
    const chain = cellKeyChain(src, cell);
    if (chain !== undefined) this.releaseChain(chain[0], chain[1]);
  }

  /** Release the value chain of a leaf cell, if its value overflows. */
  releaseValueChain(src: Uint8Array, cell: number): void {
    const keyStored = keyStoredBytes(u16(src, cell));
    const valueBytes = u32(src, cell + 2);
    if (isInlineValue(keyStored, valueBytes)) return;
    this.releaseChain(u32(src, cell + CELL_HEADER_BYTES + keyStored), valueBytes);
  }

  /** Release every chain a cell owns (it is being dropped). */
  releaseCellChains(src: Uint8Array, cell: number, type: PageType): void {
    this.releaseKeyChain(src, cell);
    if (type === PageType.Leaf) this.releaseValueChain(src, cell);
  }
}

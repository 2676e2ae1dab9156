/**
 * Meta pages: one immutable page per committed version, named by the header's kPublished word.
 * It carries what a reader needs to open a consistent view. A new meta page is written for each
 * commit and the previous one is freed with that commit's pages, so it lives exactly as long as
 * a reader may pin its version.
 *
 *   16 f64 version   24 f64 appliedIndex   32 f64 keyCount   40 u32 root (0 = empty tree)
 *   44 u32 pagesHighWater (pages in use by the arena at commit: readers remap up to it)
 */
import { assert } from '../codec/assert.js';
import type { Arena } from './arena.js';
import { checkPage, initPage, PAGE_SIZE_BYTES, PageType } from './page.js';

export interface Meta {
  version: number;
  appliedIndex: number;
  keyCount: number;
  root: number;
  pagesHighWater: number;
}

export function writeMeta(arena: Arena, id: number, meta: Meta): void {
  const base = initPage(arena.u8, id, PageType.Meta);
  const v = arena.view;
  v.setFloat64(base + 16, meta.version, true);
  v.setFloat64(base + 24, meta.appliedIndex, true);
  v.setFloat64(base + 32, meta.keyCount, true);
  v.setUint32(base + 40, meta.root, true);
  v.setUint32(base + 44, meta.pagesHighWater, true);
}

export function readMeta(arena: Arena, id: number): Meta {
  const base = checkPage(arena.u8, id, PageType.Meta);
  const v = arena.view;
  const meta: Meta = {
    version: v.getFloat64(base + 16, true),
    appliedIndex: v.getFloat64(base + 24, true),
    keyCount: v.getFloat64(base + 32, true),
    root: v.getUint32(base + 40, true),
    pagesHighWater: v.getUint32(base + 44, true),
  };
  assert(meta.pagesHighWater * PAGE_SIZE_BYTES <= arena.sab.byteLength, 'meta page count sane');
  assert(meta.root < meta.pagesHighWater, 'meta root inside the arena');
  return meta;
}

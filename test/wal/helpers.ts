/** Shared helpers for the WAL tests: temp dirs, entries, and a WAL filled with known records. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EntryType, type Entry, type HardState } from '../../src/codec/types.js';
import { NodeFileSystem, Wal, type FileSystem, type WalOptions } from '../../src/wal/index.js';

export const nodeFs = new NodeFileSystem();

export function tempDir(prefix = 'hdb-wal-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function entry(index: number, term = 1, dataBytes = 20): Entry {
  const data = new Uint8Array(dataBytes);
  for (let i = 0; i < dataBytes; i++) data[i] = (index * 31 + i) & 0xff;
  return { index, term, type: EntryType.Normal, data };
}

export function entries(from: number, to: number, term = 1, dataBytes = 20): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entry(i, term, dataBytes));
  return out;
}

export function hardState(term: number, commit: number, vote = 1): HardState {
  return { term, vote, commit };
}

/** Small segments so tests rotate; 4 pages each. */
export const smallSegments: WalOptions = { segmentSizeBytesMax: 4 * 4096, recordBytesMax: 4096 };

/** Opens (creating) a WAL, writes `batches`, closes it. */
export function writeWal(
  fs: FileSystem,
  dir: string,
  batches: Array<{ hs: HardState | null; ents: Entry[] }>,
  options?: WalOptions,
): void {
  const { wal } = Wal.open(fs, dir, options);
  for (const b of batches) wal.save(b.hs, b.ents);
  wal.close();
}

export function indexes(list: readonly Entry[]): number[] {
  return list.map((e) => e.index);
}

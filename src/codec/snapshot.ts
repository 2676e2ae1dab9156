/**
 * Body layouts of SnapshotMetadata and Snapshot.
 *
 *   SnapshotMetadata = index u64 | term u64 | ConfState
 *   Snapshot         = SnapshotMetadata | data (u32 length | bytes)
 */
import type { ByteReader } from './reader.js';
import type { ByteWriter } from './writer.js';
import type { Snapshot, SnapshotMetadata } from './types.js';
import { snapshotDataBytesMax } from './limits.js';
import { confStateBodyBytes, readConfState, writeConfState } from './conf.js';

export function snapshotMetadataBodyBytes(meta: SnapshotMetadata): number {
  return 8 + 8 + confStateBodyBytes(meta.confState);
}

export function snapshotBodyBytes(snap: Snapshot): number {
  return snapshotMetadataBodyBytes(snap.metadata) + 4 + snap.data.length;
}

export function writeSnapshotMetadata(w: ByteWriter, meta: SnapshotMetadata): void {
  w.u64(meta.index, 'SnapshotMetadata.index');
  w.u64(meta.term, 'SnapshotMetadata.term');
  writeConfState(w, meta.confState);
}

export function readSnapshotMetadata(r: ByteReader): SnapshotMetadata {
  const index = r.u64('SnapshotMetadata.index');
  const term = r.u64('SnapshotMetadata.term');
  const confState = readConfState(r);
  return { index, term, confState };
}

export function writeSnapshot(w: ByteWriter, snap: Snapshot): void {
  writeSnapshotMetadata(w, snap.metadata);
  w.bytesField(snap.data, 'Snapshot.data', snapshotDataBytesMax);
}

export function readSnapshot(r: ByteReader): Snapshot {
  const metadata = readSnapshotMetadata(r);
  const data = r.bytesField('Snapshot.data', snapshotDataBytesMax);
  return { metadata, data };
}

/**
 * WAL options, validated before anything is built (etcd's Config.validate habit): a bad value
 * is a WalOptionsError naming the option, the value and what is allowed.
 */
import { WalOptionsError } from './errors.js';

/** Segments are preallocated, grown and rotated in units of this many bytes. */
export const WAL_PAGE_BYTES = 4096;
export const SEGMENT_SIZE_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;
export const RECORD_BYTES_MAX_DEFAULT = 16 * 1024 * 1024;
/**
 * A new segment is preallocated to this much and doubles when its records need more, up to
 * segmentSizeBytesMax: an idle node takes 64 KiB of log, a busy one grows to full segments
 * after a handful of doublings (docs/wal.md, "Preallocation").
 */
export const SEGMENT_PREALLOCATE_BYTES_DEFAULT = 64 * 1024;

export interface WalOptions {
  /** Size a segment is rotated at (and grows to at most). Multiple of 4096, >= 8192. */
  segmentSizeBytesMax?: number;
  /**
   * Bytes a new segment is preallocated to (zero-filled); it doubles as records need more,
   * up to segmentSizeBytesMax. Multiple of 4096, >= 4096. Default min(64 KiB,
   * segmentSizeBytesMax).
   */
  segmentPreallocateBytes?: number;
  /**
   * Largest record (header + payload) a save may write; a bigger one is a
   * WalRecordTooLargeError and nothing of the batch is written. At most half a segment, so a
   * record always fits a fresh segment after its header, HardState and snapshot marker.
   * Default min(16 MiB, segmentSizeBytesMax / 2). Reading is bounded by the segment size.
   */
  recordBytesMax?: number;
}

export interface ResolvedWalOptions {
  segmentSizeBytesMax: number;
  segmentPreallocateBytes: number;
  recordBytesMax: number;
}

function resolveSegmentSize(options: WalOptions): number {
  const segmentSizeBytesMax = options.segmentSizeBytesMax ?? SEGMENT_SIZE_BYTES_MAX_DEFAULT;
  if (
    !Number.isSafeInteger(segmentSizeBytesMax) ||
    segmentSizeBytesMax < 2 * WAL_PAGE_BYTES ||
    segmentSizeBytesMax % WAL_PAGE_BYTES !== 0
  ) {
    throw new WalOptionsError(
      `segmentSizeBytesMax must be a multiple of ${WAL_PAGE_BYTES} and at least ` +
        `${2 * WAL_PAGE_BYTES}, got ${segmentSizeBytesMax}`,
    );
  }
  return segmentSizeBytesMax;
}

function resolvePreallocate(options: WalOptions, segmentSizeBytesMax: number): number {
  const bytes = options.segmentPreallocateBytes ??
    Math.min(SEGMENT_PREALLOCATE_BYTES_DEFAULT, segmentSizeBytesMax);
  if (
    !Number.isSafeInteger(bytes) || bytes < WAL_PAGE_BYTES || bytes % WAL_PAGE_BYTES !== 0 ||
    bytes > segmentSizeBytesMax
  ) {
    throw new WalOptionsError(
      `segmentPreallocateBytes must be a multiple of ${WAL_PAGE_BYTES} from ${WAL_PAGE_BYTES} ` +
        `to segmentSizeBytesMax (${segmentSizeBytesMax}), got ${bytes}`,
    );
  }
  return bytes;
}

export function resolveWalOptions(options: WalOptions = {}): ResolvedWalOptions {
  const segmentSizeBytesMax = resolveSegmentSize(options);
  const segmentPreallocateBytes = resolvePreallocate(options, segmentSizeBytesMax);
  const recordBytesMax =
    options.recordBytesMax ?? Math.min(RECORD_BYTES_MAX_DEFAULT, segmentSizeBytesMax / 2);
  if (
    !Number.isSafeInteger(recordBytesMax) ||
    recordBytesMax < 64 ||
    recordBytesMax > segmentSizeBytesMax / 2
  ) {
    throw new WalOptionsError(
      `recordBytesMax must be an integer in 64..segmentSizeBytesMax/2 ` +
        `(${segmentSizeBytesMax / 2}), got ${recordBytesMax}`,
    );
  }
  return { segmentSizeBytesMax, segmentPreallocateBytes, recordBytesMax };
}

/**
 * WAL options, validated before anything is built (etcd's Config.validate habit): a bad value
 * is a WalOptionsError naming the option, the value and what is allowed.
 */
import { WalOptionsError } from './errors.js';

/** Segments are preallocated and rotated in units of this many bytes. */
export const WAL_PAGE_BYTES = 4096;
export const SEGMENT_SIZE_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;
export const RECORD_BYTES_MAX_DEFAULT = 16 * 1024 * 1024;

export interface WalOptions {
  /** Size each segment is preallocated to and rotated at. Multiple of 4096, >= 8192. */
  segmentSizeBytesMax?: number;
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
  recordBytesMax: number;
}

export function resolveWalOptions(options: WalOptions = {}): ResolvedWalOptions {
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
  return { segmentSizeBytesMax, recordBytesMax };
}

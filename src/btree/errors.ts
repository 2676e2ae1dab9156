/**
 * Operational errors of the B+ tree. Each says what happened and what to do; the RESP layer maps
 * them to `-ERR …` replies. Corruption of a snapshot stream is `SnapshotCorruptError`, which
 * names the byte offset in the stream and the reason.
 */
export class KeyTooLargeError extends Error {
  override name = 'KeyTooLargeError';
  constructor(readonly keyBytes: number, readonly keyBytesMax: number) {
    super(`key of ${keyBytes} bytes exceeds the limit of ${keyBytesMax} bytes; use a shorter key`);
  }
}

export class ValueTooLargeError extends Error {
  override name = 'ValueTooLargeError';
  constructor(readonly valueBytes: number, readonly valueBytesMax: number) {
    super(
      `value of ${valueBytes} bytes exceeds the limit of ${valueBytesMax} bytes; ` +
        'split the value across several keys',
    );
  }
}

export class TreeFullError extends Error {
  override name = 'TreeFullError';
  constructor(readonly maxPages: number) {
    super(
      `B+ tree is full: all ${maxPages} pages are in use (or pinned by open readers); ` +
        'delete keys, close long-running read views, or raise maxPages',
    );
  }
}

export class TooManyReadersError extends Error {
  override name = 'TooManyReadersError';
  constructor(readonly readerSlotsMax: number) {
    super(
      `all ${readerSlotsMax} reader slots are taken; close read views you no longer need ` +
        '(every view must be closed)',
    );
  }
}

export class ReaderExpiredError extends Error {
  override name = 'ReaderExpiredError';
  constructor(readonly version: number, why: string) {
    super(
      `read view at version ${version} is no longer valid: ${why}; ` +
        'open a new view (views must stay active or be closed within the reader lease)',
    );
  }
}

export class BTreeOptionsError extends Error {
  override name = 'BTreeOptionsError';
}

export class SnapshotCorruptError extends Error {
  override name = 'SnapshotCorruptError';
  constructor(readonly offset: number, readonly reason: string) {
    super(
      `snapshot stream corrupt at byte offset ${offset}: ${reason}; the snapshot was not applied`,
    );
  }
}

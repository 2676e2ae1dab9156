/** Typed errors of the storage layer. */

/** A snapshot file (or the pairing of WAL and snapshot files) cannot be trusted. */
export class StorageCorruptionError extends Error {
  override name = 'StorageCorruptionError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(
      `storage corrupt: ${file}: ${reason}. The node refuses to start; move the node's data ` +
        'directory aside and let it rejoin and catch up from the leader, or restore it from a ' +
        "peer's snapshot.",
    );
  }
}

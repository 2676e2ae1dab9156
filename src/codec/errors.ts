/**
 * The codec's one error type. Decoding untrusted bytes (a WAL record, a frame from a peer) that
 * do not form a valid value is an operational error, not a bug: the caller decides whether it
 * means a torn tail, corruption or a misbehaving peer. So it is a typed error, never an assert.
 *
 * Messages say what field, at what offset, what was expected and what was found:
 *   codec: truncated Entry.data at offset 23: need 1000 bytes, 3 left
 *   codec: bad Message.type at offset 2: expected a MessageType (0..18), got 99
 */
export class CodecError extends Error {
  override name = 'CodecError';
  /** Dotted field name, e.g. `Entry.data` or `Message.entries`. */
  readonly field: string;
  /** Byte offset in the buffer handed to the decoder (-1 while encoding). */
  readonly offset: number;

  constructor(message: string, field: string, offset: number) {
    super(message);
    this.field = field;
    this.offset = offset;
  }
}

export function truncatedError(
  field: string,
  offset: number,
  needBytes: number,
  leftBytes: number,
): CodecError {
  const message =
    `codec: truncated ${field} at offset ${offset}: need ${needBytes} bytes, ${leftBytes} left`;
  return new CodecError(message, field, offset);
}

export function invalidError(
  field: string,
  offset: number,
  expected: string,
  got: string,
): CodecError {
  const message = `codec: bad ${field} at offset ${offset}: expected ${expected}, got ${got}`;
  return new CodecError(message, field, offset);
}

/** Encoding a value the format cannot represent (a negative term, a too-long payload). */
export function unencodableError(field: string, expected: string, got: string): CodecError {
  const message = `codec: cannot encode ${field}: expected ${expected}, got ${got}`;
  return new CodecError(message, field, -1);
}

/**
 * SCAN cursors: "0" starts (and, returned, ends) an iteration; any other cursor encodes the
 * next key to examine, so cursors are stateless and survive failover to another node.
 * Encoding: '1' followed by each key byte as three decimal digits ("ab" → "1097098").
 * Decimal, because redis-cli --scan parses cursors as unsigned integers (it can follow keys of
 * up to 6 bytes that way; ioredis and node-redis treat cursors as strings and follow any).
 * Linear in both directions, unlike a base conversion.
 */

export function encodeCursor(nextKey: Uint8Array | undefined): string {
  if (nextKey === undefined) return '0';
  let out = '1';
  for (const byte of nextKey) out += byte.toString().padStart(3, '0');
  return out;
}

/** The key to start from (undefined: the beginning), or null when the cursor is invalid. */
export function decodeCursor(cursor: Buffer): Uint8Array | undefined | null {
  if (cursor.length === 1 && cursor[0] === 0x30) return undefined;
  if (cursor.length === 0 || cursor[0] !== 0x31 || (cursor.length - 1) % 3 !== 0) return null;
  const key = new Uint8Array((cursor.length - 1) / 3);
  for (let i = 0; i < key.length; i++) {
    let value = 0;
    for (let j = 1; j <= 3; j++) {
      const c = cursor[i * 3 + j]!;
      if (c < 0x30 || c > 0x39) return null;
      value = value * 10 + (c - 0x30);
    }
    if (value > 255) return null;
    key[i] = value;
  }
  return key;
}

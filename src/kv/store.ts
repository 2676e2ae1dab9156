/**
 * What applying an op needs from the state machine's storage: exactly the methods of a B+ tree
 * write transaction (src/btree `tree.write()`), so the node passes its transaction straight in.
 * KvReadStore is the part a read needs, which a read view (`tree.read()`) also has.
 */
export interface KvReadStore {
  get(key: Uint8Array): Uint8Array | undefined;
  count(): number;
}

export interface KvStore extends KvReadStore {
  put(key: Uint8Array, value: Uint8Array): void;
  /** Returns whether the key existed. */
  delete(key: Uint8Array): boolean;
  clear(): void;
}

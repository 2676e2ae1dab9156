/**
 * What applying an op needs from the state machine's storage: exactly the methods of a B+ tree
 * write transaction (src/btree `tree.write()`), so the node passes its transaction straight in.
 */
export interface KvStore {
  get(key: Uint8Array): Uint8Array | undefined;
  put(key: Uint8Array, value: Uint8Array): void;
  /** Returns whether the key existed. */
  delete(key: Uint8Array): boolean;
  clear(): void;
  count(): number;
}

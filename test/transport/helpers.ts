// Helpers for transport tests: raft batches with recognisable content, and polling waits.
import { EntryType, MessageType, message, type Message } from '../../src/codec/index.js';

/** One App message from `from` to `to` carrying `entryCount` entries of `dataBytes` each. */
export function appMessage(from: number, to: number, index: number, entryCount = 1,
  dataBytes = 16): Message {
  const entries = Array.from({ length: entryCount }, (_, i) => ({
    term: 1,
    index: index + i,
    type: EntryType.Normal,
    data: new Uint8Array(dataBytes).fill((index + i) & 0xff),
  }));
  return message({ type: MessageType.App, from, to, term: 1, index: index - 1, entries });
}

export async function waitFor(what: string, condition: () => boolean,
  timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** Like waitFor, for conditions that must ask another thread (async). */
export async function eventually(what: string, condition: () => Promise<boolean>,
  timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(5);
  }
}

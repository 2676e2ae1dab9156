/**
 * `npm run bench -- codec`: encode/decode throughput of Raft message batches (App messages of
 * 100-byte entries), and the in-process MessageChannel transport carrying the same batches
 * (encode, transfer, decode, flow-control acks) between two transports in one thread.
 * Prints figures; asserts nothing.
 */
import { MessageChannel } from 'node:worker_threads';
import {
  EntryType, MessageType, decodeMessageBatch, encodeMessageBatch, message, type Message,
} from '../src/codec/index.js';
import { MessageChannelTransport } from '../src/transport/index.js';

function batch(entryCount: number, dataBytes: number): Message[] {
  const entries = Array.from({ length: entryCount }, (_, i) => ({
    term: 7, index: 1000 + i, type: EntryType.Normal, data: new Uint8Array(dataBytes).fill(i),
  }));
  return [message({ type: MessageType.App, from: 1, to: 2, term: 7, index: 999, logTerm: 7,
    commit: 990, entries })];
}

function codecFigures(entryCount: number): string {
  const msgs = batch(entryCount, 100);
  const encoded = encodeMessageBatch(msgs);
  const rounds = Math.max(200, Math.floor(2_000_000 / encoded.length));
  let start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) encodeMessageBatch(msgs);
  const encodeS = Number(process.hrtime.bigint() - start) / 1e9;
  start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) decodeMessageBatch(encoded);
  const decodeS = Number(process.hrtime.bigint() - start) / 1e9;
  const mb = (rounds * encoded.length) / 1e6;
  const entries = rounds * entryCount;
  return `batch of ${String(entryCount).padStart(4)} entries (${encoded.length} B): ` +
    `encode ${(mb / encodeS).toFixed(0)} MB/s ` +
    `${(entries / encodeS / 1e6).toFixed(2)} M entries/s, ` +
    `decode ${(mb / decodeS).toFixed(0)} MB/s ${(entries / decodeS / 1e6).toFixed(2)} M entries/s`;
}

async function transportFigures(entryCount: number): Promise<string> {
  const channel = new MessageChannel();
  const a = new MessageChannelTransport({ id: 1, random: () => 0 }, { 2: channel.port1 });
  const b = new MessageChannelTransport({ id: 2, random: () => 0 }, { 1: channel.port2 });
  const total = Math.max(500, Math.floor(20_000 / entryCount));
  let received = 0;
  const done = new Promise<void>((resolve) => b.onMessages(() => {
    if (++received === total) resolve();
  }));
  const msgs = batch(entryCount, 100);
  const start = process.hrtime.bigint();
  let sent = 0;
  while (sent < total) {
    // Send in bursts and yield so acks flow, as a Ready loop would.
    for (let i = 0; i < 64 && sent < total; i++, sent++) a.send(2, msgs);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await done;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const bytes = a.stats()[0]!.sentBytes;
  a.close();
  b.close();
  return `batch of ${String(entryCount).padStart(4)} entries: ${(total / seconds).toFixed(0)} ` +
    `batches/s, ${(total * entryCount / seconds / 1e6).toFixed(2)} M entries/s, ` +
    `${(bytes / seconds / 1e6).toFixed(0)} MB/s`;
}

export async function run(_args: string[]): Promise<void> {
  codecFigures(16); // warm up the JIT so the first line is not a cold start
  process.stdout.write('codec (in memory)\n');
  for (const n of [1, 16, 256, 4096]) process.stdout.write(`  ${codecFigures(n)}\n`);
  process.stdout.write('MessageChannel transport (one thread, encode+transfer+decode)\n');
  for (const n of [1, 16, 256]) process.stdout.write(`  ${await transportFigures(n)}\n`);
}

// Proves the decoder and the server survive hostile input: >= 100k random and mutated frames
// (valid RESP, inline lines, byte flips, truncations, random garbage) fed in random chunkings
// never crash, never hang, keep the decoder's buffered bytes within its limits, and only ever
// fail with Redis's protocol error wordings. A failing run prints its seed; FUZZ_SEED replays it.
// A smaller run over a real socket checks the server answers garbage with those wordings only
// and keeps serving other clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RespDecoder, RespProtocolError } from '../../src/server/respDecoder.js';
import { rawExchange, startMemoryServer, type Running } from './serverHelpers.js';
import { seededRandom as prng } from '../../src/raft/index.js';

const allowed = new RegExp('^ERR Protocol error: (invalid multibulk length|invalid bulk length'
  + '|too big inline request|too big mbulk count string|too big bulk count string'
  + "|unbalanced quotes in request|expected '\\$', got '[\\s\\S]')$");


function frame(rand: () => number): Buffer {
  const int = (n: number): number => Math.floor(rand() * n);
  const word = (): string => {
    const alphabet = 'abcAB01 "\'\\x\r\n*$-:';
    let s = '';
    for (let i = int(8); i > 0; i--) s += alphabet[int(alphabet.length)];
    return s;
  };
  const kind = int(6);
  if (kind <= 1) {
    const args = Array.from({ length: 1 + int(4) }, word);
    return Buffer.from(
      `*${args.length}\r\n${args.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`, 'latin1');
  }
  if (kind === 2) return Buffer.from(`${word()} ${word()}\r\n`, 'latin1');
  if (kind === 3) {
    const headers = ['*', '$', '*-1', '*0', '$-1', '*99999999999', '$999999999999', '*1\r\n$'];
    return Buffer.from(headers[int(headers.length)]! + String(int(5)) + '\r\n', 'latin1');
  }
  const bytes = Buffer.alloc(int(24));
  for (let i = 0; i < bytes.length; i++) bytes[i] = int(256);
  return bytes;
}

function mutate(rand: () => number, buf: Buffer): Buffer {
  const copy = Buffer.from(buf);
  if (copy.length === 0) return copy;
  const op = Math.floor(rand() * 3);
  const at = Math.floor(rand() * copy.length);
  if (op === 0) copy[at] = Math.floor(rand() * 256);
  if (op === 1) return copy.subarray(0, at);
  if (op === 2)
    return Buffer.concat(
      [copy.subarray(0, at), Buffer.from([Math.floor(rand() * 256)]), copy.subarray(at)]);
  return copy;
}

const limits =
  { inlineBytesMax: 1024, bulkBytesMax: 4096, multibulkLengthMax: 64, commandBytesMax: 64 * 1024 };

describe('decoder fuzz', () => {
  it('>= 100k frames: no crash, no hang, bounded buffers, Redis wordings only', () => {
    const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 1_000_000);
    const rand = prng(seed);
    const started = performance.now();
    let frames = 0;
    let errors = 0;
    let commands = 0;
    try {
      while (frames < 100_000) {
        const decoder = new RespDecoder(limits);
        // A connection: a run of frames, some mutated, cut into random chunks.
        const parts: Buffer[] = [];
        for (let i = 1 + Math.floor(rand() * 20); i > 0; i--, frames++) {
          const f = frame(rand);
          parts.push(rand() < 0.3 ? mutate(rand, f) : f);
        }
        const stream = Buffer.concat(parts);
        let pos = 0;
        let failed = false;
        while (pos < stream.length && !failed) {
          const n = 1 + Math.floor(rand() * 64);
          decoder.feed(stream.subarray(pos, pos + n));
          pos += n;
          for (let guard = 0; ; guard++) {
            expect(guard).toBeLessThan(10_000);
            let cmd: Buffer[] | undefined;
            try {
              cmd = decoder.next();
            } catch (err) {
              if (!(err instanceof RespProtocolError)) throw err;
              if (err.reply !== undefined) expect(err.reply).toMatch(allowed);
              errors++;
              failed = true;
              break;
            }
            if (cmd === undefined) break;
            commands++;
            expect(cmd.length).toBeGreaterThan(0);
          }
          expect(decoder.partialBytes()).toBeLessThanOrEqual(
            limits.commandBytesMax + limits.inlineBytesMax);
        }
      }
    } catch (err) {
      console.error(`respFuzz failed with FUZZ_SEED=${seed}`);
      throw err;
    }
    expect(frames).toBeGreaterThanOrEqual(100_000);
    expect(errors).toBeGreaterThan(100);
    expect(commands).toBeGreaterThan(10_000);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

describe('server fuzz over a socket', () => {
  let running: Running;
  beforeAll(async () => { running = await startMemoryServer({}, { inlineBytesMax: 1024 }); });
  afterAll(async () => { await running.server.close(); });

  it('answers garbage with Redis wordings only and keeps serving', async () => {
    const rand = prng(12345);
    for (let c = 0; c < 40; c++) {
      const parts: Buffer[] = [];
      for (let i = 0; i < 30; i++) parts.push(mutate(rand, frame(rand)));
      const { text } = await rawExchange(running.port, Buffer.concat(parts), { quietMs: 30 });
      for (const line of text.split('\r\n')) {
        if (line.startsWith('-') && line.includes('Protocol error')) expect(
          line.slice(1)).toMatch(allowed);
      }
    }
    const { text } = await rawExchange(running.port, 'PING\r\n');
    expect(text).toBe('+PONG\r\n');
    expect(running.server.connectionCount()).toBeLessThanOrEqual(1);
  });
});

describe('bounded pipelines', () => {
  it('answers a 20k-command pipeline in order through a depth-8 window', async () => {
    const small = await startMemoryServer({}, { pipelineDepthMax: 8, pipelineBytesMax: 256 });
    let payload = '';
    let expected = '';
    for (let i = 0; i < 20_000; i++) {
      payload += `ECHO m${i}\r\n`;
      expected += `$${`m${i}`.length}\r\nm${i}\r\n`;
    }
    const { text } =
      await rawExchange(small.port, payload, { minBytes: expected.length, quietMs: 300 });
    expect(text).toBe(expected);
    await small.server.close();
  });

  it('refuses connections beyond connectionsMax with Redis wording', async () => {
    const small = await startMemoryServer({}, { connectionsMax: 1 });
    const net = await import('node:net');
    const first = net.connect(small.port, '127.0.0.1');
    await new Promise((r) => first.once('connect', r));
    await new Promise((r) => setTimeout(r, 50));
    const { text, closed } = await rawExchange(small.port, 'PING\r\n');
    expect(text).toBe('-ERR max number of clients reached\r\n');
    expect(closed).toBe(true);
    first.destroy();
    await small.server.close();
  });
});

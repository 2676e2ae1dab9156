/**
 * Reference servers and load drivers for benchmarks: a redis-server started on a spare port
 * with the durability a fair comparison needs, and redis-benchmark runs parsed from --csv.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchmarkRow {
  test: string;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * SIGKILLs the processes, waits until they are gone, then removes `dir`: a benchmark leaves
 * nothing behind in the temp directory, also when it fails.
 */
export async function killAndRemove(children: ChildProcess[], dir: string): Promise<void> {
  await Promise.all(children.map((child) => {
    if (child.exitCode !== null || child.signalCode !== null) return undefined;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    return exited;
  }));
  rmSync(dir, { recursive: true, force: true });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** redis-server with appendonly yes + appendfsync always: every write fsynced, like ours. */
export async function startRedisServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'harmony-bench-redis-'));
  const child: ChildProcess = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', 'yes', '--appendfsync', 'always',
  ], { stdio: 'ignore' });
  const stop = () => killAndRemove([child], dir);
  try {
    await waitForPort(port);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, stop };
}

export function hasCommand(name: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** Runs redis-benchmark and parses its --csv output (one row per test). */
export function redisBenchmark(port: number, args: string[]): Promise<BenchmarkRow[]> {
  return new Promise((resolve, reject) => {
    const child =
      spawn('redis-benchmark', ['-h', '127.0.0.1', '-p', String(port), '--csv', ...args]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => {
      if (code !== 0) {
        reject(new Error(`redis-benchmark exited ${code}: ${err.trim()}`));
        return;
      }
      resolve(parseCsv(out));
    });
  });
}

function parseCsv(text: string): BenchmarkRow[] {
  const rows: BenchmarkRow[] = [];
  for (const line of text.split('\n')) {
    const cells = line.split(',').map((c) => c.replace(/^"|"$/g, ''));
    if (cells.length < 7 || cells[0] === 'test') continue;
    // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",
    // "p99_latency_ms","max_latency_ms"
    rows.push(
      { test: cells[0]!, opsPerSecond: Number(cells[1]), p50Ms: Number(cells[4]),
        p99Ms: Number(cells[6]) });
  }
  return rows;
}

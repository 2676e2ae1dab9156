/**
 * The built-in load generator, shared by the UI's `l` key and the experiments. Each client is
 * a closed loop over a small key set doing get / put / cas through the RESP port of some node,
 * optionally recorded in a HistoryRecorder for the linearizability check, and optionally
 * followed by a "receipt" SET of a unique key whose acknowledgement is remembered, so a run
 * can check afterwards that no acknowledged write was lost. A client whose node is gone moves
 * on to the next port.
 *
 * Outcomes: a reply is 'ok'; -TRYAGAIN / -MOVED / -CLUSTERDOWN mean "not applied" ('failed');
 * anything else (a dropped connection, a timeout, another -ERR) is 'unknown'.
 */
import { assert } from '../codec/assert.js';
import { kv, type HistoryRecorder, type ModelOp, type ModelResult } from '../check/index.js';
import { RespClient, RespReplyError } from './respClient.js';
import { seededRandom } from '../raft/index.js';

export interface LoadOptions {
  host: string;
  /** Ports to spread the clients over; a client moves to the next one when its node fails. */
  ports: () => number[];
  clients: number;
  keys: number;
  seed: number;
  /** Record the shared-key operations here (time = performance.now()). */
  history?: HistoryRecorder;
  /** Follow each operation with a receipt SET whose acknowledgement is remembered. */
  receipts: boolean;
  keyPrefix: string;
  callTimeoutMs: number;
  /** Timeline resolution and length (older buckets are dropped). */
  bucketMs: number;
  bucketsMax: number;
  /** The cluster's password (AUTH on every connection), if it has one. */
  password?: string;
}

export const loadDefaults: LoadOptions = {
  host: '127.0.0.1', ports: () => [], clients: 4, keys: 8, seed: 1, receipts: false,
  keyPrefix: 'load:', callTimeoutMs: 3000, bucketMs: 250, bucketsMax: 2400,
};

export type LoadOutcome = 'ok' | 'failed' | 'unknown';

export interface LoadBucket {
  /** performance.now() at the bucket's start. */
  startMs: number;
  ok: number;
  failed: number;
  unknown: number;
  /** Latencies of the acknowledged operations in this bucket, ms. */
  latenciesMs: number[];
}

export interface OpRecord {
  invokeMs: number;
  completeMs: number;
  write: boolean;
  outcome: LoadOutcome;
}

const notApplied = /^(TRYAGAIN|MOVED|CLUSTERDOWN)/;
const latenciesPerBucketMax = 100_000;


export class LoadGenerator {
  readonly options: LoadOptions;
  /** Receipt keys whose SET was acknowledged, with their values. */
  readonly acknowledged = new Map<string, string>();
  readonly counts = { ok: 0, failed: 0, unknown: 0 };
  private readonly buckets: LoadBucket[] = [];
  private readonly listeners = new Set<(op: OpRecord) => void>();
  private running = true;
  private readonly loops: Promise<void>[] = [];

  constructor(options: Partial<LoadOptions> & Pick<LoadOptions, 'ports'>) {
    this.options = { ...loadDefaults, ...options };
    assert(this.options.clients >= 1 && this.options.clients <= 256, 'load clients 1..256');
    assert(this.options.keys >= 1, 'load keys >= 1');
    for (let c = 0; c < this.options.clients; c++) this.loops.push(this.clientLoop(c));
  }

  get isRunning(): boolean {
    return this.running;
  }

  onOp(listener: (op: OpRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Buckets oldest first; the last one may still be filling. */
  timeline(): LoadBucket[] {
    return this.buckets;
  }

  /** Acknowledged operations per second over the last `windowMs` of complete buckets. */
  opsPerSecond(windowMs = 1000): number {
    const now = performance.now();
    const done = this.buckets.filter((b) => b.startMs + this.options.bucketMs <= now &&
      b.startMs + this.options.bucketMs > now - windowMs - this.options.bucketMs);
    const span = done.length * this.options.bucketMs;
    return span === 0 ? 0 : Math.round(done.reduce((n, b) => n + b.ok, 0) * 1000 / span);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private note(op: OpRecord): void {
    this.counts[op.outcome]++;
    const bucketMs = this.options.bucketMs;
    const start = Math.floor(op.completeMs / bucketMs) * bucketMs;
    let last = this.buckets[this.buckets.length - 1];
    while (last === undefined || last.startMs < start) {
      last = { startMs: last === undefined ? start : last.startMs + bucketMs, ok: 0, failed: 0,
        unknown: 0, latenciesMs: [] };
      this.buckets.push(last);
      if (this.buckets.length > this.options.bucketsMax) this.buckets.shift();
    }
    // Completions arrive in time order (one event loop), so the op lands in the last bucket.
    last[op.outcome]++;
    if (op.outcome === 'ok' && last.latenciesMs.length < latenciesPerBucketMax) {
      last.latenciesMs.push(op.completeMs - op.invokeMs);
    }
    for (const listener of this.listeners) listener(op);
  }

  private async connect(index: number): Promise<RespClient | null> {
    const ports = this.options.ports();
    if (ports.length === 0) return null;
    const port = ports[index % ports.length]!;
    return RespClient.connect({
      host: this.options.host, port, connectTimeoutMs: 1000,
      callTimeoutMs: this.options.callTimeoutMs,
      ...(this.options.password !== undefined ? { password: this.options.password } : {}),
    }).catch(() => null);
  }

  private async clientLoop(clientId: number): Promise<void> {
    const random = seededRandom(this.options.seed * 1000 + clientId);
    let attempt = clientId;
    let client: RespClient | null = null;
    let seq = 0;
    const lastSeen = new Map<string, string>();
    while (this.running) {
      if (client === null || !client.isOpen) {
        client?.close();
        client = await this.connect(attempt++);
        if (client === null) {
          await sleep(20);
          continue;
        }
      }
      seq++;
      const key = `${this.options.keyPrefix}k${Math.floor(random() * this.options.keys)}`;
      const value = `c${clientId}-${seq}`;
      const roll = random();
      const seen = lastSeen.get(key);
      const op: ModelOp = roll >= 0.4 && roll < 0.7 ? kv.get(key)
        : roll >= 0.7 && seen !== undefined ? kv.cas(key, seen, value) : kv.put(key, value);
      const outcome = await this.perform(client, clientId, op);
      if (outcome.result?.kind === 'get' && outcome.result.value !== null) {
        lastSeen.set(key, outcome.result.value);
      }
      if (outcome.outcome === 'ok' && this.options.receipts) {
        await this.receipt(client, `${this.options.keyPrefix}r:${clientId}:${seq}`, value);
      }
      if (outcome.outcome !== 'ok') await sleep(20);
    }
    client?.close();
  }

  private async perform(
    client: RespClient, clientId: number, op: ModelOp,
  ): Promise<{ outcome: LoadOutcome; result?: ModelResult }> {
    const history = this.options.history;
    const invokeMs = performance.now();
    const id = history?.invoke(clientId, op, invokeMs);
    let outcome: LoadOutcome;
    let result: ModelResult | undefined;
    try {
      result = await execute(client, op);
      outcome = 'ok';
    } catch (error) {
      outcome = error instanceof RespReplyError && notApplied.test(error.message)
        ? 'failed' : 'unknown';
    }
    const completeMs = performance.now();
    if (id !== undefined) {
      history!.complete(id, outcome === 'ok' ? { kind: 'ok', result: result! } : { kind: outcome },
        completeMs);
    }
    this.note({ invokeMs, completeMs, write: op.kind !== 'get', outcome });
    return { outcome, result };
  }

  private async receipt(client: RespClient, key: string, value: string): Promise<void> {
    const invokeMs = performance.now();
    let outcome: LoadOutcome = 'ok';
    try {
      const reply = await client.call('SET', key, value);
      assert(reply === 'OK', `SET answered ${String(reply)}`);
      this.acknowledged.set(key, value);
    } catch (error) {
      outcome = error instanceof RespReplyError && notApplied.test(error.message)
        ? 'failed' : 'unknown';
    }
    this.note({ invokeMs, completeMs: performance.now(), write: true, outcome });
  }
}

async function execute(client: RespClient, op: ModelOp): Promise<ModelResult> {
  switch (op.kind) {
    case 'put':
      await client.call('SET', op.key, op.value);
      return kv.putResult();
    case 'get': {
      const value = await client.call('GET', op.key);
      return kv.getResult(typeof value === 'string' ? value : null);
    }
    case 'cas':
      return kv.casResult((await client.call('CAS', op.key, op.expected!, op.value)) === 1);
    case 'del':
      return kv.delResult((await client.call('DEL', op.key)) === 1);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A history-recording write/read load for crash tests. Each client loops over a small key set
 * doing put/get/cas (recorded in a HistoryRecorder for the linearizability check) and also
 * writes unique "receipt" keys whose acknowledgement it remembers, so a test can check that
 * every acknowledged write survived. A client whose node dies moves on to the next port.
 *
 * Outcomes: a reply is 'ok'; TRYAGAIN / MOVED / CLUSTERDOWN mean "not applied" ('failed');
 * anything else (a dropped connection, an -ERR that says it may have applied) is 'unknown'.
 */
import { Redis } from 'ioredis';
import { HistoryRecorder, kv, type ModelOp, type ModelResult } from '../../src/check/index.js';
import { Prng } from '../../src/raft/index.js';

export interface LoadOptions {
  ports: () => number[];
  clients: number;
  keys: number;
  seed: number;
}

export interface LoadResult {
  history: HistoryRecorder;
  /** Receipt keys whose SET was acknowledged, with their values. */
  acknowledged: Map<string, string>;
  okCount: number;
  failedCount: number;
  unknownCount: number;
}

const notApplied = /^(TRYAGAIN|MOVED|CLUSTERDOWN)/;

export class Load {
  readonly result: LoadResult;
  private running = true;
  private readonly loops: Promise<void>[] = [];

  constructor(private readonly options: LoadOptions) {
    this.result = {
      history: new HistoryRecorder(), acknowledged: new Map(), okCount: 0, failedCount: 0,
      unknownCount: 0,
    };
    for (let c = 0; c < options.clients; c++) this.loops.push(this.clientLoop(c));
  }

  async stop(): Promise<LoadResult> {
    this.running = false;
    await Promise.all(this.loops);
    return this.result;
  }

  private connect(index: number): Redis {
    const ports = this.options.ports();
    const port = ports[index % ports.length]!;
    const redis = new Redis({
      port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null,
      enableOfflineQueue: true, connectTimeout: 1000, commandTimeout: 6000,
    });
    redis.on('error', () => undefined);
    return redis;
  }

  private async clientLoop(clientId: number): Promise<void> {
    const prng = new Prng(this.options.seed * 1000 + clientId);
    const random = () => prng.nextFloat();
    let attempt = clientId;
    let redis = this.connect(attempt);
    let seq = 0;
    const lastSeen = new Map<string, string>();
    while (this.running) {
      seq++;
      const key = `k${Math.floor(random() * this.options.keys)}`;
      const value = `c${clientId}-${seq}`;
      const roll = random();
      // CAS swaps from the value this client last read (the CAS command has no "absent" form).
      const seen = lastSeen.get(key);
      const op: ModelOp = roll < 0.7 && roll >= 0.4 ? kv.get(key)
        : roll >= 0.7 && seen !== undefined ? kv.cas(key, seen, value) : kv.put(key, value);
      const id = this.result.history.invoke(clientId, op, performance.now());
      try {
        const result = await this.execute(redis, op);
        this.result.history.complete(id, { kind: 'ok', result }, performance.now());
        if (result.kind === 'get' && result.value !== null) lastSeen.set(op.key, result.value);
        this.result.okCount++;
        await this.writeReceipt(redis, `r:${clientId}:${seq}`, value);
      } catch (error) {
        const message = (error as Error).message;
        const outcome = notApplied.test(message) ? 'failed' : 'unknown';
        this.result.history.complete(id, { kind: outcome }, performance.now());
        if (outcome === 'failed') this.result.failedCount++;
        else this.result.unknownCount++;
        if (redis.status !== 'ready' && redis.status !== 'connecting' &&
          redis.status !== 'connect') {
          redis.disconnect();
          redis = this.connect(++attempt);
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    redis.disconnect();
  }

  /** A unique key whose acknowledgement is remembered; its failure is not an error here. */
  private async writeReceipt(redis: Redis, key: string, value: string): Promise<void> {
    try {
      if ((await redis.set(key, value)) === 'OK') this.result.acknowledged.set(key, value);
    } catch {
      // Not acknowledged: nothing is promised about it.
    }
  }

  private async execute(redis: Redis, op: ModelOp): Promise<ModelResult> {
    switch (op.kind) {
      case 'put':
        await redis.set(op.key, op.value);
        return kv.putResult();
      case 'get':
        return kv.getResult(await redis.get(op.key));
      case 'cas': {
        const swapped = await redis.call('CAS', op.key, op.expected!, op.value);
        return kv.casResult(swapped === 1);
      }
      case 'del':
        return kv.delResult((await redis.del(op.key)) === 1);
    }
  }
}

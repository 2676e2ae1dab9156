/**
 * The UiControl over a real Cluster. Every key calls the same Cluster method (or the shared
 * action in src/cluster/actions.ts) that the library API and the HARMONY admin commands call.
 */
import type { Cluster } from '../cluster/cluster.js';
import { healAll, isolate } from '../cluster/actions.js';
import { LoadGenerator } from '../cluster/loadGenerator.js';
import type { UiControl, UiEvent, UiLoad, UiSnapshot } from './control.js';

export const uiDelayMs = 100;
export const uiDelayJitterMs = 50;
export const uiSlowDiskMs = 50;

export class ClusterUiControl implements UiControl {
  private load_: LoadGenerator | null = null;
  /** Totals of the generators stopped so far, so the counters survive a toggle. */
  private loadFailed = 0;
  private loadUnknown = 0;

  constructor(private readonly cluster: Cluster, private readonly loadClients = 4) {}

  get ids(): number[] {
    return this.cluster.ids;
  }

  async snapshot(): Promise<UiSnapshot> {
    const statuses = await this.cluster.status();
    const f = this.cluster.networkFaults();
    return {
      atMs: performance.now(),
      statuses,
      network: {
        blocked: [...f.blocked], dropRate: f.dropRate, delayMs: f.delayMs,
        delayJitterMs: f.delayJitterMs,
      },
    };
  }

  recentEvents(): UiEvent[] {
    return this.cluster.recentEvents();
  }

  onEvent(listener: (event: UiEvent) => void): () => void {
    const off = this.cluster.onEvent(listener);
    return () => { off(); };
  }

  load(): UiLoad {
    const g = this.load_;
    const bucketMs = g?.options.bucketMs ?? 250;
    const samples = (g?.timeline() ?? []).slice(-41, -1).map((b) => b.ok * 1000 / bucketMs);
    return {
      running: g !== null,
      samples,
      opsPerSecond: g?.opsPerSecond() ?? 0,
      failed: this.loadFailed + (g?.counts.failed ?? 0),
      unknown: this.loadUnknown + (g?.counts.unknown ?? 0),
    };
  }

  kill(id: number): Promise<void> {
    return this.cluster.kill(id);
  }

  restart(id: number): Promise<void> {
    return this.cluster.restart(id);
  }

  isolate(id: number): Promise<void> {
    return isolate(this.cluster, id);
  }

  heal(): Promise<void> {
    return healAll(this.cluster);
  }

  async toggleDelay(): Promise<void> {
    const on = this.cluster.networkFaults().delayMs === 0;
    await this.cluster.setNetwork(on ? { delayMs: uiDelayMs, delayJitterMs: uiDelayJitterMs }
      : { delayMs: 0, delayJitterMs: 0 });
  }

  async toggleSlowDisk(id: number): Promise<void> {
    const status = (await this.cluster.status()).find((s) => s.id === id);
    await this.cluster.setDiskDelay(id, status?.diskDelayMs ? 0 : uiSlowDiskMs);
  }

  transferLeader(to: number): Promise<void> {
    return this.cluster.transferLeader(to);
  }

  async addLearner(): Promise<void> {
    await this.cluster.addLearner();
  }

  promote(id: number): Promise<void> {
    return this.cluster.promote(id);
  }

  removeMember(id: number): Promise<void> {
    return this.cluster.removeMember(id);
  }

  async toggleLoad(): Promise<void> {
    if (this.load_ === null) {
      this.load_ = new LoadGenerator({
        host: this.cluster.options.host,
        ports: () => this.cluster.ids.filter((id) => this.cluster.isAlive(id))
          .map((id) => this.cluster.portOf(id)),
        clients: this.loadClients, keyPrefix: 'ui-load:', seed: Date.now() >>> 0,
        ...(this.cluster.options.requirePass !== null
          ? { password: this.cluster.options.requirePass } : {}),
      });
      return;
    }
    const g = this.load_;
    this.load_ = null;
    await g.stop();
    this.loadFailed += g.counts.failed;
    this.loadUnknown += g.counts.unknown;
  }

  /** Stops the load generator (before the cluster stops). */
  async close(): Promise<void> {
    if (this.load_ !== null) await this.toggleLoad();
  }
}

/**
 * The Ink app against a fake UiControl (ink-testing-library): it renders every node's row,
 * links with their fault state, the faults in force and the event log; each key calls the
 * right control method on the selected node (also when a digit and a key arrive together);
 * '?' shows the help; and the pure derivations (lag, rates, sparkline) compute what is shown.
 */
import { describe, expect, it } from 'vitest';
import { render } from 'ink-testing-library';
import { App } from '../../src/ui/App.js';
import type { UiControl, UiEvent, UiLoad, UiNodeStatus, UiSnapshot } from '../../src/ui/control.js';
import { linkRows, nodeRows, sparkline } from '../../src/ui/model.js';

function node(id: number, fields: Partial<UiNodeStatus> = {}): UiNodeStatus {
  return {
    id, port: 6378 + id, role: 'follower', term: 4, leader: 1, commitIndex: 100,
    appliedIndex: 100, lastIndex: 100, firstIndex: 1, snapshotIndex: 0, walBytes: 4096,
    keyCount: 10, opsCompleted: 0, latencyMsP99: 1.5, paused: false, diskDelayMs: 0,
    fsyncFailing: false, progress: [], links: [], alive: true, ...fields,
  };
}

function snapshotAt(atMs: number, sent: number): UiSnapshot {
  const links = (self: number) => [1, 2, 3].filter((p) => p !== self).map((peer) => ({
    peer, sentMessages: sent, receivedMessages: sent, droppedMessages: 0,
  }));
  return {
    atMs,
    statuses: [
      node(1, { role: 'leader', lastIndex: 120, commitIndex: 118, opsCompleted: sent * 2,
        progress: [{ id: 2, match: 120, next: 121, state: 'replicate' },
          { id: 3, match: 90, next: 91, state: 'probe' }], links: links(1) }),
      node(2, { lastIndex: 120, links: links(2) }),
      node(3, { lastIndex: 90, diskDelayMs: 50, links: links(3) }),
    ],
    network: { blocked: ['1->3', '3->1'], dropRate: 0, delayMs: 100, delayJitterMs: 50 },
  };
}

class FakeControl implements UiControl {
  readonly ids = [1, 2, 3];
  readonly calls: string[] = [];
  private polls = 0;
  private listener: ((e: UiEvent) => void) | null = null;
  async snapshot(): Promise<UiSnapshot> {
    this.polls++;
    return snapshotAt(this.polls * 250, this.polls * 100);
  }
  recentEvents(): UiEvent[] {
    const text = 'started an election for term 4: no heartbeat from a leader';
    return [{ atMs: 1500, node: 2, text }];
  }
  onEvent(listener: (e: UiEvent) => void) {
    this.listener = listener;
    return () => { this.listener = null; };
  }
  emit(event: UiEvent) {
    this.listener?.(event);
  }
  load(): UiLoad {
    return { running: true, samples: [1, 5, 10], opsPerSecond: 1234, failed: 2, unknown: 1 };
  }
  private record(call: string) {
    this.calls.push(call);
    return Promise.resolve();
  }
  kill(id: number) { return this.record(`kill ${id}`); }
  restart(id: number) { return this.record(`restart ${id}`); }
  isolate(id: number) { return this.record(`isolate ${id}`); }
  heal() { return this.record('heal'); }
  toggleDelay() { return this.record('delay'); }
  toggleSlowDisk(id: number) { return this.record(`slowdisk ${id}`); }
  transferLeader(id: number) { return this.record(`transfer ${id}`); }
  toggleLoad() { return this.record('load'); }
  addLearner() { return this.record('add'); }
  promote(id: number) { return this.record(`promote ${id}`); }
  removeMember(id: number) { return this.record(`remove ${id}`); }
}

const settle = (ms = 30) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, probe: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !probe(); i++) await settle(10);
  if (!probe()) throw new Error(`timed out waiting for ${what}`);
}

describe('UI rendering', () => {
  it('shows every node, the links, the faults, the load and the event log', async () => {
    const control = new FakeControl();
    const ui = render(<App control={control} refreshMs={100} rows={24} />);
    await until('two polls', () => (ui.lastFrame() ?? '').includes('1⇄2 ok 400/400/s'));
    const frame = ui.lastFrame()!;
    expect(frame).toContain('leader 1 (term 4)');
    const words = frame.split('\n').map((line) => line.trim().split(/\s+/).join(' '));
    expect(words).toContain('1 6379 leader 4 1 118 100 120 0 4K 800 1.5');
    expect(words).toContain('3 6381 follower 4 1 100 100 90 30 4K 0 1.5');
    expect(frame).toContain('1⇄3 cut');
    expect(frame).toContain('faults: 2 links cut, delay 100±50 ms, node 3 slow disk +50 ms');
    expect(frame).toContain('1234 ops/s');
    expect(frame).toContain('node 2: started an election for term 4: no heartbeat from a leader');
    control.emit({ atMs: 2500, node: 1, text: 'became leader at term 5' });
    await until('the new event', () => (ui.lastFrame() ?? '').includes('became leader at term 5'));
    for (const line of ui.lastFrame()!.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    ui.unmount();
  });

  it('keys call the control on the selected node', async () => {
    const control = new FakeControl();
    const ui = render(<App control={control} refreshMs={100} />);
    await until('first frame', () => (ui.lastFrame() ?? '').includes('leader 1'));
    const press = async (keys: string, calls: number) => {
      ui.stdin.write(keys);
      await until(`${calls} calls`, () => control.calls.length >= calls);
      await settle();
    };
    await press('k', 1);
    await press('2r', 2);
    await press('3p', 3);
    await press('h', 4);
    await press('d', 5);
    await press('s', 6);
    await press('\u001B[A', 6); // up arrow: node 2
    await press('t', 7);
    await press('l', 8);
    await press('a', 9);
    await press('m', 10);
    await press('3x', 11);
    expect(control.calls).toEqual(['kill 1', 'restart 2', 'isolate 3', 'heal', 'delay',
      'slowdisk 3', 'transfer 2', 'load', 'add', 'promote 2', 'remove 3']);
    ui.unmount();
  });

  it('? shows the help with every key', async () => {
    const control = new FakeControl();
    const ui = render(<App control={control} refreshMs={100} />);
    await until('first frame', () => (ui.lastFrame() ?? '').includes('leader 1'));
    ui.stdin.write('?');
    await until('help', () => (ui.lastFrame() ?? '').includes('Keys'));
    const frame = ui.lastFrame()!;
    for (const text of ['kill the selected node', 'restart the selected node',
      'isolate the selected',
      'heal: clean network', 'network delay', 'slow disk', 'transfer leadership',
      'load generator on/off', 'quit']) {
      expect(frame).toContain(text);
    }
    ui.unmount();
  });
});

describe('UI model', () => {
  it('lag comes from the leader progress; rates from two snapshots', () => {
    const rows = nodeRows(snapshotAt(1000, 300), snapshotAt(500, 100));
    expect(rows.map((r) => r.lag)).toEqual([0, 0, 30]);
    expect(rows[0]!.opsPerSecond).toBe(800);
    const links = linkRows(snapshotAt(1000, 300), snapshotAt(500, 100));
    expect(links.map((l) => `${l.a}-${l.b} ${l.state} ${l.rateAtoB}`))
      .toEqual(['1-2 ok 400', '1-3 cut 400', '2-3 ok 400']);
  });

  it('sparkline scales to the largest sample', () => {
    expect(sparkline([0, 50, 100], 10)).toBe('▁▄█');
    expect(sparkline([1, 2, 3, 4], 2)).toBe('▆█');
  });
});

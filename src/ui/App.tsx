/**
 * The Ink app: a node table, the links between nodes, the faults in force, the load
 * generator's sparkline, a scrolling event log and the keys. It polls the UiControl every
 * `refreshMs` (at most 10 Hz) and skips a poll while the previous one is still out, so a slow
 * status call can never pile up requests.
 */
import { useEffect, useRef, useState } from 'react';
import { Box, Text, useApp, useInput, useStdout } from 'ink';
import type { UiControl, UiEvent, UiSnapshot } from './control.js';
import {
  faultSummary, formatBytes, leaderOf, linkRows, nodeRows, sparkline, type NodeRow,
} from './model.js';

export interface AppProps {
  control: UiControl;
  refreshMs?: number;
  /** Terminal rows when stdout does not say (tests). */
  rows?: number;
}

const eventsKept = 200;

export const keyHelp: [string, string][] = [
  ['↑↓ / 1-9', 'select a node'],
  ['k', 'kill the selected node (crash)'],
  ['r', 'restart the selected node'],
  ['p', 'partition: isolate the selected node'],
  ['h', 'heal: clean network, normal disks, resume'],
  ['d', 'network delay 100±50 ms on/off'],
  ['s', 'slow disk (+50 ms per fsync) on/off'],
  ['t', 'transfer leadership to the selected node'],
  ['l', 'load generator on/off'],
  ['a / m / x', 'add a learner / promote the selected / remove it'],
  ['?', 'this help'],
  ['q', 'quit (stops the cluster cleanly)'],
];

const footerKeys = 's slow disk  t transfer  l load  a/m/x add/promote/remove  ? help  ' +
  'q quit';

function pad(value: string | number, width: number): string {
  const text = String(value);
  return text.length >= width ? text.slice(0, width) : ' '.repeat(width - text.length) + text;
}

const tableHeader = ' id  port role     term ldr commit applied   last   lag    wal  ops/s  p99ms';

function formatRow(r: NodeRow): string {
  const role = r.role.padEnd(8).slice(0, 8);
  if (!r.alive) return `${pad(r.id, 3)} ${pad(r.port, 5)} ${role}`;
  return `${pad(r.id, 3)} ${pad(r.port, 5)} ${role}${pad(r.term, 5)} ${pad(r.leader || '-', 3)}` +
    `${pad(r.commitIndex, 7)} ${pad(r.appliedIndex, 7)}${pad(r.lastIndex, 7)}` +
    `${pad(r.lag ?? '-', 6)}${pad(formatBytes(r.walBytes), 7)}${pad(r.opsPerSecond, 7)}` +
    `${pad(r.latencyMsP99.toFixed(1), 7)}`;
}

function usePolling(control: UiControl, refreshMs: number) {
  const [snapshots, setSnapshots] = useState<[UiSnapshot | null, UiSnapshot | null]>([null, null]);
  useEffect(() => {
    let busy = false;
    let live = true;
    const poll = async () => {
      if (busy) return;
      busy = true;
      try {
        const next = await control.snapshot();
        if (live) setSnapshots(([current]) => [next, current]);
      } catch {
        // A failed poll shows the previous state; the next one retries.
      } finally {
        busy = false;
      }
    };
    void poll();
    const timer = setInterval(poll, refreshMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [control, refreshMs]);
  return snapshots;
}

function useEvents(control: UiControl): UiEvent[] {
  const [events, setEvents] = useState<UiEvent[]>(() => control.recentEvents().slice(-eventsKept));
  useEffect(() => control.onEvent((event) => {
    setEvents((list) => [...list.slice(-(eventsKept - 1)), event]);
  }), [control]);
  return events;
}

function formatEvent(e: UiEvent): string {
  return `${pad((e.atMs / 1000).toFixed(1), 7)}s ${e.node === 0 ? 'cluster' : `node ${e.node}`}: ` +
    e.text;
}

export function App({ control, refreshMs = 250, rows }: AppProps) {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const [current, previous] = usePolling(control, Math.max(100, refreshMs));
  const events = useEvents(control);
  const [selected, setSelected] = useState(control.ids[0] ?? 1);
  const [showHelp, setShowHelp] = useState(false);
  const [message, setMessage] = useState('');
  const [, setTick] = useState(0);
  const busy = useRef(false);

  const act = (label: string, action: () => Promise<void>) => {
    if (busy.current) {
      setMessage(`busy: still doing the previous action (${label} ignored)`);
      return;
    }
    busy.current = true;
    setMessage(`${label}...`);
    action().then(() => setMessage(`${label}: done`),
      (error: Error) => setMessage(`${label}: ${error.message}`))
      .finally(() => {
        busy.current = false;
        setTick((n) => n + 1);
      });
  };

  // The selection lives in a ref too: keys typed faster than a render ("3k") must act on the
  // node just selected, not on the one the last render saw.
  const selectedRef = useRef(selected);
  const select = (id: number) => {
    selectedRef.current = id;
    setSelected(id);
  };

  const onKey = (input: string) => {
    const id = selectedRef.current;
    if (/^[1-9]$/.test(input) && control.ids.includes(Number(input))) select(Number(input));
    else if (input === 'k') act(`kill node ${id}`, () => control.kill(id));
    else if (input === 'r') act(`restart node ${id}`, () => control.restart(id));
    else if (input === 'p') act(`isolate node ${id}`, () => control.isolate(id));
    else if (input === 'h') act('heal', () => control.heal());
    else if (input === 'd') act('network delay', () => control.toggleDelay());
    else if (input === 's') act(`slow disk node ${id}`, () => control.toggleSlowDisk(id));
    else if (input === 't') act(`transfer to node ${id}`, () => control.transferLeader(id));
    else if (input === 'l') act('load', () => control.toggleLoad());
    else if (input === 'a') act('add a learner', () => control.addLearner());
    else if (input === 'm') act(`promote node ${id}`, () => control.promote(id));
    else if (input === 'x') act(`remove node ${id}`, () => control.removeMember(id));
    else if (input === '?') setShowHelp((v) => !v);
    else if (input === 'q') exit();
  };

  useInput((input, key) => {
    const ids = control.ids;
    const index = ids.indexOf(selectedRef.current);
    if (key.upArrow || key.leftArrow) select(ids[(index - 1 + ids.length) % ids.length]!);
    else if (key.downArrow || key.rightArrow) select(ids[(index + 1) % ids.length]!);
    else for (const char of input) onKey(char);
  });

  const height = rows ?? stdout.rows ?? 24;
  if (current === null) return <Text>HarmonyDB: waiting for the first status...</Text>;
  const nodes = nodeRows(current, previous);
  const links = linkRows(current, previous);
  const leader = leaderOf(current.statuses);
  const load = control.load();
  const fixedLines = 9 + nodes.length + Math.ceil(links.length / 3);
  const eventLines = Math.max(1, height - fixedLines);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold color="cyan">HarmonyDB</Text> {nodes.length} nodes  leader{' '}
        <Text bold>{leader === undefined ? 'none' : `${leader.id} (term ${leader.term})`}</Text>
        {'  '}selected <Text bold color="yellow">{selected}</Text>
      </Text>
      <Text bold wrap="truncate">{tableHeader}</Text>
      {nodes.map((r) => (
        <Text key={r.id} wrap="truncate" inverse={r.id === selected}
          color={!r.alive ? 'red' : r.role === 'leader' ? 'green' : undefined}>
          {formatRow(r)}
        </Text>
      ))}
      <Box flexWrap="wrap">
        {links.map((l) => (
          <Box key={`${l.a}-${l.b}`} width={26}>
            <Text wrap="truncate" color={l.state === 'ok' ? undefined : 'red'}>
              {`${l.a}⇄${l.b} ${l.state} ${l.rateAtoB}/${l.rateBtoA}/s`}
            </Text>
          </Box>
        ))}
      </Box>
      <Text wrap="truncate">faults: {faultSummary(current.network, current.statuses)}</Text>
      <Text wrap="truncate">
        load: {load.running ? <Text color="green">on </Text> : 'off'}{' '}
        {pad(load.opsPerSecond, 6)} ops/s{' '}
        {sparkline(load.samples, 40)} failed {load.failed} unknown {load.unknown}
      </Text>
      <Text wrap="truncate" color="yellow">{message || ' '}</Text>
      {showHelp ? <Help /> : (
        <Box flexDirection="column" height={eventLines}>
          {events.slice(-eventLines).map((e, i) => (
            <Text key={`${e.atMs}-${i}`} wrap="truncate" dimColor={e.node !== 0}>
              {formatEvent(e)}
            </Text>
          ))}
        </Box>
      )}
      <Text wrap="truncate" dimColor>
        1-9/↑↓ select  k kill  r restart  p partition  h heal  d delay
      </Text>
      <Text wrap="truncate" dimColor>{footerKeys}</Text>
    </Box>
  );
}

function Help() {
  return (
    <Box flexDirection="column" borderStyle="round" paddingX={1}>
      <Text bold>Keys</Text>
      {keyHelp.map(([key, what]) => (
        <Text key={key} wrap="truncate">{key.padEnd(10)} {what}</Text>
      ))}
    </Box>
  );
}

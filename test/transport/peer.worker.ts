// A test node for test/transport/worker.test.ts: one MessageChannelTransport in a real worker
// thread, driven by commands from the test over parentPort. It records what arrives and
// checks every entry's bytes; it wraps its ports' postMessage to verify that each batch's
// ArrayBuffer was transferred (detached here) rather than cloned. Loaded from dist/.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import {
  MessageChannelTransport, type FaultRules, type LinkStats,
} from '../../src/transport/index.js';
import type { Message } from '../../src/codec/index.js';
import { appMessage } from './helpers.js';
import { seeded } from './scriptedRandom.js';

export interface PeerInit {
  id: number;
  seed: number;
  ports: Record<number, MessagePort>;
  inflightFramesMax?: number;
  /** Int32 slot 0: a 'block' command stalls this thread until the test sets it to 1. */
  gate?: SharedArrayBuffer;
}

export type PeerCommand =
  | { cmd: 'send'; to: number; batches: number; entries: number; dataBytes: number;
      startIndex: number }
  | { cmd: 'forward'; to: number; requestId: number; payload: number[] }
  | { cmd: 'setRules'; rules: FaultRules }
  | { cmd: 'heal' }
  | { cmd: 'stats' }
  | { cmd: 'block' };

export interface ReceivedFrom {
  batches: number;
  messages: number;
  indexes: number[];
  badEntries: number;
}

export interface PeerStats {
  links: LinkStats[];
  received: Record<number, ReceivedFrom>;
  replies: [number, number, number[]][];
}

const init = workerData as PeerInit;
const port = parentPort!;
let transferred = 0;
let notDetached = 0;
const watched: Record<number, MessagePort> = {};
for (const [peer, peerPort] of Object.entries(init.ports)) {
  const post = peerPort.postMessage.bind(peerPort);
  peerPort.postMessage = (value: unknown, list?: readonly unknown[]) => {
    post(value, list as never);
    for (const item of list ?? []) {
      transferred += 1;
      if (!(item instanceof ArrayBuffer) || item.byteLength !== 0) notDetached += 1;
    }
  };
  watched[Number(peer)] = peerPort;
}

const transport = new MessageChannelTransport({
  id: init.id,
  random: seeded(init.seed),
  ...(init.inflightFramesMax === undefined ? {} : { inflightFramesMax: init.inflightFramesMax }),
}, watched);

const received: Record<number, ReceivedFrom> = {};
transport.onMessages((from, messages: Message[]) => {
  const r = (received[from] ??= { batches: 0, messages: 0, indexes: [], badEntries: 0 });
  r.batches += 1;
  r.messages += messages.length;
  for (const m of messages) {
    for (const e of m.entries) {
      r.indexes.push(e.index);
      if (!e.data.every((byte) => byte === (e.index & 0xff))) r.badEntries += 1;
    }
  }
});

const replies: [number, number, number[]][] = [];
transport.onForward((from, kind, requestId, payload) => {
  if (kind === 'forward') {
    transport.sendForward(from, 'forward-reply', requestId, payload.slice().reverse());
  } else {
    replies.push([from, requestId, [...payload]]);
  }
});

function run(command: PeerCommand): unknown {
  switch (command.cmd) {
    case 'send': {
      const before = { transferred, notDetached };
      for (let i = 0; i < command.batches; i++) {
        const index = command.startIndex + i * command.entries;
        transport.send(command.to,
          [appMessage(init.id, command.to, index, command.entries, command.dataBytes)]);
      }
      return { transferred: transferred - before.transferred,
        notDetached: notDetached - before.notDetached };
    }
    case 'forward':
      return transport.sendForward(command.to, 'forward', command.requestId,
        new Uint8Array(command.payload));
    case 'setRules':
      transport.setFaultRules(command.rules);
      return null;
    case 'heal':
      transport.healFaults();
      return null;
    case 'stats':
      return { links: transport.stats(), received, replies } satisfies PeerStats;
    case 'block':
      return null; // blocks after replying, below
  }
}

port.on('message', ({ requestId, command }: { requestId: number; command: PeerCommand }) => {
  port.postMessage({ requestId, result: run(command) });
  if (command.cmd === 'block') {
    // Stall this thread's event loop until the test opens the gate (10 s at most): nothing is
    // taken off the ports, nothing acknowledged.
    Atomics.wait(new Int32Array(init.gate!), 0, 0, 10_000);
  }
});

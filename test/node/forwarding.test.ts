// Proves request forwarding between nodes over real MessageChannel transports: a request is
// served by the leader and its answer (or its typed error, by class name) relayed back; when
// the leader changes, requests pending at the old leader fail at once (a write with an unknown
// outcome, a read as retryable) instead of waiting for their timeout; and the number of
// requests in flight is bounded.
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { MessageChannelTransport } from '../../src/transport/index.js';
import { Forwarder, type ForwardRequest } from '../../src/node/forwarding.js';
import { encodeKvOp, TryAgainError } from '../../src/kv/index.js';

const transports: MessageChannelTransport[] = [];
afterEach(() => {
  for (const t of transports.splice(0)) t.close();
});

function pair(): [MessageChannelTransport, MessageChannelTransport] {
  const channel = new MessageChannel();
  const a = new MessageChannelTransport({ id: 1, random: () => 0.5 }, { 2: channel.port1 });
  const b = new MessageChannelTransport({ id: 2, random: () => 0.5 }, { 1: channel.port2 });
  transports.push(a, b);
  return [a, b];
}

const put: ForwardRequest = {
  method: 'write',
  op: encodeKvOp({
    type: 'put', key: new Uint8Array([1]), value: new Uint8Array([2]),
      condition: 'always', get: false,
  }),
};
const count: ForwardRequest = { method: 'read', op: encodeKvOp({ type: 'count' }) };

describe('Forwarder', () => {
  it('relays the leader\'s answer and its errors by class name', async () => {
    const [a, b] = pair();
    const follower = new Forwarder(a, { pendingMax: 10, timeoutMs: 5000 }, async () => 0);
    new Forwarder(b, { pendingMax: 10, timeoutMs: 5000 }, async (request) => {
      if (request.method === 'read') return 42;
      throw new TryAgainError('no leader');
    });
    expect(await follower.forward(2, count)).toBe(42);
    await expect(follower.forward(2, put)).rejects.toMatchObject(
      { name: 'TryAgainError', message: 'no leader' });
  });

  it('fails requests pending at an old leader at once when the leader changes', async () => {
    const [a, b] = pair();
    const follower = new Forwarder(a, { pendingMax: 10, timeoutMs: 60_000 }, async () => 0);
    new Forwarder(b, { pendingMax: 10, timeoutMs: 60_000 }, () => new Promise(() => undefined));
    const write = follower.forward(2, put);
    const read = follower.forward(2, count);
    await new Promise((r) => setTimeout(r, 20));
    follower.failPendingNotTo(2); // same leader: nothing fails
    follower.failPendingNotTo(3);
    await expect(write).rejects.toMatchObject({ name: 'OutcomeUnknownError' });
    await expect(read).rejects.toMatchObject({ name: 'TryAgainError' });
  });

  it('bounds the requests in flight', async () => {
    const [a, b] = pair();
    const follower = new Forwarder(a, { pendingMax: 2, timeoutMs: 60_000 }, async () => 0);
    new Forwarder(b, { pendingMax: 2, timeoutMs: 60_000 }, () => new Promise(() => undefined));
    void follower.forward(2, put).catch(() => undefined);
    void follower.forward(2, put).catch(() => undefined);
    await expect(follower.forward(2, put)).rejects.toMatchObject({ name: 'OverloadedError' });
    follower.close(new Error('stopping'));
  });
});

/**
 * One Raft node in a worker thread: opens its data directory (WAL + snapshots), rebuilds the
 * B+ tree from the latest snapshot, starts the Raft driver, the transport to its peers, the
 * RESP listener and the comlink control API, then reports 'ready'. Composition only; the
 * parts live in src/.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startNodeRuntime } from '../src/node/runtime.js';
import type { NodeEvent, NodeWorkerInit } from '../src/node/control.js';
import { startRespServer } from '../src/server/server.js';
import { exposeOnPort } from '../src/cluster/comlink.js';
import { createAdminRelay } from '../src/cluster/adminProtocol.js';
import { describeStartupFailure } from '../src/cluster/startupFailure.js';

const init = workerData as NodeWorkerInit;
const post = (event: NodeEvent) => parentPort!.postMessage(event);

try {
  const runtime = await startNodeRuntime(init, post);
  // HARMONY ... acts on the whole cluster, so the main thread answers it.
  runtime.backend.admin = createAdminRelay(parentPort!, init.id);
  const server = await startRespServer({
    host: init.host, port: init.port, backend: runtime.backend, bus: runtime.relay,
    ...(init.requirePass !== undefined ? { requirePass: init.requirePass } : {}),
    warn: (text) => post({ kind: 'log', id: init.id, atMs: 0, text }),
  });
  runtime.onShutdown(() => server.close());
  exposeOnPort(runtime.control, init.controlPort);
  post({ kind: 'ready', id: init.id, port: server.address().port });
} catch (error) {
  // A data directory it cannot use (EACCES, ENOSPC...) is said in one line, path included.
  post({ kind: 'fatal', id: init.id,
    text: describeStartupFailure(error) ?? (error as Error).message });
  process.exit(1);
}

/** comlink over Node MessagePorts: one place that knows how the adapter is imported. */
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { MessagePort } from 'node:worker_threads';

export function wrapPort<T>(port: MessagePort): Comlink.Remote<T> {
  return Comlink.wrap<T>(nodeEndpoint(port as never));
}

export function exposeOnPort(api: object, port: MessagePort): void {
  Comlink.expose(api, nodeEndpoint(port as never));
}

export { transfer, releaseProxy } from 'comlink';
export type Remote<T> = Comlink.Remote<T>;

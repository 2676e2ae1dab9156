/**
 * Per-connection state that commands read and change: identity, name, READONLY, the MULTI
 * queue. The socket and scheduling live in connection.ts.
 */
import type { QueuedCommand } from './commandTypes.js';

export interface MultiState {
  queued: QueuedCommand[];
  /** A command was refused while queuing: EXEC answers EXECABORT. */
  failed: boolean;
}

export class ClientState {
  name = '';
  libName = '';
  libVersion = '';
  readonly = false;
  /** The selected database (SELECT), 0-15; key-touching ops carry it. */
  db = 0;
  multi: MultiState | undefined;
  lastCommand = 'NULL';
  lastInteractionMs: number;
  /** Set by QUIT: close once its reply is written. */
  closeRequested = false;

  constructor(
    readonly id: number,
    readonly addr: string,
    readonly localAddr: string,
    readonly createdAtMs: number,
  ) {
    this.lastInteractionMs = createdAtMs;
  }

  /** One line of CLIENT LIST / CLIENT INFO, in Redis's field order (a subset). */
  infoLine(nowMs: number): string {
    const age = Math.floor((nowMs - this.createdAtMs) / 1000);
    const idle = Math.floor((nowMs - this.lastInteractionMs) / 1000);
    const flags = (this.multi !== undefined ? 'x' : '') + (this.readonly ? 'r' : '') || 'N';
    return `id=${this.id} addr=${this.addr} laddr=${this.localAddr} fd=-1 name=${this.name} `
      + `age=${age} idle=${idle} flags=${flags} db=${this.db} sub=0 psub=0 ssub=0 `
      + `multi=${this.multi === undefined ? -1 : this.multi.queued.length} `
      + `cmd=${this.lastCommand} user=default lib-name=${this.libName} `
      + `lib-ver=${this.libVersion} resp=2`;
  }
}

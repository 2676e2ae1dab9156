/**
 * Per-connection state that commands read and change: identity, name, protocol, whether it
 * has authenticated, READONLY, the selected database, the MULTI queue, subscriptions, MONITOR,
 * CLIENT REPLY. The socket and scheduling live in connection.ts; it fills in the hooks at the
 * end (kill, output bytes).
 */
import type { QueuedCommand } from './commandTypes.js';
import type { RespProtocol } from './respEncoder.js';

export interface MultiState {
  queued: QueuedCommand[];
  /** A command was refused while queuing: EXEC answers EXECABORT. */
  failed: boolean;
}

export class ClientState {
  name = '';
  libName = '';
  libVersion = '';
  /** RESP2 until HELLO 3. */
  protocol: RespProtocol = 2;
  /** False until AUTH (or HELLO AUTH) succeeds, when the server has a password. */
  authenticated = true;
  user = 'default';
  readonly = false;
  /** The selected database (SELECT), 0-15; key-touching ops carry it. */
  db = 0;
  multi: MultiState | undefined;
  /** Channels and patterns this client listens to (latin1 of the bytes; see pubsub.ts). */
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  /** Receives every command the cluster executes (MONITOR). */
  monitor = false;
  /** CLIENT REPLY OFF: no replies until ON; SKIP: none for the next command. */
  replyOff = false;
  replySkipNext = false;
  /** CLIENT NO-EVICT (HarmonyDB evicts no clients; kept for CLIENT LIST). */
  noEvict = false;
  lastCommand = 'NULL';
  lastInteractionMs: number;
  /** Set by QUIT: close once its reply is written. */
  closeRequested = false;
  /** Closes the connection now (CLIENT KILL); set by the connection. */
  kill: () => void = () => {};
  /** Reply bytes written and not yet taken by the client; set by the connection. */
  outputBytes: () => number = () => 0;

  constructor(
    readonly id: number,
    readonly addr: string,
    readonly localAddr: string,
    readonly createdAtMs: number,
  ) {
    this.lastInteractionMs = createdAtMs;
  }

  /** Subscribed to a channel or pattern: a RESP2 client may only send pub/sub commands. */
  get subscribed(): boolean {
    return this.channels.size > 0 || this.patterns.size > 0;
  }

  /** Redis's CLIENT LIST flags: O monitor, P pubsub, x multi, r readonly, e no-evict; N none. */
  flags(): string {
    const flags = (this.monitor ? 'O' : '') + (this.subscribed ? 'P' : '')
      + (this.multi !== undefined ? 'x' : '') + (this.readonly ? 'r' : '')
      + (this.noEvict ? 'e' : '');
    return flags === '' ? 'N' : flags;
  }

  /** One line of CLIENT LIST / CLIENT INFO, in Redis 7's field order. */
  infoLine(nowMs: number): string {
    const age = Math.floor((nowMs - this.createdAtMs) / 1000);
    const idle = Math.floor((nowMs - this.lastInteractionMs) / 1000);
    const omem = this.outputBytes();
    return `id=${this.id} addr=${this.addr} laddr=${this.localAddr} fd=-1 name=${this.name} `
      + `age=${age} idle=${idle} flags=${this.flags()} db=${this.db} `
      + `sub=${this.channels.size} psub=${this.patterns.size} ssub=0 `
      + `multi=${this.multi === undefined ? -1 : this.multi.queued.length} `
      + `qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=${omem} `
      + `tot-mem=${omem} events=r cmd=${this.lastCommand} user=${this.user} redir=-1 `
      + `resp=${this.protocol} lib-name=${this.libName} lib-ver=${this.libVersion}`;
  }
}

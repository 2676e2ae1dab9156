/**
 * The run-time configuration CONFIG GET and CONFIG SET see. A documented subset can be set
 * (notify-keyspace-events, client-output-buffer-limit); the rest is read-only and reports what
 * HarmonyDB actually does (appendonly yes / appendfsync always: every write is in the fsynced
 * Raft log before it is acknowledged; save "": no RDB; databases 16; …), so tools that ask
 * (redis-benchmark asks save and appendonly) get true answers. Names Redis has and HarmonyDB
 * does not are simply absent, as CONFIG GET of an unknown name is in Redis.
 *
 * The settings are this node's, like a Redis Cluster node's: CONFIG SET on one node does not
 * change the others.
 */
import { globMatch } from '../kv/glob.js';
import { KeyspaceEventFlags } from './keyspaceEvents.js';
import type { ServerLimits } from './limits.js';

/** One class of client-output-buffer-limit: bytes (0 = none), and the soft limit's grace. */
export interface OutputBufferLimit {
  hardBytes: number;
  softBytes: number;
  softSeconds: number;
}

export type OutputBufferClass = 'normal' | 'replica' | 'pubsub';

/** Redis's defaults: pubsub 32mb hard, 8mb for 60 s. */
export function defaultOutputBufferLimits(): Record<OutputBufferClass, OutputBufferLimit> {
  return {
    normal: { hardBytes: 0, softBytes: 0, softSeconds: 0 },
    replica: { hardBytes: 256 * 1024 * 1024, softBytes: 64 * 1024 * 1024, softSeconds: 60 },
    pubsub: { hardBytes: 32 * 1024 * 1024, softBytes: 8 * 1024 * 1024, softSeconds: 60 },
  };
}

/** What the settable parameters change; the server wires these to the pub/sub hub. */
export interface ConfigTarget {
  notifyFlags(): KeyspaceEventFlags;
  setNotifyFlags(flags: KeyspaceEventFlags): void;
}

interface Param {
  get(): string;
  /** Parses and checks a value: a function that applies it, or the reason it is refused. */
  parse?(value: string): (() => void) | string;
}

export interface ConfigStatic {
  port(): number;
  host: string;
  limits: ServerLimits;
}

export class ServerConfig {
  readonly outputBufferLimits = defaultOutputBufferLimits();
  private readonly params = new Map<string, Param>();

  constructor(target: ConfigTarget, fixed: ConfigStatic) {
    this.params.set('notify-keyspace-events', {
      get: () => target.notifyFlags().toString(),
      parse: (value) => {
        const flags = KeyspaceEventFlags.parse(value);
        if (flags === undefined) return 'Invalid event class character. Use \'Ag$lshzxeKEtmdn\'.';
        return () => target.setNotifyFlags(flags);
      },
    });
    this.params.set('client-output-buffer-limit', {
      get: () => formatOutputBufferLimits(this.outputBufferLimits),
      parse: (value) => {
        const parsed = parseOutputBufferLimits(value);
        if (typeof parsed === 'string') return parsed;
        return () => Object.assign(this.outputBufferLimits, parsed);
      },
    });
    const fixedValues: [string, () => string][] = [
      ['save', () => ''], ['appendonly', () => 'yes'], ['appendfsync', () => 'always'],
      ['databases', () => '16'], ['maxmemory', () => '0'],
      ['maxmemory-policy', () => 'noeviction'], ['timeout', () => '0'],
      ['port', () => String(fixed.port())], ['bind', () => fixed.host],
      ['maxclients', () => String(fixed.limits.connectionsMax)],
      ['proto-max-bulk-len', () => String(fixed.limits.bulkBytesMax)],
      ['client-query-buffer-limit', () => String(fixed.limits.commandBytesMax)],
      ['cluster-enabled', () => 'no'], ['io-threads', () => '1'], ['hz', () => '10'],
      ['tcp-keepalive', () => '0'], ['lua-time-limit', () => '5000'],
    ];
    for (const [name, get] of fixedValues) this.params.set(name, { get });
  }

  /** CONFIG GET: every parameter matching one of the patterns, each once. */
  get(patterns: Buffer[]): [string, string][] {
    const out: [string, string][] = [];
    for (const [name, param] of this.params) {
      const bytes = Buffer.from(name, 'latin1');
      if (patterns.some((p) => globMatch(Buffer.from(p.toString('latin1').toLowerCase(),
        'latin1'), bytes))) {
        out.push([name, param.get()]);
      }
    }
    return out;
  }

  /**
   * CONFIG SET name value [name value ...]: all or nothing, like Redis 7. Returns the error
   * text, or undefined when every value was applied.
   */
  set(pairs: [string, string][]): string | undefined {
    const apply: (() => void)[] = [];
    const seen = new Set<string>();
    for (const [rawName, value] of pairs) {
      const name = rawName.toLowerCase();
      const param = this.params.get(name);
      if (param === undefined || seen.has(name)) {
        return `ERR Unknown option or number of arguments for CONFIG SET - '${rawName}'`;
      }
      seen.add(name);
      if (param.parse === undefined) {
        return `ERR CONFIG SET failed (possibly related to argument '${rawName}') - `
          + 'can\'t set immutable config';
      }
      const parsed = param.parse(value);
      if (typeof parsed === 'string') {
        return `ERR CONFIG SET failed (possibly related to argument '${rawName}') - ${parsed}`;
      }
      apply.push(parsed);
    }
    for (const f of apply) f();
    return undefined;
  }
}

function formatOutputBufferLimits(limits: Record<OutputBufferClass, OutputBufferLimit>): string {
  const names: [OutputBufferClass, string][] = [
    ['normal', 'normal'], ['replica', 'slave'], ['pubsub', 'pubsub'],
  ];
  return names.map(([cls, word]) => {
    const l = limits[cls];
    return `${word} ${l.hardBytes} ${l.softBytes} ${l.softSeconds}`;
  }).join(' ');
}

/** Redis's `class hard soft seconds [class hard soft seconds ...]`, sizes with units. */
function parseOutputBufferLimits(
  value: string,
): Partial<Record<OutputBufferClass, OutputBufferLimit>> | string {
  const words = value.split(/\s+/).filter((w) => w !== '');
  const bad = 'Wrong number of arguments in buffer limit configuration.';
  if (words.length === 0 || words.length % 4 !== 0) return bad;
  const out: Partial<Record<OutputBufferClass, OutputBufferLimit>> = {};
  for (let i = 0; i < words.length; i += 4) {
    const word = words[i]!.toLowerCase();
    const cls: OutputBufferClass | undefined = word === 'normal' ? 'normal'
      : word === 'slave' || word === 'replica' ? 'replica' : word === 'pubsub' ? 'pubsub'
        : undefined;
    const hard = parseMemory(words[i + 1]!);
    const soft = parseMemory(words[i + 2]!);
    const seconds = /^\d{1,9}$/.test(words[i + 3]!) ? Number(words[i + 3]) : undefined;
    if (cls === undefined) return 'Invalid client class specified in buffer limit configuration.';
    if (hard === undefined || soft === undefined || seconds === undefined) {
      return 'Error in hard, soft or soft_seconds setting in buffer limit configuration.';
    }
    out[cls] = { hardBytes: hard, softBytes: soft, softSeconds: seconds };
  }
  return out;
}

/** Redis's memtoull: a count with an optional unit (k=1000, kb=1024, m, mb, g, gb). */
export function parseMemory(text: string): number | undefined {
  const match = /^(\d{1,15})(b|k|kb|m|mb|g|gb)?$/i.exec(text);
  if (match === null) return undefined;
  const units: Record<string, number> = {
    b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3,
  };
  const value = Number(match[1]) * units[(match[2] ?? 'b').toLowerCase()]!;
  return Number.isSafeInteger(value) ? value : undefined;
}

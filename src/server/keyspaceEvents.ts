/**
 * Keyspace notifications (Redis's notify-keyspace-events): the flag string parsed into a set
 * of classes and printed back the way Redis prints it, and one applied event turned into the
 * messages Redis publishes for it:
 *
 *   K  __keyspace@<db>__:<key>    message: the event name ('set', 'del', 'expired', …)
 *   E  __keyevent@<db>__:<event>  message: the key
 *
 * Classes: g generic, $ string, l list, s set, h hash, z sorted set, x expired, e evicted,
 * t stream, d module, n new key, m key miss; A is g$lshzxetd. At least one of K or E and one
 * class must be set for anything to be published (an empty string turns them off).
 */
import type { KeyspaceEvent } from '../kv/op.js';

/** The classes A stands for, in the order Redis prints them. */
const allClasses = 'g$lshzxetd';
/** Every flag character, in Redis's printing order after the classes. */
const flagChars = `${allClasses}nKEm`;

export class KeyspaceEventFlags {
  private constructor(private readonly chars: ReadonlySet<string>) {}

  static readonly none = new KeyspaceEventFlags(new Set());

  /** The flags of a notify-keyspace-events string; undefined if it has an unknown character. */
  static parse(text: string): KeyspaceEventFlags | undefined {
    const chars = new Set<string>();
    for (const c of text) {
      if (c === 'A') for (const a of allClasses) chars.add(a);
      else if (flagChars.includes(c)) chars.add(c);
      else return undefined;
    }
    return new KeyspaceEventFlags(chars);
  }

  /** Whether any event can be published at all (K or E, and a class). */
  get active(): boolean {
    return (this.chars.has('K') || this.chars.has('E'))
      && [...this.chars].some((c) => c !== 'K' && c !== 'E');
  }

  has(flag: string): boolean {
    return this.chars.has(flag);
  }

  /** As Redis 7.0 prints it: A when every class of A is set (n then goes unsaid), else each
   * class and n; then K, E, m. */
  toString(): string {
    let out = '';
    if ([...allClasses].every((c) => this.chars.has(c))) {
      out += 'A';
    } else {
      for (const c of allClasses) if (this.chars.has(c)) out += c;
      if (this.chars.has('n')) out += 'n';
    }
    if (this.chars.has('K')) out += 'K';
    if (this.chars.has('E')) out += 'E';
    if (this.chars.has('m')) out += 'm';
    return out;
  }
}

/** A message to publish locally: the channel and the payload. */
export type ChannelMessage = [channel: Buffer, message: Buffer];

/** The messages one event publishes under `flags` (none when its class is off). */
export function keyspaceMessages(
  flags: KeyspaceEventFlags, event: KeyspaceEvent,
): ChannelMessage[] {
  if (!flags.has(event.notifyClass)) return [];
  const out: ChannelMessage[] = [];
  const key = Buffer.from(event.key.buffer, event.key.byteOffset, event.key.byteLength);
  const name = Buffer.from(event.event, 'latin1');
  if (flags.has('K')) {
    out.push([Buffer.concat([Buffer.from(`__keyspace@${event.db}__:`, 'latin1'), key]), name]);
  }
  if (flags.has('E')) {
    out.push([Buffer.from(`__keyevent@${event.db}__:${event.event}`, 'latin1'), key]);
  }
  return out;
}

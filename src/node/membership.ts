/**
 * Membership bookkeeping the Raft core does not do: which address each member serves on, which
 * ids were removed (an id is never reused), and the checks a proposed change must pass before
 * it enters the log. docs/membership.md.
 *
 * Where addresses come from, and how they survive:
 * - a ConfChange that adds a member carries its addresses in `context` (JSON, bounded), so
 *   every node learns them when it applies the entry;
 * - a snapshot carries the whole book in an envelope in front of the B+ tree stream
 *   (`encodeSnapshotEnvelope`), so a node that catches up by InstallSnapshot (its log starts
 *   after every ConfChange) and a node restarting from a snapshot know them too;
 * - the initial members' addresses are given at start (NodeWorkerInit.members).
 * Pure: no I/O, no threads.
 */
import { assert } from '../codec/assert.js';
import { ConfChangeType, type ConfChange, type ConfState, type NodeId } from '../codec/types.js';
import type { PeerAddress } from './control.js';

export class MembershipError extends Error {
  override name = 'MembershipError';
}

/** The largest ConfChange context we write or accept (an address pair fits in ~100 bytes). */
export const memberContextBytesMax = 512;
/** Members plus removed ids a book may hold; far above any sane cluster. */
export const memberBookSizeMax = 1024;

const envelopeMagic = new TextEncoder().encode('HDBMEMB1');
const envelopeJsonBytesMax = 256 * 1024;

interface AddressJson { resp: string; bridge?: string; remote?: boolean }

function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** `host:port` or `[v6]:port` → parts; null when malformed. */
export function parseHostPort(text: string): { host: string; port: number } | null {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (match === null) return null;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return null;
  return { host: match[1] ?? match[2]!, port };
}

/** The ConfChange context for a member joining at `address`. */
export function encodeMemberContext(address: PeerAddress): Uint8Array {
  const json: AddressJson = { resp: formatHostPort(address.host, address.port) };
  if (address.bridgeHost !== undefined && address.bridgePort !== undefined) {
    json.bridge = formatHostPort(address.bridgeHost, address.bridgePort);
  }
  if (address.remote === true) json.remote = true;
  const bytes = new TextEncoder().encode(JSON.stringify(json));
  if (bytes.length > memberContextBytesMax) {
    throw new MembershipError(`member address context is ${bytes.length} bytes; the limit is ` +
      `${memberContextBytesMax}; use a shorter host name`);
  }
  return bytes;
}

/**
 * The address in a committed ConfChange's context, or null when it has none or it cannot be
 * read. Never throws: a committed entry must apply on every node whatever its context holds.
 */
export function decodeMemberContext(id: NodeId, context: Uint8Array): PeerAddress | null {
  if (context.length === 0 || context.length > memberContextBytesMax) return null;
  try {
    const json = JSON.parse(new TextDecoder().decode(context)) as Partial<AddressJson>;
    const resp = typeof json.resp === 'string' ? parseHostPort(json.resp) : null;
    if (resp === null) return null;
    const bridge = typeof json.bridge === 'string' ? parseHostPort(json.bridge) : null;
    return {
      id, host: resp.host, port: resp.port,
      ...(bridge !== null ? { bridgeHost: bridge.host, bridgePort: bridge.port } : {}),
      ...(json.remote === true ? { remote: true } : {}),
    };
  } catch {
    return null;
  }
}

export interface MemberBookState {
  members: PeerAddress[];
  removed: NodeId[];
}

/** Addresses of members and the ids that were removed. Updated only by applied changes. */
export class MemberBook {
  private readonly addresses = new Map<NodeId, PeerAddress>();
  private readonly removedIds = new Set<NodeId>();
  /**
   * Addresses the process that started this node knows better than the log: the in-process
   * cluster may put its workers on other ports at each start (basePort 0), and the log still
   * holds the ports of the first start. They win over contexts and snapshots.
   */
  private readonly pinned = new Map<NodeId, PeerAddress>();

  constructor(state: MemberBookState = { members: [], removed: [] }) {
    this.replace(state);
  }

  replace(state: MemberBookState): void {
    assert(state.members.length + state.removed.length <= memberBookSizeMax, 'member book bound');
    this.addresses.clear();
    this.removedIds.clear();
    for (const m of state.members) this.addresses.set(m.id, { ...m });
    for (const id of state.removed) this.removedIds.add(id);
  }

  /** Addresses that override what applied changes and snapshots say (see `pinned`). */
  pin(addresses: PeerAddress[]): void {
    for (const a of addresses) this.pinned.set(a.id, { ...a });
  }

  /** Records an applied change. */
  apply(cc: ConfChange): void {
    if (cc.type === ConfChangeType.RemoveNode) {
      this.addresses.delete(cc.nodeId);
      this.removedIds.add(cc.nodeId);
      return;
    }
    const address = decodeMemberContext(cc.nodeId, cc.context);
    if (address !== null) this.addresses.set(cc.nodeId, address);
    assert(this.addresses.size + this.removedIds.size <= memberBookSizeMax + 1,
      'member book bound');
  }

  address(id: NodeId): PeerAddress | undefined {
    const a = this.pinned.get(id) ?? this.addresses.get(id);
    return a === undefined ? undefined : { ...a };
  }

  wasRemoved(id: NodeId): boolean {
    return this.removedIds.has(id);
  }

  /** Addresses of the members of `confState` that this book knows, in id order. */
  membersOf(confState: ConfState): PeerAddress[] {
    const ids = [...confState.voters, ...confState.learners].sort((a, b) => a - b);
    return ids.flatMap((id) => {
      const a = this.address(id);
      return a === undefined ? [] : [a];
    });
  }

  /** The book as of `confState` (for a snapshot taken at that membership). */
  stateFor(confState: ConfState): MemberBookState {
    return { members: this.membersOf(confState),
      removed: [...this.removedIds].sort((a, b) => a - b) };
  }
}

/**
 * Why `cc` may not be proposed under `confState`, or null. Raft itself accepts most changes
 * (adding a member twice, removing a stranger); these are the checks a person expects.
 */
export function memberChangeRefusal(
  confState: ConfState, book: MemberBook, cc: ConfChange,
): string | null {
  const id = cc.nodeId;
  if (!Number.isSafeInteger(id) || id <= 0) return `invalid node id ${id}`;
  const voter = confState.voters.includes(id);
  const learner = confState.learners.includes(id);
  switch (cc.type) {
    case ConfChangeType.AddLearner:
      if (voter || learner) return `node ${id} is already a ${voter ? 'voter' : 'learner'}`;
      if (book.wasRemoved(id)) {
        return `node id ${id} belonged to a member that was removed; ids are never reused, ` +
          'pick a new id';
      }
      return null;
    case ConfChangeType.AddNode:
      if (voter) return `node ${id} is already a voter`;
      if (!learner)
        return `node ${id} is not a learner; add it as a learner first and let it catch up`;
      return null;
    case ConfChangeType.RemoveNode:
      if (!voter && !learner) return `node ${id} is not a member`;
      if (voter && confState.voters.length === 1) return `node ${id} is the last voter`;
      return null;
  }
  return `unknown change type ${String(cc.type)}`;
}

/**
 * A snapshot's bytes: `"HDBMEMB1" | u32 LE jsonBytes | JSON(MemberBookState) | B+ tree stream`.
 * Data without the magic (an empty bootstrap snapshot, or one written before this envelope
 * existed) is a bare tree stream with no book.
 */
export function encodeSnapshotEnvelope(state: MemberBookState, tree: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(state));
  assert(json.length <= envelopeJsonBytesMax, 'member book fits its envelope');
  const out = new Uint8Array(envelopeMagic.length + 4 + json.length + tree.length);
  out.set(envelopeMagic, 0);
  new DataView(out.buffer).setUint32(envelopeMagic.length, json.length, true);
  out.set(json, envelopeMagic.length + 4);
  out.set(tree, envelopeMagic.length + 4 + json.length);
  return out;
}

export function decodeSnapshotEnvelope(
  data: Uint8Array,
): { book: MemberBookState | null; tree: Uint8Array } {
  const head = envelopeMagic.length + 4;
  const hasMagic = data.length >= head && envelopeMagic.every((b, i) => data[i] === b);
  if (!hasMagic) return { book: null, tree: data };
  const jsonBytes = new DataView(data.buffer, data.byteOffset, data.length)
    .getUint32(envelopeMagic.length, true);
  if (jsonBytes > envelopeJsonBytesMax || head + jsonBytes > data.length) {
    throw new MembershipError(`snapshot member envelope claims ${jsonBytes} bytes of ` +
      `${data.length - head} available: the snapshot is corrupt`);
  }
  const raw = JSON.parse(new TextDecoder().decode(data.subarray(head, head + jsonBytes))) as
    Partial<MemberBookState>;
  if (!Array.isArray(raw.members) || !Array.isArray(raw.removed)) {
    throw new MembershipError(
      'snapshot member envelope is not a member book: the snapshot is corrupt');
  }
  return { book: { members: raw.members, removed: raw.removed },
    tree: data.subarray(head + jsonBytes) };
}

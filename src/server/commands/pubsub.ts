/**
 * SUBSCRIBE PSUBSCRIBE UNSUBSCRIBE PUNSUBSCRIBE PUBLISH PUBSUB (CHANNELS NUMSUB NUMPAT), with
 * Redis 7's replies: each (un)subscription is answered by its own reply, a push under RESP3
 * and an array under RESP2 (the `push` kind is both). PUBLISH reaches subscribers on every node
 * (pubsub.ts, the cluster bus) and answers how many received it on this node, as a Redis
 * Cluster node does; PUBSUB answers for this node's subscribers.
 *
 * They run exclusively (after the connection's earlier commands have finished) so that a
 * subscription's confirmation is written before any message it lets through, and a PUBLISH is
 * seen after the writes the client sent before it.
 */
import { command, ReplySequence, type CommandContext, type CommandReply, type CommandSpec }
  from '../commandTypes.js';
import { keyword, unknownSubcommand, wrongArity } from '../replies.js';
import type { RespValue } from '../respEncoder.js';

type Kind = 'channel' | 'pattern';

function subscriptionCount(ctx: CommandContext): number {
  return ctx.client.channels.size + ctx.client.patterns.size;
}

function confirm(ctx: CommandContext, word: string, name: Buffer | null): RespValue {
  return { push: [word, name, subscriptionCount(ctx)] };
}

function subscribe(kind: Kind) {
  return (ctx: CommandContext, args: Buffer[]): CommandReply => {
    const replies: RespValue[] = [];
    for (const name of args.slice(1)) {
      if (kind === 'channel') ctx.server.pubsub.subscribe(ctx.target, name);
      else ctx.server.pubsub.psubscribe(ctx.target, name);
      replies.push(confirm(ctx, kind === 'channel' ? 'subscribe' : 'psubscribe', name));
    }
    return new ReplySequence(replies);
  };
}

function unsubscribe(kind: Kind) {
  const word = kind === 'channel' ? 'unsubscribe' : 'punsubscribe';
  return (ctx: CommandContext, args: Buffer[]): CommandReply => {
    const hub = ctx.server.pubsub;
    const current = kind === 'channel' ? ctx.client.channels : ctx.client.patterns;
    const names = args.length > 1 ? args.slice(1)
      : [...current].map((n) => Buffer.from(n, 'latin1'));
    if (names.length === 0) return new ReplySequence([confirm(ctx, word, null)]);
    const replies: RespValue[] = [];
    for (const name of names) {
      if (kind === 'channel') hub.unsubscribe(ctx.target, name);
      else hub.punsubscribe(ctx.target, name);
      replies.push(confirm(ctx, word, name));
    }
    return new ReplySequence(replies);
  };
}

function publish(ctx: CommandContext, args: Buffer[]): RespValue {
  const [channel, message] = [args[1]!, args[2]!];
  const limit = ctx.server.pubsub.publishBytesMax;
  if (channel.length + message.length > limit) {
    return { error: `ERR PUBLISH of ${channel.length + message.length} bytes exceeds the `
      + `cluster relay's limit of ${limit} bytes; send a smaller message` };
  }
  return ctx.server.pubsub.publish(channel, message);
}

function pubsub(ctx: CommandContext, args: Buffer[]): RespValue {
  const hub = ctx.server.pubsub;
  switch (keyword(args[1])) {
    case 'channels':
      if (args.length > 3) return wrongArity('pubsub|channels');
      return hub.channelNames(args[2]);
    case 'numsub': // a flat array under RESP3 too, as Redis 7.0 answers
      return args.slice(2).flatMap((ch): RespValue[] => [ch, hub.subscriberCount(ch)]);
    case 'numpat':
      return args.length === 2 ? hub.patternCount() : wrongArity('pubsub|numpat');
    case 'shardchannels': return [];
    case 'shardnumsub': return args.slice(2).flatMap((ch): RespValue[] => [ch, 0]);
    case 'help': return [
      'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
      'CHANNELS [<pattern>]', '    Return the currently active channels on this node.',
      'NUMPAT', '    Return the number of unique patterns subscribed to on this node.',
      'NUMSUB [<channel> ...]', '    Return the number of subscribers on this node.',
      'HELP', '    Print this help.',
    ];
    default: return unknownSubcommand(args[1]!, 'PUBSUB');
  }
}

const flags = ['pubsub', 'loading', 'stale'] as const;

export const pubsubCommands: CommandSpec[] = [
  command({
    name: 'subscribe', arity: -2, kind: 'exclusive', flags: [...flags], group: 'pubsub',
    summary: 'Listen for messages published to channels (on any node)', run: subscribe('channel'),
  }),
  command({
    name: 'psubscribe', arity: -2, kind: 'exclusive', flags: [...flags], group: 'pubsub',
    summary: 'Listen for messages published to channels matching patterns',
    run: subscribe('pattern'),
  }),
  command({
    name: 'unsubscribe', arity: -1, kind: 'exclusive', flags: [...flags], group: 'pubsub',
    summary: 'Stop listening to channels (all of them without arguments)',
    run: unsubscribe('channel'),
  }),
  command({
    name: 'punsubscribe', arity: -1, kind: 'exclusive', flags: [...flags], group: 'pubsub',
    summary: 'Stop listening to patterns (all of them without arguments)',
    run: unsubscribe('pattern'),
  }),
  command({
    name: 'publish', arity: 3, kind: 'exclusive', flags: [...flags, 'fast'], group: 'pubsub',
    summary: 'Post a message to a channel, for subscribers on every node', run: publish,
  }),
  command({
    name: 'pubsub', arity: -2, kind: 'local', flags: [...flags], group: 'pubsub',
    summary: 'Pub/sub state of this node: CHANNELS, NUMSUB, NUMPAT', run: pubsub,
  }),
];

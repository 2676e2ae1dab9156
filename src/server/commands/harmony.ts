/** HARMONY <subcommand> ...: administration, dispatched to the backend's admin handler. */
import { command, type CommandSpec } from '../commandTypes.js';

export const harmonyCommands: CommandSpec[] = [
  command({
    name: 'harmony', arity: -2, kind: 'exclusive', flags: ['admin', 'loading', 'stale'],
    group: 'server', summary: 'HarmonyDB administration (HARMONY STATUS, ...)',
    run: async (ctx, args) => {
      const admin = ctx.backend.admin;
      if (admin === undefined) {
        return { error: 'ERR HARMONY admin commands are not available on this node' };
      }
      return admin.call(ctx.backend, args.slice(1));
    },
  }),
];

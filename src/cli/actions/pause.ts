import type { Command } from 'commander';
import { clearHold, readHold, setHold } from '../../delivery/channel-holds.js';
import { withCli, type CliContext } from '../context.js';
import { UsageError } from '../output.js';

export async function pauseAction(program: Command, channel: string | undefined, options: { all?: boolean; reason?: string; by?: string }): Promise<void> {
  await withCli(program, options.by, async (ctx) => {
    for (const id of targets(ctx, channel, options.all)) {
      await setHold(ctx.app.store, id, { kind: 'paused', reason: options.reason ?? 'paused by an editor', since: ctx.app.now(), by: ctx.actor });
      await ctx.app.store.appendEvent({ at: ctx.app.now(), kind: 'channel-paused', message: `paused by ${ctx.actor}${options.reason ? `: ${options.reason}` : ''}`, channelId: id, actor: ctx.actor });
      ctx.out.write(`paused ${id}\n`);
    }
  });
}

export async function resumeAction(program: Command, channel: string | undefined, options: { all?: boolean; by?: string }): Promise<void> {
  await withCli(program, options.by, async (ctx) => {
    for (const id of targets(ctx, channel, options.all)) {
      const hold = await readHold(ctx.app.store, id, ctx.app.now());
      await clearHold(ctx.app.store, id);
      await ctx.app.store.appendEvent({ at: ctx.app.now(), kind: 'channel-resumed', message: `resumed by ${ctx.actor}${hold ? ` (was ${hold.kind}: ${hold.reason})` : ''}`, channelId: id, actor: ctx.actor });
      ctx.out.write(hold ? `resumed ${id}\n` : `${id} was not paused\n`);
    }
  });
}

function targets({ app }: CliContext, channel: string | undefined, all: boolean | undefined): string[] {
  if ((channel === undefined) === (all !== true)) throw new UsageError('name a channel or give --all (not both)');
  if (all) return [...app.channels.keys()];
  if (channel === undefined || !app.channels.has(channel)) {
throw new UsageError(`unknown channel "${channel ?? ''}"; channels are: ${[...app.channels.keys()].join(', ')}`);
  }
  return [channel];
}

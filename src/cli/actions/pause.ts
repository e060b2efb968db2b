import type { Command } from 'commander';
import { withCli, type CliContext } from '../context.js';
import { printJson, UsageError } from '../output.js';

export async function pauseAction(program: Command, channel: string | undefined, options: { all?: boolean; reason?: string; by?: string; json?: boolean }): Promise<void> {
  await withCli(program, options.by, async (ctx) => {
    const paused: string[] = [];
    for (const id of targets(ctx, channel, options.all)) {
      await ctx.app.editor.pause(id, ctx.actor, options.reason);
      paused.push(id);
      if (!options.json) ctx.out.write(`paused ${id}\n`);
    }
    if (options.json) printJson(ctx.out, { paused });
  });
}

export async function resumeAction(program: Command, channel: string | undefined, options: { all?: boolean; by?: string; json?: boolean }): Promise<void> {
  await withCli(program, options.by, async (ctx) => {
    const channels: { channel: string; resumed: boolean; lifted: string[] }[] = [];
    for (const id of targets(ctx, channel, options.all)) {
      const lifted = await ctx.app.editor.resume(id, ctx.actor);
      channels.push({ channel: id, resumed: lifted.length > 0, lifted: lifted.map((h) => `${h.kind}: ${h.reason}`) });
      if (!options.json) ctx.out.write(lifted.length > 0 ? `resumed ${id}\n` : `${id} was not paused\n`);
    }
    if (options.json) printJson(ctx.out, { channels });
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

import type { Command } from 'commander';
import { withCli } from '../context.js';
import { printJson, UsageError } from '../output.js';

export interface RetryOptions {
  failed?: boolean;
  channel?: string;
  by?: string;
  reason?: string;
  json?: boolean;
}

export async function retryAction(program: Command, id: string | undefined, options: RetryOptions): Promise<void> {
  if ((id === undefined) === (options.failed !== true)) throw new UsageError('give a delivery id or --failed (not both)');
  await withCli(program, options.by, async ({ app, out, actor }) => {
    let requeued: number[];
    if (id !== undefined) {
      requeued = [(await app.editor.retry(parseId(id), actor, options.reason)).id];
    } else {
      const progress = out.isTTY ? (done: number, of: number) => of > 20 && process.stderr.write(`\rretrying ${done}/${of}${done === of ? '\n' : ''}`) : undefined;
      requeued = await app.editor.retryFailed(options.channel, actor, options.reason, progress);
    }
    if (options.json) printJson(out, { requeued });
    else out.write(requeued.length === 0 ? 'nothing to retry\n' : `requeued ${requeued.length} deliver${requeued.length === 1 ? 'y' : 'ies'}: ${requeued.join(', ')}\n`);
  });
}

export async function cancelAction(program: Command, id: string, options: { reason?: string; by?: string; json?: boolean }): Promise<void> {
  await withCli(program, options.by, async ({ app, out, actor }) => {
    const delivery = await app.editor.cancel(parseId(id), actor, options.reason);
    if (options.json) printJson(out, { cancelled: delivery.id, channel: delivery.channelId, state: delivery.state });
    else out.write(`cancelled delivery ${id} (${delivery.channelId})\n`);
  });
}

function parseId(id: string): number {
  if (!/^\d+$/.test(id)) throw new UsageError(`"${id}" is not a delivery id`);
  return Number(id);
}

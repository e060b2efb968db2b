import type { Command } from 'commander';
import type { Delivery } from '../../store/store.js';
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
    const targets: Delivery[] = [];
    if (id !== undefined) {
      const delivery = await app.store.getDelivery(parseId(id));
      if (!delivery) throw new UsageError(`no delivery ${id}`);
      if (!['failed', 'uncertain', 'cancelled', 'skipped'].includes(delivery.state)) {
        throw new UsageError(`delivery ${id} is ${delivery.state}; only failed, uncertain, cancelled or skipped deliveries can be retried (use crier post --force to post again)`);
      }
      targets.push(delivery);
    } else {
      targets.push(...(await app.store.listDeliveries({ states: ['failed', 'uncertain'], ...(options.channel ? { channelId: options.channel } : {}), limit: 100_000 })));
    }
    const progress = out.isTTY && targets.length > 20;
    for (const [index, delivery] of targets.entries()) {
      await app.store.requeue(delivery.id, { at: app.now() }, {
        at: app.now(),
        kind: 'manual-retry',
        message: `retry of a ${delivery.state} delivery by ${actor}${options.reason ? `: ${options.reason}` : ''}`,
        actor,
        articleId: delivery.articleId,
        deliveryId: delivery.id,
        channelId: delivery.channelId,
      });
      if (progress) process.stderr.write(`\rretrying ${index + 1}/${targets.length}`);
    }
    if (progress) process.stderr.write('\n');
    if (options.json) printJson(out, { requeued: targets.map((d) => d.id) });
    else out.write(targets.length === 0 ? 'nothing to retry\n' : `requeued ${targets.length} deliver${targets.length === 1 ? 'y' : 'ies'}: ${targets.map((d) => d.id).join(', ')}\n`);
  });
}

export async function cancelAction(program: Command, id: string, options: { reason?: string; by?: string }): Promise<void> {
  await withCli(program, options.by, async ({ app, out, actor }) => {
    const delivery = await app.store.getDelivery(parseId(id));
    if (!delivery) throw new UsageError(`no delivery ${id}`);
    if (delivery.state !== 'pending') throw new UsageError(`delivery ${id} is ${delivery.state}; only pending deliveries can be cancelled`);
    await app.store.finish(delivery.id, { state: 'cancelled', at: app.now(), error: options.reason ? `cancelled: ${options.reason}` : 'cancelled' }, {
      at: app.now(),
      kind: 'delivery-cancelled',
      message: `cancelled by ${actor}${options.reason ? `: ${options.reason}` : ''}`,
      actor,
      articleId: delivery.articleId,
      deliveryId: delivery.id,
      channelId: delivery.channelId,
    });
    out.write(`cancelled delivery ${id} (${delivery.channelId})\n`);
  });
}

function parseId(id: string): number {
  if (!/^\d+$/.test(id)) throw new UsageError(`"${id}" is not a delivery id`);
  return Number(id);
}

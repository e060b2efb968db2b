import type { Platform } from '../contract.js';
import { lazyAdapter } from '../lazy-adapter.js';
import type { XChannel } from './channel.js';

export const xPlatform: Platform<XChannel> = {
  id: 'x',
  label: 'X',
  defaultTemplate: 'x.hbs',
  // No idempotency key on X: a re-send after an unknown outcome may double-post.
  idempotencyWindowMs: 0,
  // X bills every read (pay per use): a read-back costs money, so a channel opts in with `verify: true`.
  readBackByDefault: false,
  async textRules() {
    // Loaded on demand: the counting library is not needed by most editor commands.
    return (await import('./text-rules.js')).xTextRules();
  },
  rateBudgets(channel) {
    // 100 posts per 15 minutes per user (https://docs.x.com/x-api/fundamentals/rate-limits);
    // paid plans also cap posts per 24 h (the free tier allowed 17): the channel says its plan's.
    const budgets = [{ label: 'posts per 15 min', windowMs: 15 * 60_000, limit: 100, costPerPost: 1 }];
    if (channel.dailyLimit !== undefined) {
      budgets.push({ label: 'posts per 24 h (plan)', windowMs: 86_400_000, limit: channel.dailyLimit, costPerPost: 1 });
    }
    return budgets;
  },
  createAdapter(channel, deps) {
    return lazyAdapter(async () => (await import('./adapter.js')).createXAdapter(channel, deps));
  },
};

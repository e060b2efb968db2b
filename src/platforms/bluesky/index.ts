import type { Platform } from '../contract.js';
import { lazyAdapter } from '../lazy-adapter.js';
import { linkCard } from './card.js';
import type { BlueskyChannel } from './channel.js';

export const blueskyPlatform: Platform<BlueskyChannel> = {
  id: 'bluesky',
  label: 'Bluesky',
  defaultTemplate: 'bluesky.hbs',
  // putRecord on a record key chosen once: re-sending the identical record is always harmless.
  idempotencyWindowMs: Number.POSITIVE_INFINITY,
  readBackByDefault: true,
  linkCard(article, uri, language) {
    return { uri, ...linkCard(article, language) };
  },
  async textRules() {
    // Loaded on demand: the counting library is not needed by most editor commands.
    return (await import('./text-rules.js')).blueskyTextRules();
  },
  rateBudgets() {
    // Writes cost points: create 3, update 2, delete 1; 5,000 points per hour and 35,000 per day
    // per account (https://docs.bsky.app/docs/advanced-guides/rate-limits).
    return [
      { label: 'write points per hour', windowMs: 3_600_000, limit: 5000, costPerPost: 3 },
      { label: 'write points per day', windowMs: 86_400_000, limit: 35_000, costPerPost: 3 },
    ];
  },
  createAdapter(channel, deps) {
    return lazyAdapter(async () => (await import('./adapter.js')).createBlueskyAdapter(channel, deps));
  },
};

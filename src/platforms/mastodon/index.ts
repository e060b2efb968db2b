import type { Platform } from '../contract.js';
import { lazyAdapter } from '../lazy-adapter.js';
import type { MastodonChannel } from './channel.js';

export const mastodonPlatform: Platform<MastodonChannel> = {
  id: 'mastodon',
  label: 'Mastodon',
  defaultTemplate: 'mastodon.hbs',
  // Mastodon remembers an Idempotency-Key for one hour
  // (https://docs.joinmastodon.org/methods/statuses/#create, header Idempotency-Key).
  idempotencyWindowMs: 60 * 60 * 1000,
  readBackByDefault: true,
  async textRules(channel, deps) {
    // Loaded on demand: the counting library and HTTP client are not needed by most commands.
    const [{ mastodonLimits }, { mastodonTextRules }] = await Promise.all([import('./instance-limits.js'), import('./text-rules.js')]);
    return mastodonTextRules(await mastodonLimits(channel, deps), channel.spoilerText);
  },
  rateBudgets() {
    // 300 statuses per 3 hours and 30 media uploads per 30 minutes per account
    // (https://docs.joinmastodon.org/api/rate-limits/).
    return [
      { label: 'statuses per 3 h', windowMs: 3 * 3_600_000, limit: 300, costPerPost: 1 },
      { label: 'media uploads per 30 min', windowMs: 30 * 60_000, limit: 30, costPerPost: 1, counts: 'images' },
    ];
  },
  createAdapter(channel, deps) {
    return lazyAdapter(async () => (await import('./adapter.js')).createMastodonAdapter(channel, deps));
  },
};

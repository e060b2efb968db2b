import type { Platform } from '../contract.js';
import { lazyAdapter } from '../lazy-adapter.js';
import type { BlueskyChannel } from './channel.js';
import { blueskyTextRules } from './text-rules.js';

export const blueskyPlatform: Platform<BlueskyChannel> = {
  id: 'bluesky',
  label: 'Bluesky',
  defaultTemplate: 'bluesky.hbs',
  // putRecord on a record key chosen once: re-sending the identical record is always harmless.
  idempotencyWindowMs: Number.POSITIVE_INFINITY,
  async textRules() {
    return blueskyTextRules();
  },
  createAdapter(channel, deps) {
    return lazyAdapter(async () => (await import('./adapter.js')).createBlueskyAdapter(channel, deps));
  },
};

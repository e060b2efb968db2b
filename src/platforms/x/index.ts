import type { Platform } from '../contract.js';
import { lazyAdapter } from '../lazy-adapter.js';
import type { XChannel } from './channel.js';
import { xTextRules } from './text-rules.js';

export const xPlatform: Platform<XChannel> = {
  id: 'x',
  label: 'X',
  defaultTemplate: 'x.hbs',
  // No idempotency key on X: a re-send after an unknown outcome may double-post.
  idempotencyWindowMs: 0,
  async textRules() {
    return xTextRules();
  },
  createAdapter(channel, deps) {
    return lazyAdapter(async () => (await import('./adapter.js')).createXAdapter(channel, deps));
  },
};

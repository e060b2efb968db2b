import { webhookPush, type WebhookSourceConfig } from './webhook-config.js';
import type { SourceKind } from '../source-kind.js';
import { createWebhookReceiver } from './webhook-receiver.js';

/** What the kind is given: the secret resolved, maxAge against defaults. */
export type WebhookSource = WebhookSourceConfig & { maxAge: number };

export const webhookKind: SourceKind<WebhookSource> = {
  // Nothing to fetch: neither `crier poll` nor the daemon calls it (isPolled is false).
  fetch: async () => ({ kind: 'unchanged', cursor: {} }),
  push: { ...webhookPush, create: createWebhookReceiver },
};

import { feedKind } from '../feed/feed-source.js';
import { websubPush, type WebSubSourceConfig } from './websub-config.js';
import type { SourceKind } from '../source-kind.js';
import { createWebSubSubscriber } from './subscriber.js';

/** What the kind is given: interval and maxAge resolved against defaults. */
export type WebSubSource = WebSubSourceConfig & { interval: number; maxAge: number };

export const websubKind: SourceKind<WebSubSource> = {
  fetch: (source, context) => feedKind.fetch({ id: source.id, kind: 'feed', url: source.url, backfill: source.backfill, maxBytes: source.maxBytes }, context),
  push: { ...websubPush, create: createWebSubSubscriber },
};

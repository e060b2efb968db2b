import type { SourceKind } from './source-kind.js';
import type { AnySourceConfig } from './source-configs.js';
import { feedKind } from './feed/feed-source.js';
import { createWordPressKind } from './wordpress/wordpress-source.js';
import { websubKind } from './websub/websub-source.js';
import { webhookKind } from './webhook/webhook-source.js';

/** SourceKind.fetch is a method, so a kind for one config type fits this table. */
const kinds: Readonly<Record<AnySourceConfig['kind'], SourceKind<AnySourceConfig>>> = {
  feed: feedKind,
  wordpress: createWordPressKind(),
  websub: websubKind,
  webhook: webhookKind,
};

export function sourceKindFor(source: AnySourceConfig): SourceKind<AnySourceConfig> {
  return kinds[source.kind];
}

import type { SourceKind } from './source-kind.js';
import { feedKind, feedSourceSchema, type FeedSourceConfig } from './feed/feed-source.js';
import { createWordPressKind, wordpressSourceSchema, type WordPressSourceConfig } from './wordpress/wordpress-source.js';

/** Adding a source kind: one folder, one entry in each of these lists. */
export const sourceSchemas = [feedSourceSchema, wordpressSourceSchema] as const;

export type AnySourceConfig = FeedSourceConfig | WordPressSourceConfig;

/** SourceKind.fetch is a method, so a kind for one config type fits this table. */
const kinds: Readonly<Record<AnySourceConfig['kind'], SourceKind<AnySourceConfig>>> = {
  feed: feedKind,
  wordpress: createWordPressKind(),
};

export function sourceKindFor(source: AnySourceConfig): SourceKind<AnySourceConfig> {
  return kinds[source.kind];
}

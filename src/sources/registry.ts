import type { SourceKind } from './source-kind.js';
import { feedKind, feedSourceSchema, type FeedSourceConfig } from './feed/feed-source.js';
import { createWordPressKind, wordpressSourceSchema, type WordPressSourceConfig } from './wordpress/wordpress-source.js';
import { websubKind, websubSourceSchema, type WebSubSourceConfig } from './websub/websub-source.js';
import { webhookKind, webhookSourceSchema, type WebhookSourceConfig } from './webhook/webhook-source.js';

/** Adding a source kind: one folder, one entry in each of these lists. */
export const sourceSchemas = [feedSourceSchema, wordpressSourceSchema, websubSourceSchema, webhookSourceSchema] as const;

export type AnySourceConfig = FeedSourceConfig | WordPressSourceConfig | WebSubSourceConfig | WebhookSourceConfig;

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

/** False for push-only kinds (webhooks): the daemon never schedules a poll of them. */
export function isPolled(source: AnySourceConfig): boolean {
  return sourceKindFor(source).push?.polled !== false;
}

/**
 * Why this source cannot run with this `server` config, if it cannot: push sources are reached
 * through Crier's HTTP server, and a WebSub hub must also know its public URL.
 */
export function serverProblem(source: AnySourceConfig, server: { publicUrl?: string | undefined } | undefined): string | undefined {
  const push = sourceKindFor(source).push;
  if (!push) return undefined;
  const path = `${push.pathPrefix}/${source.id}`;
  if (!server) {
    return (
      `a ${source.kind} source receives pushes at ${path} on Crier's HTTP server: add ` +
      `server: { listen: 127.0.0.1:8787${push.needsPublicUrl ? ', publicUrl: https://crier.example.org' : ''} }`
    );
  }
  if (push.needsPublicUrl && !server.publicUrl) {
    return `a ${source.kind} source needs server.publicUrl: the hub calls back <publicUrl>${path}, so it must be reachable from the hub`;
  }
  return undefined;
}

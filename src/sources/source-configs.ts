import type { PushInfo } from './source-kind.js';
import { feedSourceSchema, type FeedSourceConfig } from './feed/feed-config.js';
import { wordpressSourceSchema, type WordPressSourceConfig } from './wordpress/wordpress-config.js';
import { websubPush, websubSourceSchema, type WebSubSourceConfig } from './websub/websub-config.js';
import { webhookPush, webhookSourceSchema, type WebhookSourceConfig } from './webhook/webhook-config.js';

/**
 * What the config needs of every source kind: schemas and push facts. Kept apart from the
 * kinds themselves (registry.ts), whose HTTP and parsing code editor commands never load.
 * Adding a source kind: one folder, one entry in each list here and in registry.ts.
 */
export const sourceSchemas = [feedSourceSchema, wordpressSourceSchema, websubSourceSchema, webhookSourceSchema] as const;

export type AnySourceConfig = FeedSourceConfig | WordPressSourceConfig | WebSubSourceConfig | WebhookSourceConfig;

const pushInfo: Readonly<Record<AnySourceConfig['kind'], PushInfo | undefined>> = {
  feed: undefined,
  wordpress: undefined,
  websub: websubPush,
  webhook: webhookPush,
};

/**
 * Every path prefix a push source may be reached under (`/hooks`, `/websub`), whichever sources a
 * config has: a daemon that reloads its config keeps its HTTP server and mounts these for good.
 */
export const PUSH_PATH_PREFIXES: readonly string[] = [...new Set(Object.values(pushInfo).flatMap((push) => (push ? [push.pathPrefix] : [])))];

/** False for push-only kinds (webhooks): the daemon never schedules a poll of them. */
export function isPolled(source: AnySourceConfig): boolean {
  return pushInfo[source.kind]?.polled !== false;
}

/**
 * Why this source cannot run with this `server` config, if it cannot: push sources are reached
 * through Crier's HTTP server, and a WebSub hub must also know its public URL.
 */
export function serverProblem(source: AnySourceConfig, server: { publicUrl?: string | undefined } | undefined): string | undefined {
  const push = pushInfo[source.kind];
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

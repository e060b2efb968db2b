import type { FeedSourceConfig } from '../feed/feed-config.js';
import { feedKind } from '../feed/feed-source.js';
import type { WordPressSourceConfig } from './wordpress-config.js';
import type { FetchContext, SourceFetch, SourceKind } from '../source-kind.js';
import { fetchRest, type RestOutcome } from './wp-rest.js';
import { isoSeconds, readCursor, writeCursor, type WpCursor } from './wp-cursor.js';

/** What the kind is given: the loaded config, maxAge resolved against defaults. */
type WordPressSource = WordPressSourceConfig & { maxAge: number };

/** How long the feed stands in before the REST API is asked again. */
export const REST_REPROBE_MS = 6 * 3_600_000;

/**
 * WordPress through its REST API: categories and tags by name, the author, the featured image
 * with its alt text, and edits recognised by post id. When the API is switched off or blocked
 * (401/403/404) the site's own feed (<url>/feed/) is polled instead, and the API is asked again
 * every 6 h.
 *
 * The kind is created once per process: `warned` makes the fallback warning appear once per
 * process and source, and deliberately lives nowhere else, so a restart warns again.
 */
export function createWordPressKind(): SourceKind<WordPressSource> {
  const warned = new Set<string>();
  return {
    async fetch(source, ctx) {
      const now = ctx.now();
      const cursor = readCursor(ctx.state?.cursor);
      const fallback = cursor.fallback;
      if (fallback && now.getTime() - Date.parse(fallback.checkedAt) < REST_REPROBE_MS) {
        return viaFeed(source, ctx, cursor);
      }
      const rest = await fetchRest(source, ctx, cursor);
      if (rest.kind === 'unavailable') {
        const next: WpCursor = {
          ...cursor,
          fallback: { since: fallback?.since ?? isoSeconds(now), checkedAt: isoSeconds(now), reason: rest.reason },
        };
        logFallback(source, ctx, rest, fallback !== undefined, warned);
        return viaFeed(source, ctx, next);
      }
      if (fallback) ctx.logger.info({ url: source.url }, `WordPress REST API of ${source.url} answers again; the feed is no longer used`);
      return {
        kind: 'articles',
        articles: rest.articles,
        pulled: rest.pulled,
        // The feed's validators must not outlive the fallback: a later fallback starts clean.
        cursor: { etag: undefined, lastModified: undefined, bodyHash: undefined, cursor: writeCursor({ v: 1, types: rest.types }) },
      };
    },
  };
}

export function feedUrlOf(source: Pick<WordPressSourceConfig, 'url'>): string {
  return `${source.url.replace(/\/+$/, '')}/feed/`;
}

function logFallback(
  source: WordPressSource,
  ctx: FetchContext,
  rest: Extract<RestOutcome, { kind: 'unavailable' }>,
  wasFallingBack: boolean,
  warned: Set<string>,
): void {
  const detail = { url: rest.url, status: rest.status, code: rest.code };
  if (!warned.has(source.id)) {
    warned.add(source.id);
    ctx.logger.warn(
      detail,
      `WordPress REST API of ${source.url} is unavailable (${rest.reason}); polling the feed ${feedUrlOf(source)} instead ` +
        `and asking the REST API again every ${REST_REPROBE_MS / 3_600_000} h`,
    );
  } else if (!wasFallingBack) {
    ctx.logger.info(detail, `WordPress REST API of ${source.url} is unavailable again (${rest.reason}); using the feed`);
  } else {
    ctx.logger.debug(detail, `WordPress REST API of ${source.url} still unavailable (${rest.reason})`);
  }
}

async function viaFeed(source: WordPressSource, ctx: FetchContext, cursor: WpCursor): Promise<SourceFetch> {
  const feed: FeedSourceConfig = { id: source.id, kind: 'feed', url: feedUrlOf(source), backfill: source.backfill };
  let fetched: SourceFetch;
  try {
    fetched = await feedKind.fetch(feed, ctx);
  } catch (error) {
    const reason = cursor.fallback?.reason ?? 'unavailable';
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`WordPress REST API of ${source.url} is unavailable (${reason}) and the feed fallback failed: ${message}`, {
      cause: error,
    });
  }
  const withCursor = { ...fetched.cursor, cursor: writeCursor(cursor) };
  return fetched.kind === 'unchanged' ? { kind: 'unchanged', cursor: withCursor } : { ...fetched, cursor: withCursor };
}

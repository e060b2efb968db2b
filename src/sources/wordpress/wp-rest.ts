import type { Article } from '../../articles/article.js';
import type { FetchContext } from '../source-kind.js';
import { listCollection, PER_PAGE, type Listing } from './wp-collection.js';
import { isoSeconds, windowStart, type WpCursor, type WpMark, type WpQuery } from './wp-cursor.js';
import { wpGetJson } from './wp-http.js';
import { toWpPost, type WpPost } from './wp-post.js';

/** The subset of the source config the REST reader needs. */
export interface RestSource {
  id: string;
  url: string;
  postTypes: string[];
  overlap: number;
  maxAge: number;
  auth?: { username: string; applicationPassword?: string | undefined } | undefined;
}

export type RestOutcome =
  | { kind: 'articles'; articles: Article[]; types: WpCursor['types'] }
  /** The API refused the very first request: the caller falls back to the feed. */
  | { kind: 'unavailable'; url: string; status: number; code?: string | undefined; reason: string };

/** Pages per query on an ordinary poll (PER_PAGE each); the rest follows on the next poll. */
const MAX_PAGES = 20;
/**
 * The first poll must record everything that could still be posted (the last maxAge), or a story
 * it missed would be posted as new when next edited; so it may read further.
 */
const FIRST_POLL_MAX_PAGES = 100;

/**
 * One REST poll: per collection, the changes since the `modified` mark and the publications since
 * the `published` mark (scheduled posts go live without a new modified time). The first poll of
 * a source reads only publications of the last maxAge: nothing older can be posted.
 */
export async function fetchRest(source: RestSource, ctx: FetchContext, cursor: WpCursor): Promise<RestOutcome> {
  const now = ctx.now();
  const firstPoll = ctx.state?.initializedAt === undefined;
  const site = new URL(source.url);
  const siteUrl = site.href.replace(/\/+$/, '');
  const siteId = `${site.host}${site.pathname.replace(/\/+$/, '')}`;
  const authorization = basicAuth(source.auth);
  const get = (url: string) => wpGetJson(url, { authorization, deadlineMs: ctx.deadlineMs, dispatcher: ctx.dispatcher });
  const queries: WpQuery[] = firstPoll ? ['published'] : ['modified', 'published'];

  const posts = new Map<string, WpPost>();
  const types: WpCursor['types'] = {};
  let skipped = 0;
  for (const [index, type] of source.postTypes.entries()) {
    const marks = cursor.types[type] ?? {};
    const next: WpCursor['types'][string] = {};
    for (const query of queries) {
      const since = windowStart(marks[query], { now, overlapMs: source.overlap, maxAgeMs: source.maxAge, firstPoll });
      const maxPages = firstPoll ? FIRST_POLL_MAX_PAGES : MAX_PAGES;
      const listing = await listCollection({ siteUrl, type, query, since, maxPages, get });
      if (listing.kind === 'unavailable') {
        const reason = `HTTP ${listing.status}${listing.code ? ` ${listing.code}` : ''} from ${listing.url}`;
        // Only the very first request decides "no REST API here". A later collection failing
        // while the first worked is a config mistake (a wrong rest_base) and must be seen.
        if (index === 0 && query === queries[0]) return { kind: 'unavailable', url: listing.url, status: listing.status, code: listing.code, reason };
        throw new Error(`WordPress ${source.url}: the REST collection "${type}" is not readable (${reason}); check postTypes`);
      }
      let latest: Date | undefined;
      for (const raw of listing.items) {
        const post = toWpPost(raw, { sourceId: source.id, site: siteId, siteUrl, type, now });
        if (post === undefined) {
          skipped += 1;
          continue;
        }
        const seen = query === 'modified' ? post.modifiedGmt : post.dateGmt;
        if (seen !== undefined && (latest === undefined || seen > latest)) latest = seen;
        const key = `${type}:${post.id}`;
        const known = posts.get(key);
        if (!known || (post.modifiedGmt?.getTime() ?? 0) >= (known.modifiedGmt?.getTime() ?? 0)) posts.set(key, post);
      }
      next[query] = markAfter(listing, latest, marks[query], now);
      if (listing.capped) {
        const level = firstPoll ? 'warn' : 'info';
        ctx.logger[level](
          { type, query, since: isoSeconds(since) },
          `WordPress ${source.url}: more than ${maxPages * PER_PAGE} ${type} since ${isoSeconds(since)}; the rest follows on the next poll`,
        );
      }
    }
    // The first poll lists no changes: they start from the site's clock at that poll.
    next.modified ??= next.published && !next.published.exact ? { at: next.published.at } : { at: isoSeconds(now) };
    types[type] = next;
  }
  if (skipped > 0) ctx.logger.warn({ skipped }, `WordPress ${source.url}: ${skipped} listed items were not posts (no numeric id); skipped`);
  const articles = [...posts.values()].flatMap((post) => (post.article ? [post.article] : []));
  return { kind: 'articles', articles, types };
}

/**
 * A complete listing moves the mark to the site's clock when it began (every change up to then
 * was listed); a capped one to the last item it read, exactly, so the next poll resumes there.
 */
function markAfter(listing: Extract<Listing, { kind: 'listed' }>, latest: Date | undefined, previous: WpMark | undefined, now: Date): WpMark {
  if (listing.capped && latest !== undefined) return { at: isoSeconds(latest), exact: true };
  const at = listing.serverDate ?? latest ?? (previous ? new Date(previous.at) : now);
  return { at: isoSeconds(at) };
}

function basicAuth(auth: RestSource['auth']): string | undefined {
  if (!auth?.applicationPassword) return undefined;
  // https://make.wordpress.org/core/2020/11/05/application-passwords-integration-guide/
  return `Basic ${Buffer.from(`${auth.username}:${auth.applicationPassword}`, 'utf8').toString('base64')}`;
}

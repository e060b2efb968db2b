import type { Article } from '../../articles/article.js';
import type { FetchContext } from '../source-kind.js';
import { listCollection, PER_PAGE, type Listing } from './wp-collection.js';
import { isoSeconds, windowStart, type WpCursor, type WpMark, type WpQuery } from './wp-cursor.js';
import { wpGetJson, type WpGetResult } from './wp-http.js';
import { toWpPost, type WpPost } from './wp-post.js';
import { fetchByIds, listRecent, MAX_CHECKS, stillPublished } from './wp-recent.js';
import { articleKey } from '../../articles/article-key.js';

/** The subset of the source config the REST reader needs. */
export interface RestSource {
  id: string;
  url: string;
  postTypes: string[];
  overlap: number;
  maxAge: number;
  auth?: { username: string; applicationPassword?: string | undefined } | undefined;
  /** `post`: password-protected posts are posted like any other; default: they are not. */
  protected?: 'skip' | 'post' | undefined;
  /** Cap on one response body after decompression (default 15 MiB, as for feeds). */
  maxBytes?: number | undefined;
}

export type RestOutcome =
  | {
      kind: 'articles';
      articles: Article[];
      types: WpCursor['types'];
      /** Source keys of posts that left `publish` (trash, draft, private, deleted) since the last poll. */
      pulled: string[];
    }
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
 * One REST poll: per collection, the changes since the `modified` mark, the publications since
 * the `published` mark, and the ids of every post published within maxAge (wp-recent.ts): a post
 * listed there and never listed before is read in full, so a post WP-cron published late or one
 * created with a past date is found whatever its dates say; a post listed before and gone now is
 * checked and reported as pulled. The first poll of a source reads only publications of the last
 * maxAge (nothing older can be posted) and takes the id listing as its baseline.
 *
 * Requests per poll and collection: 1 for changes + 1 for publications (more only when over 50
 * changed), ⌈posts within maxAge / 100⌉ for the id listing (at most 10), ⌈new ids / 100⌉ to read
 * new posts in full (usually 0), and 1 per post that left the listing (usually 0, at most 20).
 */
export async function fetchRest(source: RestSource, ctx: FetchContext, cursor: WpCursor): Promise<RestOutcome> {
  const now = ctx.now();
  const firstPoll = ctx.state?.initializedAt === undefined;
  const site = new URL(source.url);
  const siteUrl = site.href.replace(/\/+$/, '');
  const siteId = `${site.host}${site.pathname.replace(/\/+$/, '')}`;
  const authorization = basicAuth(source.auth);
  const get = (url: string) => wpGetJson(url, { authorization, deadlineMs: ctx.deadlineMs, dispatcher: ctx.dispatcher, signal: ctx.signal, maxBytes: source.maxBytes });
  const queries: WpQuery[] = firstPoll ? ['published'] : ['modified', 'published'];

  const posts = new Map<string, WpPost>();
  const types: WpCursor['types'] = {};
  const pulled: string[] = [];
  let skipped = 0;
  const postContext = (type: string) => ({ sourceId: source.id, site: siteId, siteUrl, type, now, protected: source.protected ?? 'skip' });
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
        const post = toWpPost(raw, postContext(type));
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
    const base = `${siteUrl}/wp-json/wp/v2/${encodeURIComponent(type)}`;
    const recent = await compareRecent({ base, type, previous: marks.listed, fetched: posts, floor: new Date(now.getTime() - source.maxAge), get });
    if (recent) {
      next.listed = recent.listed;
      for (const raw of recent.unseen) {
        const post = toWpPost(raw, postContext(type));
        if (post) posts.set(`${type}:${post.id}`, post);
      }
      if (recent.unseen.length > 0) ctx.logger.info({ type, found: recent.unseen.length }, `WordPress ${source.url}: ${recent.unseen.length} ${type} published without a recent date found by the id listing`);
      pulled.push(...recent.gone.map((id) => articleKey(`wp:${siteId}:${type}:${id}`)));
    }
    types[type] = next;
  }
  if (skipped > 0) ctx.logger.warn({ skipped }, `WordPress ${source.url}: ${skipped} listed items were not posts (no numeric id); skipped`);
  const articles = [...posts.values()].flatMap((post) => (post.article ? [post.article] : []));
  return { kind: 'articles', articles, types, pulled };
}

interface RecentRequest {
  /** The collection's REST URL. */
  base: string;
  type: string;
  previous: ReadonlyArray<readonly [number, number]> | undefined;
  /** Posts the other queries of this poll already read in full, by `<type>:<id>`. */
  fetched: ReadonlyMap<string, WpPost>;
  floor: Date;
  get: (url: string) => Promise<WpGetResult>;
}

/**
 * The id listing against the last poll's: the new ids not read in full yet are read (`unseen`,
 * raw posts), the ids gone from it are checked (`gone`: no longer published). Without a previous
 * listing (the first poll, a collection added to the config) the listing is only the baseline:
 * what is live then was either read by the publications query or predates the source.
 */
async function compareRecent(request: RecentRequest): Promise<{ listed: [number, number][]; unseen: unknown[]; gone: number[] } | undefined> {
  const listing = await listRecent(request.base, request.floor, request.get);
  if (listing === undefined) return undefined;
  const listed: [number, number][] = listing.posts.map((p) => [p.id, p.date]);
  if (request.previous === undefined) return { listed, unseen: [], gone: [] };
  const before = new Map(request.previous.map(([id, date]) => [id, date]));
  const now = new Set(listing.posts.map((p) => p.id));
  const unseenIds = listing.posts.filter((p) => !before.has(p.id) && !request.fetched.has(`${request.type}:${p.id}`)).map((p) => p.id);
  const unseen = await fetchByIds(request.base, unseenIds, request.get);
  // Only what this listing covered can be missing from it: posts that aged past maxAge, or lie
  // beyond a capped listing, are not gone.
  const oldest = listing.capped ? Math.min(...listing.posts.map((p) => p.date)) : Math.floor(request.floor.getTime() / 1000);
  const missing = [...before].filter(([id, date]) => !now.has(id) && date > oldest);
  const gone: number[] = [];
  for (const [index, [id, date]] of missing.entries()) {
    // Unchecked ones stay listed, so the next poll checks them.
    if (index >= MAX_CHECKS) listed.push([id, date]);
    else if (!(await stillPublished(request.base, id, request.get))) gone.push(id);
  }
  if (listing.capped) listed.push(...[...before].filter(([id, date]) => !now.has(id) && date <= oldest && date * 1000 >= request.floor.getTime()));
  return { listed, unseen, gone };
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

import { isoSeconds } from './wp-cursor.js';
import { WpHttpError, type WpGetResult } from './wp-http.js';
import { EMBED } from './wp-collection.js';

/** The REST maximum (https://developer.wordpress.org/rest-api/using-the-rest-api/pagination/). */
export const RECENT_PER_PAGE = 100;
/** Pages of the id listing per poll and post type: 1,000 posts within maxAge. */
export const RECENT_MAX_PAGES = 10;
/** Posts that left the listing checked one by one per poll; the rest wait for the next poll. */
export const MAX_CHECKS = 20;

export interface RecentPost {
  id: number;
  /** date_gmt, seconds since the epoch. */
  date: number;
}

export interface RecentListing {
  posts: RecentPost[];
  /** More pages remained past the cap: posts older than the last one listed were not compared. */
  capped: boolean;
}

type Get = (url: string) => Promise<WpGetResult>;

/**
 * Every published post dated within the window, newest first, as ids and dates only
 * (`_fields=id,date_gmt`: a few bytes a post). Whatever its modified time says, a live post
 * within maxAge is in this listing: it is what finds a post that WP-cron published late (only its
 * status changed) and one created already published with a past date (modified = date).
 * https://developer.wordpress.org/rest-api/reference/posts/#arguments (status, after, orderby,
 * order, per_page, include) and
 * https://developer.wordpress.org/rest-api/using-the-rest-api/global-parameters/#_fields
 */
export async function listRecent(base: string, since: Date, get: Get): Promise<RecentListing | undefined> {
  const posts: RecentPost[] = [];
  for (let page = 1; ; page++) {
    const params = new URLSearchParams({
      status: 'publish',
      _fields: 'id,date_gmt',
      per_page: String(RECENT_PER_PAGE),
      orderby: 'date',
      order: 'desc',
      after: isoSeconds(since),
    });
    if (page > 1) params.set('page', String(page));
    const url = `${base}?${params.toString()}`;
    let result: WpGetResult;
    try {
      result = await get(url);
    } catch (error) {
      // The listing shrank between pages: what was read is complete enough.
      if (page > 1 && error instanceof WpHttpError && error.status === 400) return { posts, capped: false };
      throw error;
    }
    if (result.kind === 'unavailable') {
      if (page === 1) return undefined;
      throw new WpHttpError('http-status', url, `${url} answered HTTP ${result.status} on page ${page} after a good page 1`, { status: result.status });
    }
    if (!Array.isArray(result.json)) throw new WpHttpError('bad-response', url, `${url} did not answer a JSON array of posts`);
    const items: unknown[] = result.json;
    for (const item of items) {
      const post = recentPost(item);
      if (post) posts.push(post);
    }
    const more = result.totalPages === undefined ? items.length === RECENT_PER_PAGE : page < result.totalPages;
    if (!more) return { posts, capped: false };
    if (page >= RECENT_MAX_PAGES) return { posts, capped: true };
  }
}

/** Posts in full, by id, 100 a request (`include`), with the same embeds as the listings. */
export async function fetchByIds(base: string, ids: readonly number[], get: Get): Promise<unknown[]> {
  const items: unknown[] = [];
  for (let start = 0; start < ids.length; start += RECENT_PER_PAGE) {
    const chunk = ids.slice(start, start + RECENT_PER_PAGE);
    const params = new URLSearchParams({ _embed: EMBED, include: chunk.join(','), per_page: String(RECENT_PER_PAGE) });
    const url = `${base}?${params.toString()}`;
    const result = await get(url);
    if (result.kind === 'unavailable') {
      throw new WpHttpError('http-status', url, `${url} answered HTTP ${result.status} after a good listing`, { status: result.status });
    }
    if (!Array.isArray(result.json)) throw new WpHttpError('bad-response', url, `${url} did not answer a JSON array of posts`);
    items.push(...(result.json satisfies unknown[]));
  }
  return items;
}

/**
 * Whether a post that left the listing is still live. 404 (deleted), 401/403 (trash, draft,
 * private: only an editor may read it) or 410 answer no, as does any status but `publish` (what
 * an application password with editor rights sees); a post still published only changed its date.
 */
export async function stillPublished(base: string, id: number, get: Get): Promise<boolean> {
  const result = await get(`${base}/${id}?_fields=id,status`);
  if (result.kind === 'unavailable') return false;
  const json: unknown = result.json;
  return typeof json === 'object' && json !== null && 'status' in json && json.status === 'publish';
}

function recentPost(item: unknown): RecentPost | undefined {
  if (typeof item !== 'object' || item === null || !('id' in item) || typeof item.id !== 'number') return undefined;
  const date = 'date_gmt' in item && typeof item.date_gmt === 'string' ? Date.parse(`${item.date_gmt}Z`) : Number.NaN;
  return { id: item.id, date: Number.isNaN(date) ? 0 : Math.floor(date / 1000) };
}

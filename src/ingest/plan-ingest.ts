import type { Article } from '../articles/article.js';
import type { IngestItem, PulledArticle, SourceState } from '../store/store.js';
import { headlineKey } from '../delivery/idempotency-key.js';
import { pullMoves, titleReposts } from '../delivery/lifecycle.js';
import { routeArticle, whyUnrouted, type RoutingTable } from './route-article.js';

export interface IngestPolicy {
  /** Posts on a source's first poll; 0 means record what is there and post nothing. */
  backfill: number;
  maxAgeMs: number;
  /**
   * Which date maxAge counts from. `date` (default): the article's own date. `first-seen`: the
   * article's date, unless it is older than the source's first poll: an item that was not in the
   * feed then but carries an older date was added since (inserted below the top, or back-dated),
   * so its age counts from now, when Crier first sees it. Feeds need this, having no other way
   * to tell a late addition from an old story; WordPress dates are the newsroom's own (an import
   * of old posts must stay unposted), so it counts from the date.
   */
  maxAgeFrom?: 'date' | 'first-seen' | undefined;
}

/**
 * Decides, for every article in a poll, what happens if it turns out to be new. The store then
 * applies it atomically and ignores the decision for articles it already knows (by source key or
 * canonical URL), so a re-published or cross-posted story is never posted twice.
 *
 * Routing (the costly part) is deferred until the store reads an item's decision, which it does
 * only for an article it does not know, or a known one whose title changed.
 *
 * Items are returned oldest first: ids then follow publication order and the worker, which takes
 * equal due times in id order, posts a backfill oldest first.
 */
export function planIngest(
  articles: readonly Article[],
  state: SourceState | undefined,
  policy: IngestPolicy,
  routing: RoutingTable,
  now: Date,
): IngestItem[] {
  const oldestFirst = [...articles].sort((a, b) => a.publishedAt.getTime() - b.publishedAt.getTime());
  const firstPoll = state?.initializedAt === undefined;
  const firstSeenAfter = policy.maxAgeFrom === 'first-seen' ? state?.initializedAt : undefined;
  const ageFrom = (a: Article) => (firstSeenAfter !== undefined && a.publishedAt < firstSeenAfter ? now : a.publishedAt);
  const tooOld = (a: Article) => now.getTime() - ageFrom(a).getTime() > policy.maxAgeMs;
  const fresh = oldestFirst.filter((a) => !tooOld(a));
  const backfill = new Set(firstPoll && policy.backfill > 0 ? fresh.slice(-policy.backfill) : []);

  const reposting = new Set(routing.routes.filter((r) => r.onUpdate === 'repost-if-title-changed').map((r) => r.id));
  return oldestFirst.map((article) => {
    if (tooOld(article)) return { article, ifNew: { kind: 'record', reason: 'older than maxAge; not posted' } };
    if (firstPoll && !backfill.has(article)) {
      return { article, ifNew: { kind: 'record', reason: 'present at the first poll of this source; not posted' } };
    }
    // Routed only when the store asks: it does for a new article (or a changed title), and a
    // steady poll's items are nearly all known and unchanged (issue 15 item 5: routing 700 of
    // them was 5-25 ms of the event loop, for decisions the store then ignored).
    return lazily(article, () => {
      const deliveries = routeArticle(article, routing, now);
      // A key per headline: the repost of a corrected title is a new post, never the old one again.
      const onTitleChange = titleReposts(
        deliveries
          .filter((d) => reposting.has(d.routeId))
          .map((d) => ({ ...d, idempotencyKey: headlineKey(d.idempotencyKey, article.title, d.channelId) })),
      );
      if (deliveries.length === 0) return { article, ifNew: { kind: 'record', reason: whyUnrouted(article, routing) } };
      return { article, ifNew: { kind: 'deliver', deliveries, reason: firstPoll ? 'backfill' : 'new article' }, onTitleChange };
    });
  });
}

/**
 * An item whose decision is made on first read of `ifNew` or `onTitleChange` (once; planning is
 * pure, so when it runs changes nothing but the cost). Both are enumerable, so the item compares,
 * spreads and serialises as the eager one did.
 */
function lazily(article: Article, plan: () => IngestItem): IngestItem {
  let planned: IngestItem | undefined;
  const decided = (): IngestItem => (planned ??= plan());
  return {
    article,
    get ifNew() {
      return decided().ifNew;
    },
    get onTitleChange() {
      return decided().onTitleChange;
    },
  };
}

/** Stories the source says it no longer publishes (by their key there): what is pending is cancelled. */
export function planPulled(keys: readonly string[]): PulledArticle[] {
  return keys.map((key) => ({ key, reason: 'article pulled', kind: 'article-pulled', moves: pullMoves('article pulled') }));
}

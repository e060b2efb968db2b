import type { Logger } from '../log/logger.js';
import type { Observer } from '../observe/observer.js';
import type { Delivery, Store } from '../store/store.js';
import { followUpQueue } from './queue-follow-ups.js';

export interface PulledAfterPostingDeps {
  store: Store;
  observer: Observer;
  logger: Logger;
  now: () => Date;
  /** A route's `onUnpublish` (routes no longer in the config, and manual posts: keep). */
  onUnpublish: (routeId: string) => 'keep' | 'retract';
}

/** Posts of a pulled story that are (or are about to be) up on the platform. */
const UP_STATES = ['sending', 'posted', 'verified'];

/**
 * What happens to the posts of a story its source took back (trashed, unpublished, deleted)
 * after they went out. Pending deliveries are cancelled where the pull is handled (pull-article.ts,
 * the store's ingest); this looks at the posts that are up. A route with `onUnpublish: retract`
 * has them deleted (a retraction each, as `crier retract` queues, by the source); the default
 * `keep` leaves them up and tells a person once: an event in the article's history, an error in
 * the log and an alert ("story pulled after posting: N posts remain; run crier retract <id>").
 */
export function pulledAfterPosting(deps: PulledAfterPostingDeps) {
  const queue = followUpQueue(deps.store);

  async function follow(articleId: number, sourceId: string): Promise<{ kept: Delivery[]; retracting: Delivery[] }> {
    const article = await deps.store.getArticle(articleId);
    if (!article) return { kept: [], retracting: [] };
    const up = (await deps.store.listDeliveries({ articleId, kinds: ['post'], limit: 100_000 })).filter((d) => UP_STATES.includes(d.state));
    if (up.length === 0) return { kept: [], retracting: [] };
    const retracting = up.filter((d) => deps.onUnpublish(d.routeId) === 'retract');
    const kept = up.filter((d) => !retracting.includes(d));
    // A pull seen twice (the webhook's unpublish, then the next poll) is told once.
    const told = await deps.store.listEvents({ articleId, limit: 1000 });
    const postIds = up.map((d) => d.id).sort((a, b) => a - b);
    const same = told.some((e) => e.kind === 'pulled-after-posting' && JSON.stringify(e.data?.posts) === JSON.stringify(postIds));
    if (same) return { kept, retracting };

    for (const post of retracting) {
      await queue.retract(article, { channelId: post.channelId, reason: `the story was pulled at ${sourceId} (route ${post.routeId}: onUnpublish retract)`, actor: sourceId, at: deps.now() });
    }
    const channels = (list: Delivery[]) => list.map((d) => d.channelId);
    const parts = [
      kept.length > 0 ? `${kept.length} post${kept.length === 1 ? '' : 's'} remain${kept.length === 1 ? 's' : ''} (${channels(kept).join(', ')}); run crier retract ${articleId} --reason "…"` : '',
      retracting.length > 0 ? `retracting ${retracting.length} (${channels(retracting).join(', ')}: onUnpublish retract)` : '',
    ].filter(Boolean);
    const message = `story pulled after posting: ${parts.join('; ')}`;
    await deps.store.appendEvent({ at: deps.now(), kind: 'pulled-after-posting', message, articleId, sourceId, actor: sourceId, data: { posts: postIds, kept: channels(kept), retracting: channels(retracting) } });
    const log = deps.logger.child({ source: sourceId, article: articleId });
    if (kept.length > 0) log.error({ channels: channels(kept) }, message);
    else log.warn(message);
    deps.observer.pulledAfterPosting?.({ articleId, title: article.title, url: article.url, sourceId, kept: channels(kept), retracting: channels(retracting) });
    return { kept, retracting };
  }

  return {
    /** The source named the story by our id (a pushed unpublish, once resolved). */
    follow,
    /** A poll reported these keys as pulled: each known article is followed up. */
    async followKeys(sourceId: string, keys: readonly string[]): Promise<void> {
      for (const key of keys) {
        const found = await deps.store.findArticleByKey(sourceId, key);
        if (found) await follow(found.duplicateOf ?? found.id, sourceId);
      }
    },
  };
}

export type PulledAfterPosting = ReturnType<typeof pulledAfterPosting>;

import type { Store } from '../store/store.js';
import { moveDelivery } from './lifecycle.js';

export interface PullOutcome {
  /** Pending deliveries now cancelled: they will never be sent. */
  cancelled: number[];
  /** Deliveries out of reach of a cancel (being sent, posted, failed…), by id with their state. */
  untouched: { id: number; channelId: string; state: string }[];
}

/**
 * The story was taken back (unpublished, trashed, gone): every pending delivery of the article
 * is cancelled with the `cancel` move and an event, so none of them is ever sent. A delivery the
 * worker claimed first is left to it (the move loses the race and writes nothing); one already
 * posted is reported, never touched: taking a post back is a retraction, not this.
 */
async function pullArticle(
  store: Store,
  articleId: number,
  pull: { reason: string; kind: string; actor: string; at: Date },
): Promise<PullOutcome> {
  const outcome: PullOutcome = { cancelled: [], untouched: [] };
  for (const delivery of await store.listDeliveries({ articleId, kinds: ['post'], limit: 100_000 })) {
    const event = {
      at: pull.at,
      kind: pull.kind,
      message: `cancelled: ${pull.reason} (${pull.actor})`,
      actor: pull.actor,
      articleId,
      deliveryId: delivery.id,
      channelId: delivery.channelId,
    };
    if (delivery.state === 'pending' && (await moveDelivery(store, delivery.id, 'cancel', event, { lastError: pull.reason }))) {
      outcome.cancelled.push(delivery.id);
      continue;
    }
    const now = delivery.state === 'pending' ? ((await store.getDelivery(delivery.id))?.state ?? 'gone') : delivery.state;
    if (now !== 'cancelled') outcome.untouched.push({ id: delivery.id, channelId: delivery.channelId, state: now });
  }
  return outcome;
}

/**
 * A source says a story was taken back, naming it by its key there or by its URL. A story known
 * first from another source has its deliveries there: the same canonical URL is the same story,
 * so those are cancelled.
 */
export async function pullSourceArticle(
  store: Store,
  sourceId: string,
  request: { key?: string | undefined; canonicalUrl?: string | undefined },
  at: Date,
): Promise<PullOutcome & { article: number | undefined }> {
  const byKey = request.key === undefined ? undefined : await store.findArticleByKey(sourceId, request.key);
  const found = byKey ?? (request.canonicalUrl === undefined ? undefined : await store.findArticleByUrl(request.canonicalUrl));
  if (!found) return { article: undefined, cancelled: [], untouched: [] };
  const articleId = found.duplicateOf ?? found.id;
  const outcome = await pullArticle(store, articleId, { reason: 'article pulled', kind: 'article-pulled', actor: sourceId, at });
  return { article: articleId, ...outcome };
}

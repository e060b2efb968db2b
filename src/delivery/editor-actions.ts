import type { Article } from '../articles/article.js';
import type { Delivery, DeliveryPatch, DeliveryState, HeldChannel, NewDelivery, Priority, Store, StoredArticle } from '../store/store.js';
import { deliveryKey, repostKey } from './idempotency-key.js';
import { LIVE_POST_STATES, moveDelivery, movableFrom, SENT_POST_STATES, type MoveName } from './lifecycle.js';
import { followUpQueue, type CorrectRequest, type RetractRequest } from './queue-follow-ups.js';

export type { Delivery, Priority, StoredArticle } from '../store/store.js';

/** An editor asked for something the delivery's life does not allow now; the message says why. */
export class ActionRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionRefused';
  }
}

export interface EditorDeps {
  store: Store;
  now: () => Date;
}

export interface PostRequest {
  /** Per channel, the delivery routing would plan (route, template, dry run), if any route takes it. */
  planned: ReadonlyMap<string, NewDelivery>;
  channels: readonly { id: string; dryRun: boolean }[];
  at: Date;
  priority: Priority;
  force: boolean;
  actor: string;
  why: string;
}

export interface PostOutcome {
  channel: string;
  action: 'queued' | 'requeued' | 'skipped';
  deliveryId?: number | undefined;
  detail: string;
}

const list = (states: readonly DeliveryState[]) => states.join(', ').replace(/, ([^,]*)$/, ' or $1');

/**
 * What editors do to deliveries and channels (the CLI today, the desk later), recorded with who
 * and why. Every state change is a move of the lifecycle: if the daemon moved the delivery first,
 * the editor is told so and nothing is overwritten.
 */
export function editorActions(deps: EditorDeps) {
  const { store, now } = deps;
  const followUps = followUpQueue(store);

  const eventFor = (delivery: Delivery, kind: string, message: string, actor: string, data?: Record<string, unknown>) => ({
    at: now(),
    kind,
    message,
    actor,
    articleId: delivery.articleId,
    deliveryId: delivery.id,
    channelId: delivery.channelId,
    data,
  });

  async function move(delivery: Delivery, name: MoveName, kind: string, message: string, actor: string, set?: DeliveryPatch, data?: Record<string, unknown>): Promise<void> {
    if (await moveDelivery(store, delivery.id, name, eventFor(delivery, kind, message, actor, data), set)) return;
    const current = await store.getDelivery(delivery.id);
    throw new ActionRefused(`delivery ${delivery.id} changed meanwhile: it is ${current?.state ?? 'gone'} now; nothing was done`);
  }

  async function requeueExisting(delivery: Delivery, request: PostRequest): Promise<PostOutcome> {
    const base = { channel: delivery.channelId, deliveryId: delivery.id };
    const { actor, why, at, priority } = request;
    if (delivery.state === 'sending') return { ...base, action: 'skipped', detail: 'being sent right now' };
    if (delivery.state === 'pending') {
      await move(delivery, 'defer', 'manual-post', `rescheduled by ${actor}${why}`, actor, { nextAttemptAt: at, priority });
      return { ...base, action: 'requeued', detail: 'was already queued; rescheduled' };
    }
    if (SENT_POST_STATES.includes(delivery.state) && !request.force) {
      return { ...base, action: 'skipped', detail: `already ${delivery.state === 'posted' ? 'posted' : `posted (${delivery.state})`} at ${delivery.postedAt?.toISOString() ?? 'an unknown time'}${delivery.remoteUrl ? ` ${delivery.remoteUrl}` : ''}; use --force to post again` };
    }
    const data = delivery.remoteUrl ? { previous: delivery.remoteUrl } : undefined;
    if (request.force) {
      // A forced repost is a new post: a new idempotency key, the text built anew.
      const set = { nextAttemptAt: at, priority, attempts: 'reset' as const, lastError: null, freshKey: repostKey(delivery.idempotencyKey, delivery.channelId, now()) };
      await move(delivery, 'repost', 'manual-repost', `forced repost by ${actor}${why}`, actor, set, data);
      return { ...base, action: 'requeued', detail: 'will be posted again' };
    }
    // A retry keeps its key, so a platform that got the first attempt recognises it.
    await move(delivery, 'retry', 'manual-retry', `retry of a ${delivery.state} delivery by ${actor}${why}`, actor, { nextAttemptAt: at, priority, attempts: 'reset', lastError: null }, data);
    return { ...base, action: 'requeued', detail: `retrying the ${delivery.state} delivery` };
  }

  async function getDelivery(id: number): Promise<Delivery> {
    const delivery = await store.getDelivery(id);
    if (!delivery) throw new ActionRefused(`no delivery ${id}`);
    return delivery;
  }

  return {
    findArticle(ref: { kind: 'id'; id: number } | { kind: 'url'; canonical: string }): Promise<StoredArticle | undefined> {
      return ref.kind === 'id' ? store.getArticle(ref.id) : store.findArticleByUrl(ref.canonical);
    },

    listDeliveries: (articleId: number) => store.listDeliveries({ articleId }),

    /** An article read from its page for a manual post; the known one if the store has it. */
    recordArticle(article: Article, actor: string): Promise<StoredArticle> {
      return store.recordArticle(article, now(), {
        at: now(),
        kind: 'article-recorded',
        message: `read from the page for a manual post by ${actor}`,
        actor,
        sourceId: article.sourceId,
      });
    },

    /** Queues an article on channels: a new delivery, or the existing one rescheduled, retried or reposted. */
    async post(article: StoredArticle, request: PostRequest): Promise<PostOutcome[]> {
      const existing = await store.listDeliveries({ articleId: article.id, kinds: ['post'] });
      const outcomes: PostOutcome[] = [];
      for (const channel of request.channels) {
        const delivery = existing.find((d) => d.channelId === channel.id);
        if (delivery) {
          outcomes.push(await requeueExisting(delivery, request));
          continue;
        }
        const planned: NewDelivery = request.planned.get(channel.id) ?? {
          channelId: channel.id,
          routeId: 'manual',
          priority: request.priority,
          dryRun: channel.dryRun,
          nextAttemptAt: request.at,
          idempotencyKey: deliveryKey(article, channel.id),
        };
        const [id] = await store.addDeliveries(article.id, [{ ...planned, priority: request.priority, nextAttemptAt: request.at }], {
          at: now(),
          kind: 'manual-post',
          message: `posted by ${request.actor}${request.why}`,
          actor: request.actor,
        });
        outcomes.push({ channel: channel.id, action: 'queued', deliveryId: id, detail: 'queued' });
      }
      return outcomes;
    },

    /** The same post again (same key): only a delivery that did not go out, or may not have. */
    async retry(id: number, actor: string, reason?: string): Promise<Delivery> {
      const delivery = await getDelivery(id);
      if (delivery.state === 'missing' && delivery.kind === 'post') {
        // Read back and not found: the one case a person re-sends a post on purpose. A new key,
        // since the platform may still remember (and silently swallow) the old one.
        const set = { nextAttemptAt: now(), attempts: 'reset' as const, lastError: null, freshKey: repostKey(delivery.idempotencyKey, delivery.channelId, now()) };
        const data = delivery.remoteUrl ? { previous: delivery.remoteUrl } : undefined;
        await move(delivery, 'repost', 'manual-retry', `re-post of a missing post by ${actor}${reason ? `: ${reason}` : ''}`, actor, set, data);
        return delivery;
      }
      if (LIVE_POST_STATES.includes(delivery.state) || delivery.state === 'retracted') {
        throw new ActionRefused(
          `delivery ${id} was posted at ${delivery.postedAt?.toISOString() ?? 'an unknown time'}${delivery.remoteUrl ? ` (${delivery.remoteUrl})` : ''}; retry never sends a post twice: use crier post --force ${delivery.articleId} --channels ${delivery.channelId} to post it again`,
        );
      }
      if (!movableFrom('retry').includes(delivery.state)) {
        throw new ActionRefused(`delivery ${id} is ${delivery.state}; only ${list(movableFrom('retry'))} deliveries can be retried`);
      }
      await move(delivery, 'retry', 'manual-retry', `retry of a ${delivery.state} delivery by ${actor}${reason ? `: ${reason}` : ''}`, actor, {
        nextAttemptAt: now(),
        attempts: 'reset',
        lastError: null,
      });
      return delivery;
    },

    /** Every failed and uncertain delivery (of one channel): those moved meanwhile are left out. */
    async retryFailed(channelId: string | undefined, actor: string, reason: string | undefined, progress?: (done: number, of: number) => void): Promise<number[]> {
      const targets = await store.listDeliveries({ states: ['failed', 'uncertain'], ...(channelId ? { channelId } : {}), limit: 100_000 });
      const retried: number[] = [];
      for (const [index, delivery] of targets.entries()) {
        const message = `retry of a ${delivery.state} delivery by ${actor}${reason ? `: ${reason}` : ''}`;
        const set = { nextAttemptAt: now(), attempts: 'reset' as const, lastError: null };
        if (await moveDelivery(store, delivery.id, 'retry', eventFor(delivery, 'manual-retry', message, actor), set)) retried.push(delivery.id);
        progress?.(index + 1, targets.length);
      }
      return retried;
    },

    /** Never sent: refused once the daemon has begun sending it (it may be out already). */
    async cancel(id: number, actor: string, reason?: string): Promise<Delivery> {
      const delivery = await getDelivery(id);
      if (delivery.state === 'sending') throw new ActionRefused(`delivery ${id} is being sent right now; it cannot be cancelled (see crier history ${delivery.articleId})`);
      if (!movableFrom('cancel').includes(delivery.state)) throw new ActionRefused(`delivery ${id} is ${delivery.state}; only pending deliveries can be cancelled`);
      const message = `cancelled by ${actor}${reason ? `: ${reason}` : ''}`;
      if (!(await moveDelivery(store, id, 'cancel', eventFor(delivery, 'delivery-cancelled', message, actor), { lastError: reason ? `cancelled: ${reason}` : 'cancelled' }))) {
        const current = await store.getDelivery(id);
        throw new ActionRefused(`delivery ${id} is ${current?.state ?? 'gone'} now (the daemon took it first); it was not cancelled`);
      }
      return delivery;
    },

    /** Deletes the article's posts (a delivery of kind retract each) and cancels its queued ones. */
    retract: (article: StoredArticle, request: Omit<RetractRequest, 'at'>) => followUps.retract(article, { ...request, at: now() }),

    /** A correction replied under each live post (and with --edit, the post edited where it shows). */
    correct: (article: StoredArticle, request: Omit<CorrectRequest, 'at'>) => followUps.correct(article, { ...request, at: now() }),

    async pause(channelId: string, actor: string, reason?: string): Promise<void> {
      await store.setHold(channelId, { kind: 'paused', reason: reason ?? 'paused by an editor', since: now(), by: actor });
      await store.appendEvent({ at: now(), kind: 'channel-paused', message: `paused by ${actor}${reason ? `: ${reason}` : ''}`, channelId, actor });
    },

    /** Lifts a pause, and an auth or rate-limit hold (the editor says: try again; the gate re-checks budgets). */
    async resume(channelId: string, actor: string): Promise<HeldChannel[]> {
      const lifted = await store.clearHolds(channelId, ['paused', 'auth', 'rate-limited'], now());
      const was = lifted.map((h) => `${h.kind}: ${h.reason}`).join('; ');
      await store.appendEvent({ at: now(), kind: 'channel-resumed', message: `resumed by ${actor}${was ? ` (was ${was})` : ''}`, channelId, actor });
      return lifted;
    },
  };
}

export type EditorActions = ReturnType<typeof editorActions>;

import type { Delivery, DeliveryKind, Store, StoredArticle } from '../store/store.js';
import { correctionKey, editKey, retractKey } from './idempotency-key.js';
import { LIVE_POST_STATES, moveDelivery } from './lifecycle.js';

/** What a retract or correct command did for one post of the article. */
export interface FollowUpOutcome {
  channel: string;
  /** The post (delivery) it concerns. */
  post: number;
  kind: DeliveryKind;
  /**
   * `queued`: a new follow-up; `requeued`: a failed one tried again; `cancelled`: the post was
   * still queued and will never go out; `already`: nothing to do, done or under way; `skipped`:
   * nothing can be done (the detail says why and what a person can do).
   */
  action: 'queued' | 'requeued' | 'cancelled' | 'already' | 'skipped';
  /** The follow-up delivery queued, requeued or already there. */
  deliveryId?: number | undefined;
  detail: string;
}

export interface RetractRequest {
  channelId?: string | undefined;
  reason: string;
  actor: string;
  at: Date;
}

/** Per post, the correction's text (and the post's edited text with --edit), or why not. */
export type CorrectionTexts = (post: Delivery) => Promise<{ text: string; edit?: string | { refused: string } | undefined } | { refused: string }>;

export interface CorrectRequest {
  channelId?: string | undefined;
  texts: CorrectionTexts;
  actor: string;
  at: Date;
}

/** Posts that went out and can be deleted: live, or read back missing (it may be hidden, not gone). */
const OUT_STATES = ['posted', 'verified', 'missing'];

/**
 * Queues follow-ups of an article's posts: deletions (`crier retract`, a route's `onUnpublish:
 * retract`) and reply corrections (`crier correct`), each a delivery of its own kind with the
 * post as its parent, persisted before anything is sent, so the worker carries it out exactly
 * like a post (retried, crash-safe). Everything here is idempotent: a second call finds the
 * follow-ups the first one queued (same keys) and says so.
 */
export function followUpQueue(store: Store) {
  const eventFor = (post: Delivery, kind: string, message: string, actor: string, at: Date, data?: Record<string, unknown>) => ({
    at,
    kind,
    message,
    actor,
    articleId: post.articleId,
    deliveryId: post.id,
    channelId: post.channelId,
    data,
  });

  /**
   * One follow-up of `kind` under `post` with `key`: the one already there (done, under way, or a
   * failed one tried again), else a new one.
   */
  async function ensure(
    article: StoredArticle,
    post: Delivery,
    follow: { kind: DeliveryKind; key: string; text?: string | undefined; at: Date; actor: string; message: string; data?: Record<string, unknown> },
  ): Promise<FollowUpOutcome> {
    const base = { channel: post.channelId, post: post.id, kind: follow.kind };
    const noun = follow.kind === 'retract' ? 'retraction' : follow.kind === 'correct' ? 'correction' : 'edit';
    const existing = (await store.listDeliveries({ parentId: post.id, kinds: [follow.kind] })).find((d) => d.idempotencyKey === follow.key);
    if (existing) {
      const done = { ...base, deliveryId: existing.id };
      if (existing.state === 'posted') return { ...done, action: 'already', detail: `${noun} done ${existing.postedAt?.toISOString() ?? ''} (delivery ${existing.id})` };
      if (existing.state === 'pending' || existing.state === 'sending') return { ...done, action: 'already', detail: `${noun} already queued (delivery ${existing.id}, ${existing.state})` };
      if (existing.state === 'uncertain') {
        // Only a correction can be uncertain (X: a re-send could post the reply twice).
        return { ...done, action: 'skipped', detail: `${noun} ${existing.id} is uncertain: check ${post.channelId}, then crier retry ${existing.id} or crier cancel ${existing.id}` };
      }
      const event = eventFor(existing, `${noun}-requeued`, `${noun} of a ${existing.state} ${noun} requeued by ${follow.actor}`, follow.actor, follow.at, follow.data);
      const requeued = await moveDelivery(store, existing.id, 'retry', event, { nextAttemptAt: follow.at, attempts: 'reset', lastError: null });
      return requeued
        ? { ...done, action: 'requeued', detail: `the earlier ${noun} was ${existing.state} (${existing.lastError ?? 'no reason'}); trying again` }
        : { ...done, action: 'already', detail: `${noun} ${existing.id} changed meanwhile` };
    }
    try {
      const [id] = await store.addDeliveries(
        article.id,
        [
          {
            channelId: post.channelId,
            routeId: post.routeId,
            // Past the newsroom's schedule (quiet hours, spacing, caps), never past the platform's limits.
            priority: 'breaking',
            dryRun: post.dryRun,
            nextAttemptAt: follow.at,
            idempotencyKey: follow.key,
            kind: follow.kind,
            parentId: post.id,
            text: follow.text,
          },
        ],
        { at: follow.at, kind: `${noun}-queued`, message: follow.message, actor: follow.actor, articleId: article.id, data: { ...follow.data, post: post.id } },
      );
      return { ...base, action: 'queued', deliveryId: id, detail: `${noun} queued` };
    } catch (error) {
      // Another editor (or the daemon) queued the same follow-up a moment ago: the unique key held.
      const again = (await store.listDeliveries({ parentId: post.id, kinds: [follow.kind] })).find((d) => d.idempotencyKey === follow.key);
      if (again) return { ...base, action: 'already', deliveryId: again.id, detail: `${noun} already queued (delivery ${again.id})` };
      throw error;
    }
  }

  /**
   * One post (or correction reply) of a story being retracted: cancelled while still queued, its
   * deletion queued once it is out or being sent, nothing when there is nothing to delete.
   */
  async function retractOne(article: StoredArticle, target: Delivery, request: RetractRequest): Promise<FollowUpOutcome[]> {
    const why = `retracted by ${request.actor}: ${request.reason}`;
    const data = { reason: request.reason };
    const what = target.kind === 'post' ? 'post' : 'correction';
    const base = { channel: target.channelId, post: target.id, kind: 'retract' as const };
    let current = target;
    if (current.state === 'pending') {
      const event = eventFor(current, 'delivery-cancelled', `cancelled: ${why}`, request.actor, request.at, data);
      if (await moveDelivery(store, current.id, 'cancel', event, { lastError: why })) {
        const maybeOut = current.firstAttemptAt !== undefined;
        const detail = maybeOut
          ? `the ${what} was queued again after an attempt whose outcome is unknown: check ${current.channelId} for it and delete it by hand if it is there`
          : `the ${what} was queued: cancelled, never sent`;
        return [{ ...base, action: 'cancelled', detail }];
      }
      // The worker claimed it first: it is being sent (or went out) now.
      current = (await store.getDelivery(current.id)) ?? current;
    }
    if (current.state === 'sending' || OUT_STATES.includes(current.state)) {
      const message = `retraction queued by ${request.actor}: ${request.reason}`;
      const outcome = await ensure(article, current, { kind: 'retract', key: retractKey(current.idempotencyKey, current.channelId), at: request.at, actor: request.actor, message, data });
      if (current.state === 'sending' && outcome.action === 'queued') outcome.detail = `the ${what} is being sent right now: deleted as soon as it lands`;
      else if (outcome.action === 'queued') outcome.detail = `deletion of the ${what} queued`;
      return [outcome];
    }
    if (current.state === 'retracted') return [{ ...base, action: 'already', detail: `${what} already retracted` }];
    if (current.state === 'uncertain') {
      return [{ ...base, action: 'skipped', detail: `the ${what} is uncertain: it may be on ${current.channelId} but Crier has no id for it; check the account and delete it by hand, then crier cancel ${current.id}` }];
    }
    // Failed, cancelled or skipped: it never went out, so there is nothing to delete or say.
    return target.kind === 'post' ? [{ ...base, action: 'already', detail: `${current.state}: never went out, nothing to delete` }] : [];
  }

  async function posts(articleId: number, channelId: string | undefined): Promise<Delivery[]> {
    return store.listDeliveries({ articleId, kinds: ['post'], ...(channelId ? { channelId } : {}), limit: 100_000 });
  }

  return {
    /**
     * Deletes every post of the article that went out and cancels those still queued. A post being
     * sent right now gets its retraction queued at once: the worker holds it until the post lands
     * (follow-ups.ts), then deletes it.
     */
    async retract(article: StoredArticle, request: RetractRequest): Promise<FollowUpOutcome[]> {
      const outcomes: FollowUpOutcome[] = [];
      for (const post of await posts(article.id, request.channelId)) {
        outcomes.push(...(await retractOne(article, post, request)));
        // The corrections replied under it are posts of the story too: deleted with it.
        for (const correction of await store.listDeliveries({ parentId: post.id, kinds: ['correct'] })) {
          outcomes.push(...(await retractOne(article, correction, request)));
        }
      }
      return outcomes;
    },

    /** A reply under every live post of the article (and with an edit text, an edit of it). */
    async correct(article: StoredArticle, request: CorrectRequest): Promise<FollowUpOutcome[]> {
      const outcomes: FollowUpOutcome[] = [];
      for (const post of await posts(article.id, request.channelId)) {
        const base = { channel: post.channelId, post: post.id, kind: 'correct' as const };
        if (post.state !== 'sending' && !LIVE_POST_STATES.includes(post.state)) {
          outcomes.push({ ...base, action: 'skipped', detail: `${post.state}: no live post to reply under` });
          continue;
        }
        const texts = await request.texts(post);
        if ('refused' in texts) {
          outcomes.push({ ...base, action: 'skipped', detail: texts.refused });
          continue;
        }
        const message = `correction queued by ${request.actor}: ${texts.text}`;
        const key = correctionKey(post.idempotencyKey, texts.text, post.channelId);
        outcomes.push(await ensure(article, post, { kind: 'correct', key, text: texts.text, at: request.at, actor: request.actor, message, data: { text: texts.text } }));
        if (texts.edit === undefined) continue;
        if (typeof texts.edit !== 'string') {
          outcomes.push({ ...base, kind: 'edit', action: 'skipped', detail: texts.edit.refused });
          continue;
        }
        const edit = texts.edit;
        const editMessage = `edit of the post queued by ${request.actor}`;
        outcomes.push(await ensure(article, post, { kind: 'edit', key: editKey(post.idempotencyKey, edit, post.channelId), text: edit, at: request.at, actor: request.actor, message: editMessage }));
      }
      return outcomes;
    },
  };
}

export type FollowUpQueue = ReturnType<typeof followUpQueue>;

import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../src/config/schema.js';
import { editorActions } from '../../src/delivery/editor-actions.js';
import { MOVES } from '../../src/delivery/lifecycle.js';
import { PARENT_SETTLE_WAIT_MS } from '../../src/delivery/follow-ups.js';
import { createWorker, type Worker } from '../../src/delivery/worker.js';
import { planIngest } from '../../src/ingest/plan-ingest.js';
import type { OutboundPost, PlatformAdapter, PostedRef } from '../../src/platforms/contract.js';
import { PublishError } from '../../src/platforms/errors.js';
import { platformFor } from '../../src/platforms/registry.js';
import { createTemplateEngine } from '../../src/render/templates.js';
import type { ChannelRuntime } from '../../src/runtime/channels.js';
import { BUILTIN_TEMPLATES_DIR, type TemplateSet } from '../../src/runtime/templates.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Delivery, StoredArticle } from '../../src/store/store.js';
import { makeArticle } from '../support/articles.js';
import { memoryChannelState } from '../support/channel-state.js';

/**
 * Retractions and corrections through the real worker and store, with a small in-test platform
 * edge: it records every request and answers what the test scripts (a deletion, per the
 * contract, resolves `deleted` or `already-gone` and may fail with a PublishError).
 */
function platformEdge() {
  const published: OutboundPost[] = [];
  const removed: PostedRef[] = [];
  const edited: { post: PostedRef; text: string }[] = [];
  const removeAnswers: (PublishError | 'deleted' | 'already-gone')[] = [];
  const publishAnswers: PublishError[] = [];
  let next = 100;
  const edge = { hold: (_post: OutboundPost): Promise<void> | undefined => undefined };
  const adapter: PlatformAdapter = {
    async verify() {
      return { account: '@desk' };
    },
    async prepare(post) {
      return { key: post.idempotencyKey };
    },
    async publish(post) {
      published.push(post);
      await edge.hold(post);
      const fault = publishAnswers.shift();
      if (fault) throw fault;
      next += 1;
      return { remoteId: String(next), url: `https://social.example/status/${next}` };
    },
    async remove(post) {
      removed.push(post);
      const answer = removeAnswers.shift() ?? 'deleted';
      if (answer instanceof PublishError) throw answer;
      return answer;
    },
    async edit(post, text) {
      edited.push({ post, text });
    },
  };
  return Object.assign(edge, { adapter, published, removed, edited, removeAnswers, publishAnswers });
}

const engine = createTemplateEngine();
const templates: TemplateSet = {
  pathFor: (channelId) => `${BUILTIN_TEMPLATES_DIR}/${channelId.split('-')[0]}.hbs`,
  forDelivery: (channelId) => engine.compileFile(`${BUILTIN_TEMPLATES_DIR}/${channelId.split('-')[0]}.hbs`),
};
const x: ChannelConfig = { id: 'x-main', platform: 'x', dryRun: false, images: true };
const mastodon: ChannelConfig = { id: 'mastodon-main', platform: 'mastodon', dryRun: false, images: true, instance: 'https://m.example', visibility: 'public', maxCharacters: 500 };

let store: SqliteStore;
let now: Date;
let edge: ReturnType<typeof platformEdge>;
let worker: Worker;
let article: StoredArticle;
let runtimes: Map<string, ChannelRuntime>;
const editor = () => editorActions({ store, now: () => now });

beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await store.migrate();
  now = new Date('2026-11-29T12:00:00Z');
  edge = platformEdge();
  const channels = [x, mastodon];
  runtimes = new Map<string, ChannelRuntime>(
    channels.map((config) => [
      config.id,
      {
        config,
        platform: platformFor(config),
        adapter: edge.adapter,
        textRules: () => platformFor(config).textRules(config, { logger: pino({ level: 'silent' }), now: () => now, channelState: memoryChannelState() }),
      },
    ]),
  );
  const routing = { routes: [{ id: 'all', channels: channels.map((c) => c.id), priority: 'normal' as const }], channels: new Map(channels.map((c) => [c.id, c])), configDir: '/' };
  const state = { sourceId: 'news', consecutiveFailures: 0, initializedAt: now };
  const policy = { backfill: 0, maxAgeMs: 86_400_000 };
  await store.ingest('news', planIngest([makeArticle({ key: 'seed' })], undefined, policy, routing, now), state, now);
  await store.ingest('news', planIngest([makeArticle({ key: 'story', publishedAt: now })], state, policy, routing, now), state, now);
  article = (await store.findArticleByUrl(makeArticle({ key: 'story' }).canonicalUrl))!;
  worker = restart();
});
afterEach(() => store.close());

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(done()).toBe(true);
}

/** Another process starting on the same store: it settles what the last one left `sending`. */
const restart = () => createWorker({ store, channels: runtimes, templates, logger: pino({ level: 'silent' }), now: () => now, random: () => 0.5, defaultLanguage: 'en', owner: 'test' });

const byKind = async (kind: Delivery['kind']) => store.listDeliveries({ articleId: article.id, kinds: [kind] });
const later = (ms: number) => {
  now = new Date(now.getTime() + ms);
};

describe('crier retract', () => {
  it('deletes each post once, marks it retracted, and a second retract is a no-op that says so', async () => {
    expect(await worker.drain()).toBe(2);
    const posts = await byKind('post');
    expect(posts.map((p) => p.state)).toEqual(['posted', 'posted']);

    const first = await editor().retract(article, { reason: 'legal', actor: 'ana' });
    expect(first.map((o) => o.action)).toEqual(['queued', 'queued']);
    expect(await worker.drain()).toBe(2);
    expect(edge.removed.map((r) => r.remoteId).sort()).toEqual(posts.map((p) => p.remoteId).sort());
    expect((await byKind('post')).map((p) => p.state)).toEqual(['retracted', 'retracted']);
    expect((await byKind('retract')).map((r) => [r.state, r.parentId])).toEqual(posts.map((p) => ['posted', p.id]));

    const second = await editor().retract(article, { reason: 'legal', actor: 'ana' });
    expect(second.map((o) => [o.action, o.detail])).toEqual([
      ['already', 'post already retracted'],
      ['already', 'post already retracted'],
    ]);
    expect(await worker.drain()).toBe(0);
    expect(edge.removed).toHaveLength(2);
    const events = await store.listEvents({ articleId: article.id });
    expect(events.filter((e) => e.kind === 'retraction-queued').map((e) => [e.actor, e.message])).toEqual([
      ['ana', 'retraction queued by ana: legal'],
      ['ana', 'retraction queued by ana: legal'],
    ]);
  });

  it('cancels posts still queued with who and why, and sends nothing for them', async () => {
    const outcomes = await editor().retract(article, { reason: 'wrong story', actor: 'ana', channelId: 'x-main' });
    expect(outcomes.map((o) => [o.channel, o.action])).toEqual([['x-main', 'cancelled']]);
    const [xPost] = await store.listDeliveries({ articleId: article.id, channelId: 'x-main' });
    expect(xPost).toMatchObject({ state: 'cancelled', lastError: 'retracted by ana: wrong story' });
    await worker.drain();
    expect(edge.published.map((p) => p.channelId)).toEqual(['mastodon-main']);
    expect(edge.removed).toEqual([]);
  });

  it('a post being sent when the retraction is asked for is deleted as soon as it lands', async () => {
    let land: () => void = () => undefined;
    edge.hold = (post) => (post.channelId === 'x-main' ? new Promise<void>((resolve) => (land = resolve)) : undefined);
    const running = worker.drain();
    await until(() => edge.published.some((p) => p.channelId === 'x-main'));
    const [post] = await store.listDeliveries({ articleId: article.id, channelId: 'x-main' });
    expect(post?.state).toBe('sending');
    const outcomes = await editor().retract(article, { reason: 'legal', actor: 'ana', channelId: 'x-main' });
    expect(outcomes).toMatchObject([{ action: 'queued', detail: 'the post is being sent right now: deleted as soon as it lands' }]);
    expect(edge.removed).toEqual([]);
    land();
    await running;
    const landed = await store.getDelivery(post!.id);
    expect(edge.removed).toEqual([{ remoteId: landed?.remoteId, url: landed?.remoteUrl }]);
    expect(landed?.state).toBe('retracted');
  });

  it('a retraction waits while its post has not landed (queued again after a failed try), then deletes it', async () => {
    const [post] = await store.listDeliveries({ articleId: article.id, channelId: 'mastodon-main' });
    // Queued by hand under a post that is still queued: the worker must not act before it lands.
    const [retract] = await store.addDeliveries(article.id, [{ channelId: 'mastodon-main', routeId: 'all', priority: 'breaking', dryRun: false, nextAttemptAt: now, idempotencyKey: 'r', kind: 'retract', parentId: post!.id }], { at: now, kind: 'retraction-queued', message: 'test', actor: 'ana' });
    edge.hold = (p) => (p.channelId === 'mastodon-main' ? Promise.reject(new PublishError('transient', 'ECONNREFUSED')) : undefined);
    await worker.drain();
    expect((await store.getDelivery(post!.id))?.state).toBe('pending');
    expect(await store.getDelivery(retract!)).toMatchObject({ state: 'pending', lastError: `waiting for post ${post!.id} (pending)` });
    expect(edge.removed).toEqual([]);
    edge.hold = () => undefined;
    later(3_600_000);
    await worker.drain();
    expect((await store.getDelivery(post!.id))?.state).toBe('posted');
    expect(edge.removed).toEqual([]);
    later(PARENT_SETTLE_WAIT_MS);
    await worker.drain();
    expect((await store.getDelivery(post!.id))?.state).toBe('retracted');
    expect(edge.removed).toHaveLength(1);
  });

  it('retries a deletion after an unknown outcome even on X, long past any idempotency window', async () => {
    await worker.drain();
    await editor().retract(article, { reason: 'legal', actor: 'ana', channelId: 'x-main' });
    edge.removeAnswers.push(new PublishError('unknown-outcome', 'HTTP 503 from api.x.com'), new PublishError('transient', 'ECONNREFUSED'));
    await worker.drain();
    const [first] = await byKind('retract');
    expect(first?.state).toBe('pending');
    later(3 * 3_600_000);
    await worker.drain();
    later(3 * 3_600_000);
    await worker.drain();
    expect(edge.removed).toHaveLength(3);
    expect((await byKind('retract'))[0]?.state).toBe('posted');
  });

  it('fails a refused deletion with the reason, and a second retract tries it again', async () => {
    await worker.drain();
    await editor().retract(article, { reason: 'legal', actor: 'ana', channelId: 'mastodon-main' });
    edge.removeAnswers.push(new PublishError('rejected', 'HTTP 403: This action is not allowed'));
    await worker.drain();
    const [failed] = await byKind('retract');
    expect(failed).toMatchObject({ state: 'failed', lastError: 'mastodon-main did not delete the post: HTTP 403: This action is not allowed' });
    expect((await store.listDeliveries({ articleId: article.id, channelId: 'mastodon-main', kinds: ['post'] }))[0]?.state).toBe('posted');

    const again = await editor().retract(article, { reason: 'legal', actor: 'ana', channelId: 'mastodon-main' });
    expect(again.map((o) => o.action)).toEqual(['requeued']);
    await worker.drain();
    expect((await byKind('retract'))[0]?.state).toBe('posted');
  });

  it('a post already gone counts as retracted', async () => {
    await worker.drain();
    await editor().retract(article, { reason: 'legal', actor: 'ana', channelId: 'x-main' });
    edge.removeAnswers.push('already-gone');
    await worker.drain();
    const [done] = await byKind('retract');
    expect(done?.state).toBe('posted');
    const events = await store.listEvents({ deliveryId: done!.id });
    expect(events.at(-1)?.message).toMatch(/already gone from x-main/);
  });

  it('a retraction a crash left sending is sent again on start, even on X (a deletion is safe to repeat)', async () => {
    await worker.drain();
    await editor().retract(article, { reason: 'legal', actor: 'ana', channelId: 'x-main' });
    const [retract] = await byKind('retract');
    expect(await store.transition(retract!.id, { ...MOVES.claim, set: { attemptAt: now } }, { at: now, kind: 'retraction-sending', message: 'sending', actor: 'daemon' })).toBe(true);
    expect(await restart().recover()).toBe(1);
    expect((await store.getDelivery(retract!.id))?.state).toBe('pending');
    await worker.drain();
    expect(edge.removed).toHaveLength(1);
    expect((await store.getDelivery(retract!.id))?.state).toBe('posted');
  });
});

describe('crier correct', () => {
  it('replies under each live post once, with the post as replyTo; the same words again are a no-op', async () => {
    await worker.drain();
    const posts = await byKind('post');
    const texts = async () => ({ text: 'Correction: the bridge opens in May.' });
    const first = await editor().correct(article, { texts, actor: 'ana' });
    expect(first.map((o) => o.action)).toEqual(['queued', 'queued']);
    await worker.drain();
    const replies = edge.published.filter((p) => p.replyTo !== undefined);
    expect(replies.map((r) => [r.channelId, r.text, r.replyTo?.remoteId])).toEqual(
      posts.map((p) => [p.channelId, 'Correction: the bridge opens in May.', p.remoteId]),
    );
    expect((await byKind('correct')).map((c) => c.state)).toEqual(['posted', 'posted']);
    expect((await byKind('post')).map((p) => p.state)).toEqual(['posted', 'posted']);

    const second = await editor().correct(article, { texts, actor: 'ana' });
    expect(second.map((o) => o.action)).toEqual(['already', 'already']);
    expect(await worker.drain()).toBe(0);
    expect(edge.published.filter((p) => p.replyTo !== undefined)).toHaveLength(2);

    // A retraction takes the replies down with the posts: every post Crier made of the story.
    const retracted = await editor().retract(article, { reason: 'legal', actor: 'ana', channelId: 'x-main' });
    expect(retracted.map((o) => [o.action, o.detail])).toEqual([
      ['queued', 'deletion of the post queued'],
      ['queued', 'deletion of the correction queued'],
    ]);
    await worker.drain();
    const xReply = (await byKind('correct')).find((c) => c.channelId === 'x-main');
    expect(edge.removed.map((r) => r.remoteId).sort()).toEqual([posts.find((p) => p.channelId === 'x-main')?.remoteId, xReply?.remoteId].sort());
    expect(xReply?.state).toBe('retracted');
  });

  it('a correction interrupted on X is uncertain like a post (a re-send could reply twice); on Mastodon it is re-sent with the same key', async () => {
    await worker.drain();
    await editor().correct(article, { texts: async () => ({ text: 'Correction: May.' }), actor: 'ana' });
    for (const correction of await byKind('correct')) {
      expect(await store.transition(correction.id, { ...MOVES.claim, set: { attemptAt: now } }, { at: now, kind: 'correction-sending', message: 'sending', actor: 'daemon' })).toBe(true);
    }
    await restart().recover();
    const states = Object.fromEntries((await byKind('correct')).map((c) => [c.channelId, c.state]));
    expect(states).toEqual({ 'x-main': 'uncertain', 'mastodon-main': 'pending' });
  });

  it('edits the original where asked, and replies nothing under a retracted post', async () => {
    await worker.drain();
    await editor().retract(article, { reason: 'legal', actor: 'ana', channelId: 'x-main' });
    await worker.drain();
    const outcomes = await editor().correct(article, { texts: async (post) => ({ text: 'Correction: May.', edit: `${post.text ?? ''}\n\nCorrection: May.` }), actor: 'ana' });
    expect(outcomes.map((o) => [o.channel, o.kind, o.action])).toEqual([
      ['x-main', 'correct', 'skipped'],
      ['mastodon-main', 'correct', 'queued'],
      ['mastodon-main', 'edit', 'queued'],
    ]);
    await worker.drain();
    expect(edge.edited).toHaveLength(1);
    expect(edge.edited[0]?.text).toMatch(/\n\nCorrection: May\.$/);
    expect((await byKind('edit'))[0]?.state).toBe('posted');
  });
});

import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../src/config/schema.js';
import { editorActions } from '../../src/delivery/editor-actions.js';
import { MOVES } from '../../src/delivery/lifecycle.js';
import { createWorker } from '../../src/delivery/worker.js';
import { planIngest } from '../../src/ingest/plan-ingest.js';
import type { OutboundPost, PlatformAdapter, Receipt } from '../../src/platforms/contract.js';
import { PublishError } from '../../src/platforms/errors.js';
import { platformFor } from '../../src/platforms/registry.js';
import { createTemplateEngine } from '../../src/render/templates.js';
import type { ChannelRuntime } from '../../src/runtime/channels.js';
import { BUILTIN_TEMPLATES_DIR, type TemplateSet } from '../../src/runtime/templates.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { silentObserver, type Observer } from '../../src/observe/observer.js';
import type { ArticleRecheck } from '../../src/delivery/recheck-article.js';
import type { ArticleUrlCheck } from '../../src/platforms/check-article-url.js';
import type { Article } from '../../src/articles/article.js';
import { makeArticle } from '../support/articles.js';
import { memoryChannelState } from '../support/channel-state.js';

/** An adapter whose answers the test scripts, recording every post it was handed. */
function scriptedAdapter(answers: (Receipt | PublishError)[]): PlatformAdapter & { posts: OutboundPost[] } {
  const posts: OutboundPost[] = [];
  return {
    posts,
    async verify() {
      return { account: '@test' };
    },
    async prepare(post) {
      return { key: `prepared-for-${post.deliveryId}` };
    },
    async publish(post) {
      posts.push(post);
      const answer = answers.shift();
      if (!answer) throw new Error('no scripted answer left');
      if (answer instanceof PublishError) throw answer;
      return answer;
    },
  };
}

const engine = createTemplateEngine();
const templates: TemplateSet = {
  pathFor: (channelId) => `${BUILTIN_TEMPLATES_DIR}/${channelId.split('-')[0]}.hbs`,
  forDelivery: (channelId) => engine.compileFile(`${BUILTIN_TEMPLATES_DIR}/${channelId.split('-')[0]}.hbs`),
};

let store: SqliteStore;
let now: Date;
beforeEach(async () => {
  store = openSqliteStore(':memory:');
  await store.migrate();
  now = new Date('2026-11-29T12:00:00Z');
});
afterEach(() => store.close());

async function setup(channel: ChannelConfig, adapter: PlatformAdapter, observer?: Observer, recheck?: ArticleRecheck, story: Partial<Article> = {}) {
  const runtime: ChannelRuntime = {
    config: channel,
    platform: platformFor(channel),
    adapter,
    textRules: () => platformFor(channel).textRules(channel, {
      logger: pino({ level: 'silent' }),
      now: () => now,
      channelState: memoryChannelState(),
    }),
  };
  const routing = { routes: [{ id: 'all', channels: [channel.id], priority: 'normal' as const }], channels: new Map([[channel.id, channel]]), configDir: '/' };
  await store.ingest('news', planIngest([makeArticle({ key: 'seed' })], undefined, { backfill: 0, maxAgeMs: 86_400_000 }, routing, now), { sourceId: 'news', consecutiveFailures: 0, initializedAt: now }, now);
  const state = await store.getSourceState('news');
  await store.ingest('news', planIngest([makeArticle({ key: 'story', publishedAt: now, ...story })], state, { backfill: 0, maxAgeMs: 86_400_000 }, routing, now), { sourceId: 'news', consecutiveFailures: 0, initializedAt: now }, now);
  return createWorker({
    store,
    channels: new Map([[channel.id, runtime]]),
    templates,
    logger: pino({ level: 'silent' }),
    now: () => now,
    random: () => 0.5,
    defaultLanguage: 'en',
    ...(observer ? { observer } : {}),
    recheck,
  });
}

const x: ChannelConfig = { id: 'x-main', platform: 'x', dryRun: false, images: true };
const mastodon: ChannelConfig = { id: 'mastodon-main', platform: 'mastodon', dryRun: false, images: true, instance: 'https://m.example', visibility: 'public', maxCharacters: 500 };

describe('worker', () => {
  it('posts, persisting the text and prepared material before the send', async () => {
    const adapter = scriptedAdapter([{ remoteId: '42', url: 'https://x.com/i/web/status/42' }]);
    const worker = await setup(x, adapter);
    expect(await worker.drain()).toBe(1);
    const [delivery] = await store.listDeliveries({});
    expect(delivery).toMatchObject({ state: 'posted', remoteId: '42', attempts: 1, prepared: '{"key":"prepared-for-1"}' });
    expect(delivery?.text).toBe(adapter.posts[0]?.text);
    expect(adapter.posts[0]?.prepared).toEqual({ key: 'prepared-for-1' });
  });

  it('refuses a post whose headline carries U+FFFD, with the reason, and sends nothing', async () => {
    const adapter = scriptedAdapter([]);
    const worker = await setup(x, adapter, undefined, undefined, { title: 'Caf\uFFFD owners protest new rent rules' });
    await worker.drain();
    const [delivery] = await store.listDeliveries({});
    expect(delivery?.state).toBe('failed');
    expect(delivery?.lastError).toMatch(/^channel x-main: the headline contains U\+FFFD, the replacement character .* near "Caf\uFFFD owners/);
    expect(adapter.posts).toEqual([]);
  });

  it('marks an unknown outcome on X uncertain (no idempotency), never retrying blindly', async () => {
    const adapter = scriptedAdapter([new PublishError('unknown-outcome', 'HTTP 503 from api.x.com')]);
    const worker = await setup(x, adapter);
    await worker.drain();
    now = new Date(now.getTime() + 3_600_000);
    await worker.drain();
    expect(adapter.posts).toHaveLength(1);
    const [delivery] = await store.listDeliveries({});
    expect(delivery?.state).toBe('uncertain');
    expect(delivery?.lastError).toMatch(/may have gone out/);
  });

  it('retries an unknown outcome on Mastodon with the same text and key inside the hour', async () => {
    const adapter = scriptedAdapter([new PublishError('unknown-outcome', 'timeout'), { remoteId: '7' }]);
    const worker = await setup(mastodon, adapter);
    await worker.drain();
    const [waiting] = await store.listDeliveries({});
    expect(waiting?.state).toBe('pending');
    now = waiting?.nextAttemptAt ?? now;
    await worker.drain();
    expect(adapter.posts).toHaveLength(2);
    expect(adapter.posts[1]?.idempotencyKey).toBe(adapter.posts[0]?.idempotencyKey);
    expect(adapter.posts[1]?.text).toBe(adapter.posts[0]?.text);
    expect((await store.listDeliveries({}))[0]).toMatchObject({ state: 'posted', attempts: 2 });
  });

  it('waits for a rate limit reset and fails a rejected post with the reason', async () => {
    const reset = new Date(now.getTime() + 900_000);
    const adapter = scriptedAdapter([
      new PublishError('rate-limited', '429', { resetAt: reset }),
      new PublishError('rejected', 'Text is too long'),
    ]);
    const worker = await setup(x, adapter);
    await worker.drain();
    expect((await store.listDeliveries({}))[0]?.nextAttemptAt).toEqual(reset);
    expect(await worker.drain()).toBe(0);
    now = reset;
    await worker.drain();
    expect((await store.listDeliveries({}))[0]).toMatchObject({ state: 'failed', lastError: 'Text is too long' });
  });

  it('counts an "already posted" answer (X duplicate) as posted, not failed', async () => {
    const adapter = scriptedAdapter([new PublishError('rejected', 'X refused a duplicate post', { alreadyPosted: true })]);
    const worker = await setup(x, adapter);
    await worker.drain();
    const [delivery] = await store.listDeliveries({});
    expect(delivery?.state).toBe('posted');
    expect(delivery?.lastError).toMatch(/already on the account/);
  });

  it('retries later, without counting an attempt, when preparing fails before anything is sent', async () => {
    const adapter = scriptedAdapter([{ remoteId: '1' }]);
    let failPrepare = true;
    const prepare = adapter.prepare?.bind(adapter);
    adapter.prepare = async (post) => {
      if (failPrepare) throw new PublishError('transient', 'could not upload the thumbnail');
      return prepare?.(post);
    };
    const worker = await setup(mastodon, adapter);
    await worker.drain();
    const [waiting] = await store.listDeliveries({});
    expect(waiting).toMatchObject({ state: 'pending', attempts: 0, prepared: undefined });
    expect(adapter.posts).toHaveLength(0);
    failPrepare = false;
    now = waiting?.nextAttemptAt ?? now;
    await worker.drain();
    expect((await store.listDeliveries({}))[0]).toMatchObject({ state: 'posted', attempts: 1 });
  });

  it('does not send a delivery that was cancelled while it was being prepared', async () => {
    const adapter = scriptedAdapter([{ remoteId: '1' }]);
    const worker = await setup(mastodon, adapter);
    const [delivery] = await store.listDeliveries({});
    if (!delivery) throw new Error('no delivery');
    adapter.prepare = async () => {
      await editorActions({ store, now: () => now }).cancel(delivery.id, 'ana', 'by editor');
      return { key: 'k' };
    };
    await worker.drain();
    expect(adapter.posts).toHaveLength(0);
    expect((await store.getDelivery(delivery.id))?.state).toBe('cancelled');
  });

  it('holds the whole channel on auth failure: the next delivery is not attempted', async () => {
    const adapter = scriptedAdapter([new PublishError('auth', 'token revoked')]);
    const worker = await setup(mastodon, adapter);
    const routing = { routes: [{ id: 'all', channels: [mastodon.id], priority: 'normal' as const }], channels: new Map([[mastodon.id, mastodon]]), configDir: '/' };
    await store.ingest('news', planIngest([makeArticle({ key: 'second', publishedAt: now })], await store.getSourceState('news'), { backfill: 0, maxAgeMs: 86_400_000 }, routing, now), { sourceId: 'news', consecutiveFailures: 0, initializedAt: now }, now);
    expect(await worker.drain()).toBe(1);
    expect(adapter.posts).toHaveLength(1);
    const states = (await store.listDeliveries({})).map((d) => [d.state, d.attempts]);
    // The refused try does not count as an attempt: no attempts are burned while the channel waits.
    expect(states).toEqual([
      ['pending', 0],
      ['pending', 0],
    ]);
    expect(await store.listHolds(now, mastodon.id)).toMatchObject([{ kind: 'auth', reason: 'token revoked', by: 'daemon' }]);
  });

  it('stops sending when a response says no requests remain, until the reset', async () => {
    const resetAt = new Date(now.getTime() + 600_000);
    const adapter = scriptedAdapter([{ remoteId: '1', rateLimit: { remaining: 0, resetAt } }, { remoteId: '2' }]);
    const worker = await setup(mastodon, adapter);
    const routing = { routes: [{ id: 'all', channels: [mastodon.id], priority: 'normal' as const }], channels: new Map([[mastodon.id, mastodon]]), configDir: '/' };
    await store.ingest('news', planIngest([makeArticle({ key: 'second', publishedAt: now })], await store.getSourceState('news'), { backfill: 0, maxAgeMs: 86_400_000 }, routing, now), { sourceId: 'news', consecutiveFailures: 0, initializedAt: now }, now);
    await worker.drain();
    expect(adapter.posts).toHaveLength(1);
    now = resetAt;
    await worker.drain();
    expect(adapter.posts).toHaveLength(2);
  });

  it('waits for the channel spacing, but lets a breaking post through', async () => {
    const spaced: ChannelConfig = { ...mastodon, schedule: { timezone: 'UTC', minSpacing: 600_000 } };
    const adapter = scriptedAdapter([{ remoteId: '1' }, { remoteId: '2' }, { remoteId: '3' }]);
    const worker = await setup(spaced, adapter);
    const routing = { routes: [{ id: 'all', channels: [spaced.id], priority: 'normal' as const }], channels: new Map([[spaced.id, spaced]]), configDir: '/' };
    const state = await store.getSourceState('news');
    await store.ingest('news', planIngest([makeArticle({ key: 'normal-2', publishedAt: now })], state, { backfill: 0, maxAgeMs: 86_400_000 }, routing, now), { sourceId: 'news', consecutiveFailures: 0, initializedAt: now }, now);
    await worker.drain();
    expect(adapter.posts.map((p) => p.article.key)).toEqual(['story']);
    await store.ingest('news', planIngest([makeArticle({ key: 'urgent', publishedAt: now })], state, { backfill: 0, maxAgeMs: 86_400_000 }, { ...routing, routes: [{ ...routing.routes[0]!, priority: 'breaking' as const }] }, now), { sourceId: 'news', consecutiveFailures: 0, initializedAt: now }, now);
    await worker.drain();
    expect(adapter.posts.map((p) => p.article.key)).toEqual(['story', 'urgent']);
    now = new Date(now.getTime() + 600_000);
    await worker.drain();
    expect(adapter.posts.map((p) => p.article.key)).toEqual(['story', 'urgent', 'normal-2']);
  });

  it.each([
    [mastodon, 'pending'],
    [x, 'uncertain'],
  ] as const)('settles a delivery a crash left sending on %s: re-send only where safe, else uncertain and alerted', async (channel, expected) => {
    const reported: string[] = [];
    const observer: Observer = { ...silentObserver, delivered: (channelId, state) => void reported.push(`${channelId} ${state}`) };
    const worker = await setup(channel, scriptedAdapter([]), observer);
    const [delivery] = await store.listDeliveries({ channelId: channel.id });
    if (!delivery) throw new Error('no delivery');
    expect(await store.transition(delivery.id, { ...MOVES.claim, set: { text: 't', attemptAt: now } }, { at: now, kind: 'delivery-sending', message: 'sending', actor: 'daemon' })).toBe(true);
    expect(await worker.recover()).toBe(1);
    expect((await store.getDelivery(delivery.id))?.state).toBe(expected);
    const events = await store.listEvents({ deliveryId: delivery.id });
    expect(events.at(-1)?.message).toMatch(/interrupted while sending/);
    expect(reported).toEqual(expected === 'uncertain' ? [`${channel.id} uncertain`] : []);
  });

  describe('re-checking the article before a delayed send', () => {
    const MINUTE = 60_000;
    /** A checker that answers from a script and counts what it was asked. */
    function checker(answer: ArticleUrlCheck | Error) {
      const asked: string[] = [];
      const recheck: ArticleRecheck = {
        afterMs: 2 * MINUTE,
        async check(url) {
          asked.push(url);
          if (answer instanceof Error) throw answer;
          return answer;
        },
      };
      return { asked, recheck };
    }

    it('never checks a fresh delivery', async () => {
      const adapter = scriptedAdapter([{ remoteId: '1' }]);
      const { asked, recheck } = checker({ kind: 'gone', status: 404, finalUrl: 'x' });
      const worker = await setup(x, adapter, undefined, recheck);
      now = new Date(now.getTime() + 2 * MINUTE);
      await worker.drain();
      expect(asked).toEqual([]);
      expect(adapter.posts).toHaveLength(1);
    });

    for (const status of [404, 410] as const) {
      it(`cancels a delivery that waited when its article answers ${status}, with an event and a report`, async () => {
        const adapter = scriptedAdapter([{ remoteId: '1' }]);
        const { asked, recheck } = checker({ kind: 'gone', status, finalUrl: 'x' });
        const reports: string[] = [];
        const observer: Observer = { ...silentObserver, articleGone: (channelId, detail) => void reports.push(`${channelId} ${detail.status} ${detail.deliveryId}`) };
        const worker = await setup(x, adapter, observer, recheck);
        now = new Date(now.getTime() + 2 * MINUTE + 1);
        await worker.drain();
        const [delivery] = await store.listDeliveries({});
        expect(asked).toEqual(['https://news.example.org/2026/11/29/story']);
        expect(adapter.posts).toEqual([]);
        expect(delivery).toMatchObject({ state: 'cancelled', lastError: 'article gone' });
        expect(reports).toEqual([`x-main ${status} ${delivery?.id}`]);
        const events = await store.listEvents({ deliveryId: delivery?.id });
        expect(events.at(-1)).toMatchObject({ kind: 'article-gone', actor: 'daemon', message: `article gone: https://news.example.org/2026/11/29/story answered HTTP ${status}` });
      });
    }

    const sendsAnyway: [string, ArticleUrlCheck | Error][] = [
      ['a 5xx', { kind: 'live', status: 503 }],
      ['no answer', { kind: 'unknown', reason: 'connect ECONNREFUSED' }],
      ['a checker that throws', new Error('boom')],
      ['a live page', { kind: 'live', status: 200 }],
    ];
    for (const [what, answer] of sendsAnyway) {
      it(`sends a delivery that waited as usual on ${what}`, async () => {
        const adapter = scriptedAdapter([{ remoteId: '1' }]);
        const { asked, recheck } = checker(answer);
        const worker = await setup(x, adapter, undefined, recheck);
        now = new Date(now.getTime() + 10 * MINUTE);
        await worker.drain();
        expect(asked).toHaveLength(1);
        expect(adapter.posts).toHaveLength(1);
        expect((await store.listDeliveries({}))[0]?.state).toBe('posted');
      });
    }
  });
});

import { describe, expect, it } from 'vitest';
import { MOVES, titleReposts } from '../../src/delivery/lifecycle.js';
import { planPulled } from '../../src/ingest/plan-ingest.js';
import type { IngestItem } from '../../src/store/store.js';
import { makeArticle } from '../support/articles.js';
import { at, deliver, event, HOUR, newDelivery, only, record, secondHandle, seed, sourceState, T0, type Ctx } from './harness.js';

const NO_CHANGE = { recorded: 0, deliveriesCreated: 0, known: 0, duplicates: 0, updated: 0, reposts: 0, pulled: 0 };

/** Sources, articles and ingest: what a poll records, and what it never records twice. */
export function ingestCases(ctx: Ctx): void {
  describe('schema', () => {
    it('migrate twice is harmless: the data stays', async () => {
      const { articleId } = await seed(ctx.store, 'a', [newDelivery('x')]);
      await ctx.store.migrate();
      expect((await ctx.store.getArticle(articleId))?.title).toBe('Story a');
      expect(await ctx.store.listDeliveries({})).toHaveLength(1);
    });
  });

  describe('source state', () => {
    it('round-trips every field, and a later save replaces the earlier one whole', async () => {
      expect(await ctx.store.getSourceState('news')).toBeUndefined();
      const full = {
        sourceId: 'news',
        initializedAt: at(-HOUR),
        etag: '"abc"',
        lastModified: 'Sun, 29 Nov 2026 11:00:00 GMT',
        bodyHash: 'sha256:1',
        cursor: '{"after":"2026-11-29T11:00:00Z"}',
        nextPollAt: at(60_000),
        lastPollAt: T0,
        lastOkAt: at(-1000),
        consecutiveFailures: 2,
        lastError: 'HTTP 503',
      };
      await ctx.store.saveSourceState(full);
      expect(await ctx.store.getSourceState('news')).toEqual(full);
      await ctx.store.saveSourceState({ sourceId: 'news', consecutiveFailures: 0, lastPollAt: at(1000) });
      expect(await ctx.store.getSourceState('news')).toEqual({
        sourceId: 'news',
        initializedAt: undefined,
        etag: undefined,
        lastModified: undefined,
        bodyHash: undefined,
        cursor: undefined,
        nextPollAt: undefined,
        lastPollAt: at(1000),
        lastOkAt: undefined,
        consecutiveFailures: 0,
        lastError: undefined,
      });
      await ctx.store.saveSourceState(sourceState('alpha'));
      expect((await ctx.store.listSourceStates()).map((s) => s.sourceId)).toEqual(['alpha', 'news']);
    });
  });

  describe('ingest', () => {
    it('records a new article with its deliveries, their events and the source state in one call', async () => {
      const article = makeArticle({ key: 'a', image: { url: 'https://news.example.org/a.jpg', alt: 'A photo' }, language: 'de', updatedAt: at(-HOUR) });
      const state = sourceState('news', { etag: '"v1"', nextPollAt: at(HOUR) });
      const result = await ctx.store.ingest('news', [deliver(article, [newDelivery('x', { template: 'short', priority: 'breaking', dryRun: true }), newDelivery('masto', { nextAttemptAt: at(HOUR) })])], state, T0);
      expect(result).toEqual({ ...NO_CHANGE, recorded: 1, deliveriesCreated: 2 });
      expect(await ctx.store.getSourceState('news')).toMatchObject({ etag: '"v1"', nextPollAt: at(HOUR) });

      const stored = only(await ctx.store.findArticleByUrl(article.canonicalUrl), 'article');
      expect(typeof stored.id).toBe('number');
      expect(stored).toEqual({ ...article, id: stored.id, firstSeenAt: T0, duplicateOf: undefined });
      expect(await ctx.store.getArticle(stored.id)).toEqual(stored);

      const deliveries = await ctx.store.listDeliveries({ articleId: stored.id });
      expect(deliveries.map((d) => d.channelId)).toEqual(['x', 'masto']);
      expect(deliveries[0]).toEqual({
        id: deliveries[0]?.id,
        articleId: stored.id,
        channelId: 'x',
        routeId: 'all',
        template: 'short',
        state: 'pending',
        priority: 'breaking',
        dryRun: true,
        attempts: 0,
        nextAttemptAt: T0,
        firstAttemptAt: undefined,
        lastAttemptAt: undefined,
        lastError: undefined,
        text: undefined,
        idempotencyKey: 'key-x',
        prepared: undefined,
        remoteId: undefined,
        remoteUrl: undefined,
        createdAt: T0,
        updatedAt: T0,
        postedAt: undefined,
        kind: 'post',
        parentId: undefined,
        checkAt: undefined,
        checks: 0,
      });
      expect(deliveries[1]).toMatchObject({ template: undefined, priority: 'normal', dryRun: false, nextAttemptAt: at(HOUR) });
      expect(await ctx.store.getDelivery(only(deliveries[1]).id)).toEqual(deliveries[1]);

      const events = await ctx.store.listEvents({ articleId: stored.id });
      expect(events.map((e) => [e.kind, e.deliveryId, e.channelId, e.sourceId, e.actor])).toEqual([
        ['article-new', undefined, undefined, 'news', 'daemon'],
        ['delivery-created', deliveries[0]?.id, 'x', 'news', 'daemon'],
        ['delivery-created', deliveries[1]?.id, 'masto', 'news', 'daemon'],
      ]);
      expect(events[0]?.message).toBe('new article');
    });

    it('records without delivering when the plan says so (a first poll posts nothing)', async () => {
      const article = makeArticle({ key: 'a' });
      const result = await ctx.store.ingest('news', [record(article)], sourceState('news'), T0);
      expect(result).toEqual({ ...NO_CHANGE, recorded: 1 });
      expect(await ctx.store.listDeliveries({})).toEqual([]);
      const events = await ctx.store.listEvents({});
      expect(events.map((e) => [e.kind, e.message])).toEqual([['article-recorded', 'present at the first poll of this source; not posted']]);
      expect(await ctx.store.getSourceState('news')).toMatchObject({ initializedAt: T0 });
    });

    it('knows an article again by its key: nothing new, whatever the plan', async () => {
      await seed(ctx.store, 'a', [newDelivery('x')]);
      const again = await ctx.store.ingest('news', [deliver(makeArticle({ key: 'a' }), [newDelivery('x'), newDelivery('masto')])], sourceState('news'), at(HOUR));
      expect(again).toEqual({ ...NO_CHANGE, known: 1 });
      expect(await ctx.store.listDeliveries({})).toHaveLength(1);
    });

    it('knows the same story from another source by canonical URL: recorded as a duplicate, never posted twice', async () => {
      const { articleId } = await seed(ctx.store, 'a', [newDelivery('x')]);
      const wire = makeArticle({ key: 'wire-a', sourceId: 'wire', url: 'https://news.example.org/2026/11/29/a?utm_source=wire', canonicalUrl: 'https://news.example.org/2026/11/29/a' });
      const result = await ctx.store.ingest('wire', [deliver(wire, [newDelivery('x', { routeId: 'wire' }), newDelivery('masto', { routeId: 'wire' })])], sourceState('wire'), at(HOUR));
      // The wire's route reaches masto, which the first source's did not: it gets the story once.
      expect(result).toEqual({ ...NO_CHANGE, duplicates: 1, deliveriesCreated: 1 });
      const deliveries = await ctx.store.listDeliveries({});
      expect(deliveries.map((d) => [d.articleId, d.channelId])).toEqual([
        [articleId, 'x'],
        [articleId, 'masto'],
      ]);
      expect(await ctx.store.findArticleByUrl(wire.canonicalUrl)).toMatchObject({ id: articleId, sourceId: 'news', duplicateOf: undefined });
      const duplicate = (await ctx.store.listEvents({})).find((e) => e.kind === 'article-duplicate');
      const copy = only(await ctx.store.getArticle(only(duplicate?.articleId, 'duplicate id')), 'duplicate');
      expect(copy).toMatchObject({ sourceId: 'wire', key: 'wire-a', duplicateOf: articleId });
    });

    it('a duplicate of a story that was only recorded is not posted either', async () => {
      await ctx.store.ingest('news', [record(makeArticle({ key: 'a' }))], sourceState('news'), T0);
      const wire = makeArticle({ key: 'wire-a', sourceId: 'wire', canonicalUrl: makeArticle({ key: 'a' }).canonicalUrl });
      const result = await ctx.store.ingest('wire', [deliver(wire, [newDelivery('x')])], sourceState('wire'), T0);
      expect(result).toEqual({ ...NO_CHANGE, duplicates: 1 });
      expect(await ctx.store.listDeliveries({})).toEqual([]);
    });

    it('items without a link are told apart by key only', async () => {
      const items: IngestItem[] = [deliver(makeArticle({ key: 'a', url: '', canonicalUrl: '' }), [newDelivery('x')]), deliver(makeArticle({ key: 'b', url: '', canonicalUrl: '' }), [newDelivery('x')])];
      expect(await ctx.store.ingest('news', items, sourceState('news'), T0)).toEqual({ ...NO_CHANGE, recorded: 2, deliveriesCreated: 2 });
    });

    it('an edited article is updated, never posted as new', async () => {
      const { articleId } = await seed(ctx.store, 'a', [newDelivery('x')]);
      const edited = makeArticle({ key: 'a', title: 'Story a, corrected', updatedAt: at(HOUR) });
      const result = await ctx.store.ingest('news', [deliver(edited, [newDelivery('x'), newDelivery('masto')])], sourceState('news'), at(HOUR));
      expect(result).toEqual({ ...NO_CHANGE, updated: 1 });
      expect(await ctx.store.getArticle(articleId)).toMatchObject({ title: 'Story a, corrected', updatedAt: at(HOUR), firstSeenAt: T0 });
      expect(await ctx.store.listDeliveries({})).toHaveLength(1);
      const updates = (await ctx.store.listEvents({ articleId })).filter((e) => e.kind === 'article-updated');
      expect(updates.map((e) => e.message)).toEqual(['title changed from "Story a"']);

      const touched = { ...edited, updatedAt: at(2 * HOUR) };
      expect(await ctx.store.ingest('news', [deliver(touched, [])], sourceState('news'), at(2 * HOUR))).toEqual({ ...NO_CHANGE, updated: 1 });
      const messages = (await ctx.store.listEvents({ articleId })).filter((e) => e.kind === 'article-updated').map((e) => e.message);
      expect(messages).toEqual(['title changed from "Story a"', 'article updated']);
    });

    it('a changed headline is reposted where a route asks: added, reposted under a new key, re-keyed, or left alone while sending', async () => {
      const channels = ['posted', 'queued', 'sending'].map((c) => newDelivery(c, { idempotencyKey: `old-${c}` }));
      const { articleId, ids } = await seed(ctx.store, 'a', channels);
      const claim = { ...MOVES.claim, set: { text: 'old text', prepared: '{"old":true}', attemptAt: T0 } };
      for (const channel of ['posted', 'sending']) expect(await ctx.store.transition(only(ids[channel]), claim, event('delivery-sending'))).toBe(true);
      expect(await ctx.store.transition(only(ids.posted), { ...MOVES.posted, set: { remoteId: 'r1', remoteUrl: 'https://x.example/r1', postedAt: T0 } }, event('delivery-posted'))).toBe(true);

      const retitled = makeArticle({ key: 'a', title: 'New headline' });
      const wanted = ['posted', 'queued', 'sending', 'fresh'].map((c) => newDelivery(c, { idempotencyKey: `new-${c}`, nextAttemptAt: at(HOUR) }));
      const item: IngestItem = { ...deliver(retitled, wanted), onTitleChange: titleReposts(wanted) };
      const result = await ctx.store.ingest('news', [item], sourceState('news'), at(HOUR));
      expect(result).toEqual({ ...NO_CHANGE, updated: 1, reposts: 3, deliveriesCreated: 1 });

      const byChannel = new Map((await ctx.store.listDeliveries({ articleId })).map((d) => [d.channelId, d]));
      expect(byChannel.get('posted')).toMatchObject({
        state: 'pending',
        idempotencyKey: 'new-posted',
        nextAttemptAt: at(HOUR),
        attempts: 0,
        text: undefined,
        prepared: undefined,
        remoteId: undefined,
        remoteUrl: undefined,
        firstAttemptAt: undefined,
        lastAttemptAt: undefined,
        postedAt: undefined,
      });
      expect(byChannel.get('queued')).toMatchObject({ state: 'pending', idempotencyKey: 'new-queued', nextAttemptAt: T0 });
      expect(byChannel.get('sending')).toMatchObject({ state: 'sending', idempotencyKey: 'old-sending', text: 'old text' });
      expect(byChannel.get('fresh')).toMatchObject({ state: 'pending', idempotencyKey: 'new-fresh', nextAttemptAt: at(HOUR) });
      const reposts = await ctx.store.listEvents({ articleId });
      expect(reposts.filter((e) => e.kind === 'delivery-repost').map((e) => e.channelId)).toEqual(['posted', 'queued']);

      // The same headline, touched again, is an update: no repost.
      const again = await ctx.store.ingest('news', [{ ...item, article: { ...retitled, updatedAt: at(2 * HOUR) } }], sourceState('news'), at(2 * HOUR));
      expect(again).toEqual({ ...NO_CHANGE, updated: 1 });
    });
  });

  describe('pulled stories', () => {
    it('a story its source pulled has its pending deliveries cancelled in the ingest, with the state saved; sending and posted ones are left alone', async () => {
      const { articleId, ids } = await seed(ctx.store, 'a', ['queued', 'sending', 'posted'].map((c) => newDelivery(c)));
      await seed(ctx.store, 'b', [newDelivery('queued')]);
      const claim = { ...MOVES.claim, set: { text: 'text', prepared: '{}', attemptAt: T0 } };
      for (const channel of ['sending', 'posted']) expect(await ctx.store.transition(only(ids[channel]), claim, event('delivery-sending'))).toBe(true);
      expect(await ctx.store.transition(only(ids.posted), { ...MOVES.posted, set: { remoteId: 'r1', postedAt: T0 } }, event('delivery-posted'))).toBe(true);

      const state = sourceState('news', { cursor: '{"pulled":true}' });
      const result = await ctx.store.ingest('news', [], state, at(HOUR), planPulled([makeArticle({ key: 'a' }).key, 'never-seen']));
      expect(result).toEqual({ ...NO_CHANGE, pulled: 1 });
      expect((await ctx.store.getSourceState('news'))?.cursor).toBe('{"pulled":true}');
      const byChannel = new Map((await ctx.store.listDeliveries({ articleId })).map((d) => [d.channelId, d]));
      expect([...byChannel.values()].map((d) => [d.channelId, d.state, d.lastError])).toEqual([
        ['queued', 'cancelled', 'article pulled'],
        ['sending', 'sending', undefined],
        ['posted', 'posted', undefined],
      ]);
      const pulled = (await ctx.store.listEvents({ articleId })).filter((e) => e.kind === 'article-pulled');
      expect(pulled.map((e) => [e.deliveryId, e.sourceId, e.message])).toEqual([[ids.queued, 'news', 'cancelled: article pulled (source news)']]);
      // Another article's deliveries are untouched; pulling again does nothing.
      expect((await ctx.store.listDeliveries({ states: ['pending'] })).map((d) => d.channelId)).toEqual(['queued']);
      expect(await ctx.store.ingest('news', [], state, at(2 * HOUR), planPulled([makeArticle({ key: 'a' }).key]))).toEqual(NO_CHANGE);
    });

    it('a pulled duplicate cancels the deliveries of the original story (the same canonical URL)', async () => {
      const { articleId, ids } = await seed(ctx.store, 'a', [newDelivery('x')]);
      const wire = makeArticle({ key: 'wire-a', sourceId: 'wire', canonicalUrl: makeArticle({ key: 'a' }).canonicalUrl });
      await ctx.store.ingest('wire', [deliver(wire, [newDelivery('x')])], sourceState('wire'), at(HOUR));
      const result = await ctx.store.ingest('wire', [], sourceState('wire'), at(2 * HOUR), planPulled([wire.key]));
      expect(result.pulled).toBe(1);
      expect(await ctx.store.getDelivery(only(ids.x))).toMatchObject({ articleId, state: 'cancelled', lastError: 'article pulled' });
    });
  });

  describe('ingest on several handles at once', () => {
    it('the same story arriving on three replicas at once (two by key, one by URL) is recorded once and delivered once', async () => {
      const [b, c] = [await secondHandle(ctx), await secondHandle(ctx)];
      for (const key of ['r1', 'r2', 'r3', 'r4', 'r5']) {
        const article = makeArticle({ key });
        const wire = makeArticle({ key: `wire-${key}`, sourceId: 'wire', canonicalUrl: article.canonicalUrl });
        const results = await Promise.all([
          ctx.store.ingest('news', [deliver(article, [newDelivery('x')])], sourceState('news'), T0),
          b.ingest('news', [deliver(article, [newDelivery('x')])], sourceState('news'), T0),
          c.ingest('wire', [deliver(wire, [newDelivery('x')])], sourceState('wire'), T0),
        ]);
        const sum = (field: keyof (typeof results)[number]) => results.reduce((n, r) => n + r[field], 0);
        expect([sum('recorded'), sum('known') + sum('duplicates'), sum('deliveriesCreated')]).toEqual([1, 2, 1]);
        const original = only(await ctx.store.findArticleByUrl(article.canonicalUrl));
        expect(original.duplicateOf).toBeUndefined();
        expect((await ctx.store.listDeliveries({ articleId: original.id })).map((d) => d.channelId)).toEqual(['x']);
      }
      expect(await ctx.store.listDeliveries({})).toHaveLength(5);
    });
  });

  describe('articles outside a poll', () => {
    it('getArticle and findArticleByUrl miss unknown ones', async () => {
      expect(await ctx.store.getArticle(12345)).toBeUndefined();
      expect(await ctx.store.findArticleByUrl('https://nowhere.example/')).toBeUndefined();
    });

    it('recordArticle records a new one with its event, and returns the known one by key or canonical URL', async () => {
      const article = makeArticle({ key: 'manual-1', sourceId: 'manual' });
      const stored = await ctx.store.recordArticle(article, T0, event('article-recorded', T0, { actor: 'ana' }));
      expect(stored).toEqual({ ...article, id: stored.id, firstSeenAt: T0, duplicateOf: undefined });
      expect(await ctx.store.listEvents({ articleId: stored.id })).toMatchObject([{ kind: 'article-recorded', actor: 'ana', articleId: stored.id }]);

      expect(await ctx.store.recordArticle({ ...article, title: 'Other' }, at(HOUR), event('again'))).toEqual(stored);
      const sameUrl = makeArticle({ key: 'manual-2', sourceId: 'manual', url: article.url });
      expect((await ctx.store.recordArticle(sameUrl, at(HOUR), event('again'))).id).toBe(stored.id);
      expect(await ctx.store.listEvents({})).toHaveLength(1);
    });

    it('recordArticle on two handles at once records the article once', async () => {
      const other = await secondHandle(ctx);
      const article = makeArticle({ key: 'manual-race', sourceId: 'manual' });
      const [one, two] = await Promise.all([ctx.store.recordArticle(article, T0, event('recorded')), other.recordArticle(article, T0, event('recorded'))]);
      expect(one.id).toBe(two.id);
      expect(await ctx.store.listEvents({})).toHaveLength(1);
    });
  });
}

import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { checkWebUrl, withUsableUrls } from '../../src/articles/url-policy.js';
import type { ResolvedSource } from '../../src/config/load.js';
import type { ChannelConfig } from '../../src/config/schema.js';
import { planIngest } from '../../src/ingest/plan-ingest.js';
import { routeArticle, type RoutingRoute, type RoutingTable } from '../../src/ingest/route-article.js';
import { articleFromHtml } from '../../src/sources/page/page-article.js';
import { ingestPushed } from '../../src/sources/poll-source.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { makeArticle } from '../support/articles.js';
import { tempDir } from '../support/temp-dir.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const PAGE = 'https://news.example.org/2026/harbour-bridge';

describe('the URL policy at the article boundary', () => {
  it('keeps http(s) URLs and drops every other scheme, with the reason', () => {
    expect(checkWebUrl('https://news.example.org/a?b=1#c')).toEqual({ ok: true, url: 'https://news.example.org/a?b=1#c' });
    expect(checkWebUrl('/relative', PAGE)).toEqual({ ok: true, url: 'https://news.example.org/relative' });
    for (const bad of ['javascript:alert(1)', ' JavaScript:alert(document.cookie)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'ftp://news.example.org/x', 'vbscript:x']) {
      expect(checkWebUrl(bad, PAGE)).toMatchObject({ ok: false, reason: expect.stringMatching(/scheme .* is not http\(s\)/) });
    }
    expect(checkWebUrl('/relative')).toEqual({ ok: false, reason: 'not an absolute URL' });
    expect(checkWebUrl('https://editor:hunter2@news.example.org/a')).toEqual({ ok: false, reason: 'carries a user name or password' });
  });

  it('drops an unusable link (and its canonical URL), rebuilds an unusable canonical URL from a good link, and leaves off a bad image', () => {
    const js = withUsableUrls(makeArticle({ key: 'js', url: 'javascript:alert(1)', canonicalUrl: 'javascript:alert(1)' }));
    expect(js.article).toMatchObject({ url: '', canonicalUrl: '' });
    expect(js.dropped).toEqual([{ field: 'url', value: 'javascript:alert(1)', reason: 'the scheme javascript: is not http(s)' }]);

    const canonical = withUsableUrls(makeArticle({ key: 'c', url: 'https://news.example.org/c/?utm_source=x', canonicalUrl: 'data:,x' }));
    expect(canonical.article).toMatchObject({ url: 'https://news.example.org/c/?utm_source=x', canonicalUrl: 'https://news.example.org/c' });
    expect(canonical.dropped.map((d) => d.field)).toEqual(['canonicalUrl']);

    const image = withUsableUrls(makeArticle({ key: 'i', image: { url: 'javascript:alert(1)', alt: 'x' } }));
    expect(image.article.image).toBeUndefined();
    expect(image.article.url).toBe('https://news.example.org/2026/11/29/i');
    expect(image.dropped).toEqual([{ field: 'image.url', value: 'javascript:alert(1)', reason: 'the scheme javascript: is not http(s)' }]);

    const fine = makeArticle({ key: 'fine', image: { url: 'https://cdn.example.org/a.jpg' } });
    expect(withUsableUrls(fine)).toEqual({ article: fine, dropped: [] });
  });

  it('reads a page whose canonical link or og:image is javascript: as the page itself, without the image', () => {
    const html = `<html><head><title>Harbour bridge</title>
      <link rel="canonical" href="javascript:alert(document.domain)">
      <meta property="og:image" content="javascript:alert(1)"></head></html>`;
    const article = articleFromHtml(html, PAGE, 'manual', NOW);
    expect(article.url).toBe(PAGE);
    expect(article.canonicalUrl).toBe(PAGE);
    expect(article.image).toBeUndefined();
    // A malformed og:image is left off too, not thrown out of the page reader.
    expect(articleFromHtml('<title>T</title><meta property="og:image" content="http://[oops">', PAGE, 'manual', NOW).image).toBeUndefined();
  });
});

describe('an article without a usable link', () => {
  const channels: ChannelConfig[] = [{ id: 'x-main', platform: 'x', dryRun: true, images: true }];
  const table = (route: Partial<RoutingRoute>): RoutingTable => ({
    routes: [{ id: 'all', channels: ['x-main'], priority: 'normal', ...route }],
    channels: new Map(channels.map((c) => [c.id, c])),
    configDir: '/tmp',
  });
  const noLink = makeArticle({ key: 'bare', url: '', canonicalUrl: '' });

  it('is not posted unless the route says allowNoLink: true, and the record says why', () => {
    expect(routeArticle(noLink, table({}), NOW)).toEqual([]);
    expect(routeArticle(noLink, table({ allowNoLink: true }), NOW)).toHaveLength(1);
    const state = { sourceId: 'news', consecutiveFailures: 0, initializedAt: new Date(NOW.getTime() - 3_600_000) };
    const [item] = planIngest([noLink], state, { backfill: 0, maxAgeMs: 86_400_000 }, table({}), NOW);
    expect(item?.ifNew).toMatchObject({ kind: 'record', reason: expect.stringMatching(/no usable http\(s\) link \(allowNoLink: true posts it/) });
  });
});

describe('the ingest boundary', () => {
  it('drops an unusable URL with a logged reason, and records the article without posting it', async () => {
    const dir = tempDir('crier-url-policy-');
    const store = openSqliteStore(`${dir.path}/crier.db`);
    await store.migrate();
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    try {
      const source: ResolvedSource = { id: 'cms', kind: 'webhook', secret: 'x', backfill: 0, maxAge: 86_400_000, interval: 60_000 };
      const channels: ChannelConfig[] = [{ id: 'x-main', platform: 'x', dryRun: true, images: true }];
      const routing: RoutingTable = { routes: [{ id: 'all', channels: ['x-main'], priority: 'normal' }], channels: new Map(channels.map((c) => [c.id, c])), configDir: '/tmp' };
      const script = makeArticle({ key: 'script', url: 'javascript:alert(1)', canonicalUrl: 'javascript:alert(1)', image: { url: 'data:image/png;base64,AAAA' }, publishedAt: NOW });
      const { counts, items } = await ingestPushed(source, [script], { store, routing, now: () => NOW, logger });
      expect(counts).toMatchObject({ recorded: 1, deliveriesCreated: 0 });
      expect(items[0]?.article).toMatchObject({ url: '', canonicalUrl: '' });
      expect(items[0]?.article.image).toBeUndefined();
      const logged = lines.map((line) => JSON.parse(line) as { msg: string; field: string; source: string });
      expect(logged.map((l) => l.msg)).toEqual([
        'article URL dropped: url the scheme javascript: is not http(s)',
        'article URL dropped: image.url the scheme data: is not http(s)',
      ]);
      expect(logged[0]).toMatchObject({ source: 'cms', field: 'url' });
    } finally {
      await store.close();
      dir.remove();
    }
  });
});

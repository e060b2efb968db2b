import { describe, expect, it } from 'vitest';
import type { Article } from '../../src/articles/article.js';
import { graphemeLength } from '../../src/render/graphemes.js';
import { buildPostRecord, parsePrepared, withoutThumb } from '../../src/platforms/bluesky/record.js';
import { shortLinkText } from '../../src/render/link-text.js';
import type { JsonBlob } from '../../src/platforms/bluesky/record.js';

function article(overrides: Partial<Article> = {}): Article {
  return {
    sourceId: 'news',
    key: 'k1',
    url: 'https://news.example.com/2025/06/story',
    canonicalUrl: 'https://news.example.com/2025/06/story',
    title: 'Story',
    summary: 'A short dek.',
    categories: [],
    tags: [],
    authors: [],
    publishedAt: new Date('2025-06-01T10:00:00Z'),
    ...overrides,
  };
}

const thumb: JsonBlob = {
  $type: 'blob',
  ref: { $link: 'bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy' },
  mimeType: 'image/jpeg',
  size: 1234,
};

describe('buildPostRecord', () => {
  it('puts link and tag facets on UTF-8 byte offsets and leaves @names alone', () => {
    const link = 'https://news.example.com/2025/06/story?ref=crier';
    const text = `Ça chauffe 🔥👩🏽‍🚒 à Zürich, dit @mayor.example.com : ${link} #Météo`;
    const record = buildPostRecord({ text, article: article(), language: 'fr', linkUrl: '', createdAt: new Date(0) });

    const start = Buffer.byteLength(text.slice(0, text.indexOf(link)), 'utf8');
    expect(start).toBeGreaterThan(text.indexOf(link)); // the prefix has multi-byte characters
    const linkFacet = record.facets?.find((f) => f.features.some((x) => x.$type === 'app.bsky.richtext.facet#link'));
    expect(linkFacet?.index).toEqual({ byteStart: start, byteEnd: start + Buffer.byteLength(link, 'utf8') });
    expect(linkFacet?.features).toEqual([{ $type: 'app.bsky.richtext.facet#link', uri: link }]);

    const tagStart = Buffer.byteLength(text.slice(0, text.indexOf('#Météo')), 'utf8');
    const tagFacet = record.facets?.find((f) => f.features.some((x) => x.$type === 'app.bsky.richtext.facet#tag'));
    expect(tagFacet?.index).toEqual({ byteStart: tagStart, byteEnd: tagStart + Buffer.byteLength('#Météo', 'utf8') });

    const all = record.facets?.flatMap((f) => f.features.map((x) => x.$type)) ?? [];
    expect(all).not.toContain('app.bsky.richtext.facet#mention');
    expect(record.text).toBe(text);
  });

  it('builds the link card, sets langs and createdAt, and survives a JSON round trip', () => {
    const createdAt = new Date('2025-06-01T12:34:56.789Z');
    const record = buildPostRecord({
      text: 'Read this',
      article: article({ title: 'A headline', language: 'fr_FR' }),
      language: 'fr-FR',
      linkUrl: 'https://news.example.com/2025/06/story',
      createdAt,
      thumb,
    });
    expect(record).toEqual({
      $type: 'app.bsky.feed.post',
      text: 'Read this',
      langs: ['fr-FR'],
      embed: {
        $type: 'app.bsky.embed.external',
        external: { uri: 'https://news.example.com/2025/06/story', title: 'A headline', description: 'A short dek.', thumb },
      },
      createdAt: '2025-06-01T12:34:56.789Z',
    });
    const prepared = { version: 1, rkey: '3lbcdefghij22', record };
    expect(parsePrepared(JSON.parse(JSON.stringify(prepared)))).toEqual(prepared);
    expect(withoutThumb(record).embed?.external).not.toHaveProperty('thumb');
    expect(record.embed?.external.thumb).toEqual(thumb); // withoutThumb does not mutate
  });

  it('shortens a long summary for the card without cutting a word', () => {
    const summary = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(20).trim();
    const record = buildPostRecord({ text: 'x', article: article({ summary }), language: 'la', linkUrl: article().url, createdAt: new Date(0) });
    const description = record.embed?.external.description ?? '';
    expect(graphemeLength(description)).toBeLessThanOrEqual(300);
    // Cut after a whole sentence: no ellipsis needed, nothing of a word lost.
    expect(description.endsWith('elit.')).toBe(true);
    expect(summary.startsWith(description)).toBe(true);
  });
});

describe('links in the text', () => {
  const linkFacets = (record: ReturnType<typeof buildPostRecord>) =>
    (record.facets ?? []).flatMap((f) =>
      f.features.filter((x) => x.$type === 'app.bsky.richtext.facet#link').map((x) => ({ uri: x.uri, shown: Buffer.from(record.text).subarray(f.index.byteStart, f.index.byteEnd).toString() })),
    );

  it('never links a bare domain in a headline; explicit http(s) URLs and the article link are links', () => {
    const url = 'https://news.example.org/2026/11/29/why-example-com-bought-news-example-org?utm_source=rss';
    const shown = shortLinkText(url);
    const text = `Why example.com bought news.example.org for $5m\n\nSee https://other.example.net/report and www.example.net\n${shown}`;
    const record = buildPostRecord({ text, article: article({ url }), language: 'en', linkUrl: url, createdAt: new Date(0) });
    expect(linkFacets(record)).toEqual([
      { uri: 'https://other.example.net/report', shown: 'https://other.example.net/report' },
      { uri: url, shown },
    ]);
    expect(record.embed?.external.uri).toBe(url);
  });

  it('links bare domains when the channel opts in', () => {
    const text = 'Why example.com bought it';
    const record = buildPostRecord({ text, article: article(), language: 'en', linkUrl: '', bareDomainLinks: true, createdAt: new Date(0) });
    expect(linkFacets(record)).toEqual([{ uri: 'https://example.com', shown: 'example.com' }]);
    expect(record.embed).toBeUndefined(); // no link, no card
  });

  it('shows a percent-encoded Arabic slug short and decoded, with the full URI in the facet and the card', () => {
    const slug = encodeURIComponent('افتتاح-جسر-جديد-في-المدينة-بعد-عام-من-النقاش');
    const url = `https://news.example.org/ar/2026/11/29/${slug}`;
    const shown = shortLinkText(url);
    expect(url.length).toBeGreaterThan(200);
    expect(shown).toBe('news.example.org/ar/2026/11/29/افتتاح…');
    const text = `افتتاح جسر جديد في المدينة\n${shown}`;
    const record = buildPostRecord({ text, article: article({ url }), language: 'ar', linkUrl: url, createdAt: new Date(0) });
    expect(linkFacets(record)).toEqual([{ uri: url, shown }]);
    expect(record.embed?.external.uri).toBe(url);
    expect(record.langs).toEqual(['ar']);
  });
});

describe('parsePrepared', () => {
  it('refuses anything that is not a prepared record as rejected', () => {
    expect(() => parsePrepared(undefined)).toThrow(expect.objectContaining({ code: 'rejected' }));
    expect(() => parsePrepared({ version: 1, rkey: 'article-1', record: {} })).toThrow(/malformed/);
  });
});

describe('the article link written out whole', () => {
  it('links the whole URL, not the short form found inside it', () => {
    const url = 'https://news.example.org/a/b?id=7';
    const text = `Read: ${url}`;
    const record = buildPostRecord({ text, article: article({ url }), language: 'en', linkUrl: url, createdAt: new Date(0) });
    expect(record.facets).toEqual([{ index: { byteStart: 6, byteEnd: 6 + url.length }, features: [{ $type: 'app.bsky.richtext.facet#link', uri: url }] }]);
  });
});

describe('the link card', () => {
  it('shows a WordPress excerpt with one "…" and without its " […]"', () => {
    const summary = 'The plan was drawn up in 2019 by the port and […]';
    const record = buildPostRecord({ text: 'x', article: article({ summary }), language: 'en', linkUrl: article().url, createdAt: new Date(0) });
    expect(record.embed?.external.description).toBe('The plan was drawn up in 2019 by the port…');
  });
});

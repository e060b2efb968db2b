import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '../../src/articles/article.js';
import { articleKey } from '../../src/articles/article-key.js';
import { FeedParseError, parseFeed } from '../../src/sources/feed/parse-feed.js';
import type { ParseFeedContext, ParsedFeed } from '../../src/sources/feed/parse-feed.js';

const NOW = new Date('2024-07-03T00:00:00Z');

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/feeds/${name}`, import.meta.url), 'utf8');
}

function parse(body: string, feedUrl = 'https://www.quotidien.example/feed/', now = NOW): ParsedFeed {
  return parseFeed(body, { sourceId: 'src-1', feedUrl, now } satisfies ParseFeedContext);
}

function article(feed: ParsedFeed, index: number): Article {
  const found = feed.articles[index];
  if (found === undefined) throw new Error(`no article at ${index}; got ${feed.articles.length}`);
  return found;
}

function parseError(body: string): FeedParseError {
  try {
    parse(body, 'https://bad.example/feed.xml');
  } catch (error) {
    if (error instanceof FeedParseError) return error;
    throw error;
  }
  throw new Error('expected a FeedParseError');
}

function rss(items: string): string {
  return `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>${items}</channel></rss>`;
}

describe('parseFeed: RSS 2.0', () => {
  const feed = parse(fixture('rss-2.0.xml'));

  it('reads the channel: title, language, WebSub hub and self link', () => {
    expect(feed.title).toBe('Le Quotidien & Co');
    expect(feed.language).toBe('fr-FR');
    expect(feed.hubUrl).toBe('https://pubsubhubbub.appspot.com/');
    expect(feed.selfUrl).toBe('https://www.quotidien.example/feed/');
  });

  it('drops only the item with neither link nor title', () => {
    expect(feed.articles.map((a) => a.title)).toEqual([
      'Été : la canicule s’installe 🌡️',
      'Un article daté du futur',
      'Sans date',
      'Date illisible',
      'Breaking: English edition',
    ]);
  });

  it('normalises a full item: plain text, media image with alt, categories, creators', () => {
    const first = article(feed, 0);
    expect(first).toEqual({
      sourceId: 'src-1',
      key: articleKey('quotidien-4711'),
      url: 'https://www.quotidien.example/meteo/canicule/?utm_source=rss&utm_medium=feed',
      canonicalUrl: 'https://quotidien.example/meteo/canicule',
      title: 'Été : la canicule s’installe 🌡️',
      summary: 'Les températures dépassent 40 °C & plus. Second paragraphe…',
      categories: ['Météo', 'Climat'],
      tags: ['chaleur'],
      authors: ['Camille Martin', 'Jean Dupont'],
      publishedAt: new Date('2024-07-02T04:30:00Z'),
      image: { url: 'https://cdn.quotidien.example/img/canicule.jpg', alt: 'Un thermomètre au soleil, place de la Concorde', width: 1200, height: 630 },
      language: 'fr-FR',
    });
    expect(first.title).toBe(first.title.normalize('NFC'));
  });

  it('replaces a future date with now, resolves a relative link, and takes an image enclosure', () => {
    const future = article(feed, 1);
    expect(future.publishedAt).toEqual(NOW);
    expect(future.url).toBe('https://www.quotidien.example/politique/futur');
    expect(future.key).toBe(articleKey('http://www.quotidien.example/politique/futur'));
    expect(future.summary).toBe('Texte simple échappé.');
    expect(future.authors).toEqual(['La Rédaction']);
    expect(future.image).toEqual({ url: 'https://cdn.quotidien.example/img/futur.png' });
  });

  it('replaces a missing or unparseable date with now and keys a GUID-less item by its link', () => {
    expect(article(feed, 2).publishedAt).toEqual(NOW);
    expect(article(feed, 2).key).toBe(articleKey('https://www.quotidien.example/breves/sans-date'));
    expect(article(feed, 3).publishedAt).toEqual(NOW);
  });

  it('prefers the item language, parses a CEST date and folds the AMP link', () => {
    const english = article(feed, 4);
    expect(english.language).toBe('en');
    expect(english.publishedAt).toEqual(new Date('2024-07-01T10:00:00Z'));
    expect(english.canonicalUrl).toBe('https://quotidien.example/en/breaking');
  });

  it('keeps a title-only item, keyed by title and raw date so the key is stable across polls', () => {
    const body = rss('<item><title>Live: storm update</title></item>');
    const first = article(parse(body), 0);
    const later = article(parse(body, undefined, new Date('2024-07-04T00:00:00Z')), 0);
    expect(first.url).toBe('');
    expect(first.canonicalUrl).toBe('');
    expect(first.key).toBe(articleKey('Live: storm update\n'));
    expect(later.key).toBe(first.key);
  });

  it('collapses repeated items to one article per key', () => {
    const item = '<item><guid>same</guid><title>Twice</title><link>https://x.example/a</link></item>';
    expect(parse(rss(item + item)).articles).toHaveLength(1);
  });
});

describe('parseFeed: dates are UTC whatever the process time zone', () => {
  const saved = process.env.TZ;
  beforeAll(() => {
    process.env.TZ = 'America/New_York';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  it('reads zone-less RFC 822 and ISO 8601 dates as UTC', () => {
    const body = rss(
      '<item><title>a</title><pubDate>Tue, 02 Jul 2024 06:30:00</pubDate></item>' +
        '<item><title>b</title><pubDate>2024-07-01T08:00:00</pubDate></item>' +
        '<item><title>c</title><pubDate>Mon, 01 Jul 2024 08:00:00 EST</pubDate></item>',
    );
    expect(parse(body).articles.map((a) => a.publishedAt.toISOString())).toEqual([
      '2024-07-02T06:30:00.000Z',
      '2024-07-01T08:00:00.000Z',
      '2024-07-01T13:00:00.000Z',
    ]);
  });
});

describe('parseFeed: Atom 1.0', () => {
  const feed = parse(fixture('atom-1.0.xml'), 'https://feeds.example/news');

  it('reads the feed: HTML title as text, xml:lang, hub and self resolved against xml:base', () => {
    expect(feed.title).toBe('The Daily Example');
    expect(feed.language).toBe('en-GB');
    expect(feed.hubUrl).toBe('https://hub.news.example/');
    expect(feed.selfUrl).toBe('https://news.example/atom.xml');
  });

  it('normalises an entry: HTML alternate link, summary over content, category labels, dates', () => {
    expect(article(feed, 0)).toEqual({
      sourceId: 'src-1',
      key: articleKey('tag:news.example,2024:entry-1'),
      url: 'https://news.example/markets/rally',
      canonicalUrl: 'https://news.example/markets/rally',
      title: 'Markets rally after rate decision',
      summary: 'Stocks rose & bonds fell.',
      categories: ['Markets', 'economy'],
      tags: [],
      authors: ['Alex Smith'],
      publishedAt: new Date('2024-07-01T07:00:00Z'),
      updatedAt: new Date('2024-07-01T10:30:00Z'),
      image: { url: 'https://cdn.news.example/rally.webp' },
      language: 'en-GB',
    });
  });

  it('falls back sensibly: xhtml title, xml:base link, updated as published, feed author, thumbnail', () => {
    const second = article(feed, 1);
    expect(second.title).toBe('Newyddion Cymru');
    expect(second.url).toBe('https://news.example/wales/story-2');
    expect(second.publishedAt).toEqual(new Date('2024-07-02T07:15:00Z'));
    expect(second.summary).toBe('Only content, no summary.');
    expect(second.authors).toEqual(['Newsdesk']);
    expect(second.language).toBe('cy');
    expect(second.image).toEqual({ url: 'https://cdn.news.example/wales.jpg' });
  });
});

describe('parseFeed: JSON Feed 1.1', () => {
  const feed = parse(fixture('json-feed-1.1.json'), 'https://json.example/feed.json');

  it('reads the feed: language, the WebSub hub among several, feed_url as self', () => {
    expect(feed.title).toBe('Example JSON News');
    expect(feed.language).toBe('es-ES');
    expect(feed.hubUrl).toBe('https://websub.json.example/');
    expect(feed.selfUrl).toBe('https://json.example/feed.json');
    expect(feed.articles).toHaveLength(2);
  });

  it('normalises an item: tags, authors, image over banner, summary over content', () => {
    expect(article(feed, 0)).toEqual({
      sourceId: 'src-1',
      key: articleKey('2024-07-02-eleccion'),
      url: 'https://json.example/politica/eleccion?fbclid=abc123',
      canonicalUrl: 'https://json.example/politica/eleccion',
      title: 'Elecciones: así votó España',
      summary: 'Resumen corto de la jornada.',
      categories: [],
      tags: ['política', 'elecciones'],
      authors: ['Lucía Gómez', 'Pedro Ruiz'],
      publishedAt: new Date('2024-07-02T18:00:00Z'),
      updatedAt: new Date('2024-07-02T19:15:00Z'),
      image: { url: 'https://json.example/img/eleccion.jpg' },
      language: 'es-ES',
    });
  });

  it('handles a numeric id, no title, content_text, a relative banner and feed authors', () => {
    const second = article(feed, 1);
    expect(second.key).toBe(articleKey('42'));
    expect(second.title).toBe('');
    expect(second.summary).toBe('Un festival sin título, solo texto.');
    expect(second.image).toEqual({ url: 'https://json.example/img/festival.jpg' });
    expect(second.authors).toEqual(['Redacción']);
    expect(second.language).toBe('ca');
  });

  it('leaves a DOCTYPE inside JSON strings alone', () => {
    const body = JSON.stringify({
      version: 'https://jsonfeed.org/version/1.1',
      title: 'J',
      items: [{ id: '1', url: 'https://j.example/1', content_html: '<!DOCTYPE html><p>Body</p>', title: 'One' }],
    });
    expect(article(parse(body), 0).summary).toBe('Body');
  });
});

describe('parseFeed: RDF (RSS 1.0)', () => {
  it('reads items with Dublin Core metadata', () => {
    const feed = parse(fixture('rdf-1.0.xml'), 'https://rdf.example/rss');
    expect(feed.language).toBe('de-DE');
    expect(article(feed, 0)).toMatchObject({
      key: articleKey('https://rdf.example/story-1'),
      title: 'Erste Meldung',
      authors: ['Anna Schmidt'],
      tags: ['Politik'],
      publishedAt: new Date('2024-07-01T04:00:00Z'),
    });
  });
});

describe('parseFeed: bad input', () => {
  it('rejects malformed XML with the feed URL and the parser detail', () => {
    const error = parseError(fixture('malformed.xml'));
    expect(error.message).toContain('feed https://bad.example/feed.xml is not well-formed XML');
    expect(error.feedUrl).toBe('https://bad.example/feed.xml');
    expect(error.cause).toBeDefined();
  });

  it('says when the body is an HTML page, empty, or broken JSON', () => {
    expect(parseError(fixture('html-page.html')).message).toContain('is an HTML page, not a feed');
    expect(parseError('').message).toContain('is empty');
    expect(parseError('{"version": "https://jsonfeed.org/version/1.1", "items": [').message).toContain('not a valid JSON Feed');
  });

  it('does not expand a billion-laughs DTD', () => {
    const body = fixture('billion-laughs.xml');
    const heapBefore = process.memoryUsage().heapUsed;
    const feed = parse(body);
    const texts = [feed.title ?? '', ...feed.articles.flatMap((a) => [a.title, a.summary])];
    for (const text of texts) {
      expect(text).not.toContain('lollol');
      expect(text.length).toBeLessThan(100);
    }
    expect(article(feed, 0).url).toBe('https://lol.example/1');
    // Full expansion would be 3 GB of "lol"; anything near 100 MB means it started expanding.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(100 * 1024 * 1024);
  });

  it('ignores external entities instead of reading local files', () => {
    const feed = parse(fixture('xxe.xml'));
    const hostname = readFileSync('/etc/hostname', 'utf8').trim();
    expect(feed.title).toBe('External &xxe; entity');
    expect(JSON.stringify(feed)).not.toContain(hostname);
    expect(article(feed, 0).url).toBe('https://xxe.example/1');
  });
});

describe('parseFeed: HTML escaped twice (issue 12, item 7)', () => {
  const feed = parse(fixture('double-escaped.xml'), 'https://www.ville-region.example/feed/');

  it('strips and decodes a still-escaped description once more: no literal tag reaches a post', () => {
    expect(article(feed, 0).summary).toBe('Le conseil municipal a adopté le budget par 31 voix contre 8. Lire la suite');
    expect(article(feed, 0).title).toBe('Budget 2027 : la ville investit dans l’école & le sport');
    expect(feed.title).toBe('Ville & Région');
  });

  it('leaves a correctly escaped description, and a literal "<" in its text, as they are', () => {
    expect(article(feed, 1).summary).toBe('Un paragraphe normal, et 3 < 5.');
  });
});

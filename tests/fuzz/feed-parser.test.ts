import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withUsableUrls } from '../../src/articles/url-policy.js';
import { FeedParseError, parseFeed } from '../../src/sources/feed/parse-feed.js';
import { feedText, fuzzOptions, fuzzTimeoutMs, isEmptyOrWebUrl, urlLike } from '../support/fuzz.js';

const NOW = new Date('2026-12-02T09:00:00Z');
const ctx = { sourceId: 'news', feedUrl: 'https://news.example.org/feed.xml', now: NOW };
const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const item = fc.record({ title: feedText, link: urlLike, guid: fc.string({ maxLength: 30 }), description: feedText, date: fc.string({ maxLength: 40 }), image: urlLike });

const rssFeed = fc.array(item, { maxLength: 5 }).map(
  (items) => `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>T</title><link>https://news.example.org/</link>
${items.map((i) => `<item><title>${xml(i.title)}</title><link>${xml(i.link)}</link><guid>${xml(i.guid)}</guid><pubDate>${xml(i.date)}</pubDate><description>${xml(i.description)}</description><media:content url="${xml(i.image)}" medium="image"/></item>`).join('\n')}
</channel></rss>`,
);
const atomFeed = fc.array(item, { maxLength: 5 }).map(
  (items) => `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>urn:t</id><updated>2026-12-01T00:00:00Z</updated>
${items.map((i) => `<entry><id>${xml(i.guid)}</id><title type="html">${xml(i.title)}</title><link rel="alternate" href="${xml(i.link)}"/><updated>${xml(i.date)}</updated><summary type="html">${xml(i.description)}</summary></entry>`).join('\n')}
</feed>`,
);
const jsonFeed = fc.array(item, { maxLength: 5 }).map((items) =>
  JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: 'T',
    items: items.map((i) => ({ id: i.guid, url: i.link, title: i.title, content_html: i.description, date_published: i.date, image: i.image })),
  }),
);
/** Whatever arrives: well-formed feeds with hostile fields, and garbage. */
const anyBody = fc.oneof(rssFeed, atomFeed, jsonFeed, fc.string({ unit: 'binary', maxLength: 300 }), fc.json());

describe('fuzz: the feed parser and normaliser (src/sources/feed/parse-feed.ts)', () => {
  it('returns articles or throws FeedParseError, nothing else; after the URL policy every link is http(s)', { timeout: fuzzTimeoutMs() }, () => {
    fc.assert(
      fc.property(anyBody, (body) => {
        let articles;
        try {
          articles = parseFeed(body, ctx).articles;
        } catch (error) {
          expect(error).toBeInstanceOf(FeedParseError);
          return;
        }
        for (const found of articles) {
          const { article } = withUsableUrls(found);
          expect(isEmptyOrWebUrl(article.url)).toBe(true);
          expect(isEmptyOrWebUrl(article.canonicalUrl)).toBe(true);
          expect(isEmptyOrWebUrl(article.image?.url)).toBe(true);
          // Dates parse to real instants; a missing or future one is the first-seen time.
          expect(Number.isFinite(article.publishedAt?.getTime() ?? NOW.getTime())).toBe(true);
          expect((article.publishedAt ?? NOW).getTime()).toBeLessThanOrEqual(NOW.getTime());
          // Plain text: no markup left to post.
          expect(article.title).not.toMatch(/<\/?[a-z][^>]*>/i);
        }
      }),
      fuzzOptions(),
    );
  });
});

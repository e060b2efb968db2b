import { describe, expect, it } from 'vitest';
import { shortLinkText } from '../../src/render/link-text.js';
import { postLink } from '../../src/render/post-link.js';

const where = { platform: 'mastodon', channel: 'mastodon-main' };

describe('postLink', () => {
  const url = 'https://www.news.example.org/2026/11/29/bridge/?id=7&utm_source=rss&utm_medium=feed&fbclid=abc#comments';

  it("posts the article's link without the feed's tracking parameters by default, host and path untouched", () => {
    expect(postLink({ url }, undefined, where)).toBe('https://www.news.example.org/2026/11/29/bridge/?id=7#comments');
    expect(postLink({ url }, { from: 'canonicalUrl' }, where)).toBe('https://www.news.example.org/2026/11/29/bridge/?id=7#comments');
  });

  it('posts the link exactly as the feed gives it with `from: url`', () => {
    expect(postLink({ url }, { from: 'url' }, where)).toBe(url);
  });

  it("adds the newsroom's campaign parameters with {{platform}} and {{channel}} filled in", () => {
    const link = postLink({ url }, { from: 'canonicalUrl', utm: { source: '{{platform}}', medium: 'social', campaign: '{{ channel }}' } }, where);
    expect(link).toBe('https://www.news.example.org/2026/11/29/bridge/?id=7&utm_source=mastodon&utm_medium=social&utm_campaign=mastodon-main#comments');
  });

  it('keeps a query it does not change byte for byte, and posts no link when the article has none', () => {
    const odd = 'https://news.example.org/search?q=a%20b+c&x=%7E';
    expect(postLink({ url: odd }, undefined, where)).toBe(odd);
    expect(postLink({ url: '' }, { from: 'url', utm: { source: 'x' } }, where)).toBe('');
  });
});

describe('shortLinkText', () => {
  it('shows a short plain link whole', () => {
    expect(shortLinkText('https://news.example.org/a/b')).toBe('https://news.example.org/a/b');
  });

  it('shows a long link as host and the start of its path, cut after a slug word', () => {
    expect(shortLinkText('https://www.news.example.org/2026/11/29/council-approves-the-new-harbour-bridge?id=1')).toBe('news.example.org/2026/11/29/council…');
  });

  it('decodes a percent-encoded Japanese slug for people and keeps escapes that would break the word', () => {
    const url = `https://news.example.jp/articles/${encodeURIComponent('東京で新しい橋が開通、通勤時間が短縮へ')}`;
    expect(shortLinkText(url)).toBe('news.example.jp/articles/東京で新しい橋が開通、通勤時…');
    expect(shortLinkText('https://news.example.org/a%20b%0Ac')).toBe('news.example.org/a%20b%0Ac');
  });
});

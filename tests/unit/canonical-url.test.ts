import { describe, expect, it } from 'vitest';
import { canonicalUrl } from '../../src/articles/canonical-url.js';

describe('canonicalUrl', () => {
  it('lowercases scheme and host and forces https', () => {
    expect(canonicalUrl('HTTP://News.Example.COM/Story')).toBe('https://news.example.com/Story');
  });

  it('treats an http/https flip of the same story as one URL', () => {
    expect(canonicalUrl('http://news.example/a')).toBe(canonicalUrl('https://news.example/a'));
  });

  it('drops default ports, including :80 that becomes https', () => {
    expect(canonicalUrl('https://news.example:443/a')).toBe('https://news.example/a');
    expect(canonicalUrl('http://news.example:80/a')).toBe('https://news.example/a');
    expect(canonicalUrl('https://news.example:8443/a')).toBe('https://news.example:8443/a');
  });

  it('drops the fragment', () => {
    expect(canonicalUrl('https://news.example/a#comments')).toBe('https://news.example/a');
  });

  it('strips tracking parameters, case-insensitively', () => {
    const tracked =
      'https://news.example/a?utm_source=x&UTM_Medium=y&utm_campaign=z&fbclid=1&gclid=2&mc_cid=3&mc_eid=4' +
      '&ref=home&cmpid=5&ocid=6&_ga=7&igshid=8&id=42';
    expect(canonicalUrl(tracked)).toBe('https://news.example/a?id=42');
  });

  it('sorts the remaining query parameters, keeping repeated names in order', () => {
    expect(canonicalUrl('https://news.example/a?z=1&b=2&a=2&a=1')).toBe('https://news.example/a?a=2&a=1&b=2&z=1');
  });

  it('removes an empty query', () => {
    expect(canonicalUrl('https://news.example/a?utm_source=x')).toBe('https://news.example/a');
    expect(canonicalUrl('https://news.example/a?')).toBe('https://news.example/a');
  });

  it('folds the trailing slash except at the root', () => {
    expect(canonicalUrl('https://news.example/a/b/')).toBe('https://news.example/a/b');
    expect(canonicalUrl('https://news.example/')).toBe('https://news.example/');
    expect(canonicalUrl('https://news.example')).toBe('https://news.example/');
  });

  it('folds every AMP variant to the plain article', () => {
    const plain = 'https://news.example/politics/story';
    expect(canonicalUrl('https://news.example/politics/story/amp')).toBe(plain);
    expect(canonicalUrl('https://news.example/politics/story/amp/')).toBe(plain);
    expect(canonicalUrl('https://news.example/politics/story?amp')).toBe(plain);
    expect(canonicalUrl('https://news.example/politics/story?amp=1')).toBe(plain);
    expect(canonicalUrl('https://amp.news.example/politics/story')).toBe(plain);
    expect(canonicalUrl('https://news.example/amp/politics/story')).toBe(plain);
  });

  it('does not mistake words that merely contain "amp" for AMP', () => {
    expect(canonicalUrl('https://news.example/camp/stamp')).toBe('https://news.example/camp/stamp');
    expect(canonicalUrl('https://news.example/a?amp=section')).toBe('https://news.example/a?amp=section');
    expect(canonicalUrl('https://amp.dev/')).toBe('https://amp.dev/');
  });

  it('drops www.', () => {
    expect(canonicalUrl('https://www.news.example/a')).toBe('https://news.example/a');
  });

  it('normalises percent-encoding', () => {
    expect(canonicalUrl('https://news.example/caf%c3%a9')).toBe('https://news.example/caf%C3%A9');
    expect(canonicalUrl('https://news.example/café')).toBe('https://news.example/caf%C3%A9');
    expect(canonicalUrl('https://news.example/%7Euser/%41')).toBe('https://news.example/~user/A');
    expect(canonicalUrl('https://news.example/a?q=caf%c3%a9+au+lait')).toBe(canonicalUrl('https://news.example/a?q=café au lait'));
  });

  it('resolves a relative URL against a base', () => {
    expect(canonicalUrl('../b/?utm_source=rss', 'https://www.news.example/x/y/feed.xml')).toBe('https://news.example/x/b');
  });

  it('throws on something that is not a URL', () => {
    expect(() => canonicalUrl('not a url')).toThrow(TypeError);
  });
});

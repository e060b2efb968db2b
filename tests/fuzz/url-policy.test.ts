import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalUrl } from '../../src/articles/canonical-url.js';
import { checkWebUrl, withUsableUrls } from '../../src/articles/url-policy.js';
import { makeArticle } from '../support/articles.js';
import { fuzzOptions, fuzzTimeoutMs, isEmptyOrWebUrl, urlLike } from '../support/fuzz.js';

describe('fuzz: the URL policy at the article boundary (src/articles/url-policy.ts)', () => {
  it('never throws, and what it keeps is an http(s) URL with a host and no credentials', { timeout: fuzzTimeoutMs() }, () => {
    fc.assert(
      fc.property(urlLike, fc.option(fc.webUrl(), { nil: undefined }), (raw, base) => {
        const check = checkWebUrl(raw, base);
        if (check.ok) expect(isEmptyOrWebUrl(check.url) && check.url !== '').toBe(true);
        else expect(check.reason.length).toBeGreaterThan(0);
      }),
      fuzzOptions(),
    );
  });

  it('leaves an article only http(s) links: its link, canonical URL and image', { timeout: fuzzTimeoutMs() }, () => {
    fc.assert(
      fc.property(urlLike, urlLike, fc.option(urlLike, { nil: undefined }), (url, canonical, image) => {
        const article = makeArticle({ key: 'fuzz', url, canonicalUrl: canonical, ...(image === undefined ? {} : { image: { url: image, alt: '' } }) });
        const { article: usable, dropped } = withUsableUrls(article);
        expect(isEmptyOrWebUrl(usable.url)).toBe(true);
        expect(isEmptyOrWebUrl(usable.canonicalUrl)).toBe(true);
        expect(isEmptyOrWebUrl(usable.image?.url)).toBe(true);
        // No link, no canonical URL: the route decides (allowNoLink), never a stale one.
        if (usable.url === '') expect(usable.canonicalUrl).toBe('');
        for (const drop of dropped) expect(drop.reason.length).toBeGreaterThan(0);
      }),
      fuzzOptions(),
    );
  });

  it('canonicalises any web URL to an http(s) URL without utm_ parameters, idempotently', { timeout: fuzzTimeoutMs() }, () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.array(fc.constantFrom('utm_source=rss', 'utm_medium=x', 'fbclid=1', 'id=7'), { maxLength: 3 }), (url, params) => {
        const withParams = new URL(url);
        for (const param of params) {
          const [name = '', value = ''] = param.split('=');
          withParams.searchParams.append(name, value);
        }
        const once = canonicalUrl(withParams.href);
        expect(isEmptyOrWebUrl(once) && once !== '').toBe(true);
        expect(once).not.toMatch(/[?&]utm_/);
        expect(canonicalUrl(once)).toBe(once);
      }),
      fuzzOptions(),
    );
  });
});

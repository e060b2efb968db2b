import { describe, expect, it } from 'vitest';
import { buildPostRecord } from '../../src/platforms/bluesky/record.js';
import { goldenArticle, goldenCases, goldenPost, GOLDEN_PLATFORMS } from '../support/golden-posts.js';

/**
 * The golden files (tests/golden/*.yaml) hold real-looking headlines and summaries in many
 * languages and scripts with the post each platform gets, written out in full: a change to
 * templates, fitting, links or language shows up here as a readable diff of what readers see.
 */
const cases = goldenCases();

describe('golden files', () => {
  it('cover at least 30 articles in at least 8 languages and scripts', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.language?.split('-')[0])).size).toBeGreaterThanOrEqual(8);
  });
});

describe.each(cases.map((c) => [`${c.file} ${c.name}`, c] as const))('%s', (_name, c) => {
  it.each(GOLDEN_PLATFORMS)('%s', async (platform) => {
    const post = await goldenPost(c, platform);
    expect(post.text).toBe(c[platform]);
    expect(post.language).toBe(c.language);
    expect(post.length).toBeLessThanOrEqual(post.limit);
    if (platform !== 'bluesky') return;
    // On Bluesky the article link is the only link facet (no headline has an explicit URL),
    // carrying the full URI behind the short text, and the card points at it too.
    const record = buildPostRecord({ text: post.text, article: goldenArticle(c), language: post.language, linkUrl: post.link.url, createdAt: new Date(0) });
    const links = (record.facets ?? []).flatMap((f) =>
      f.features.flatMap((x) => (x.$type === 'app.bsky.richtext.facet#link' ? [{ uri: x.uri, shown: Buffer.from(record.text).subarray(f.index.byteStart, f.index.byteEnd).toString() }] : [])),
    );
    expect(links).toEqual([{ uri: post.link.url, shown: post.link.text }]);
    expect(record.embed?.external.uri).toBe(post.link.url);
    expect(record.langs).toEqual([c.language]);
  });
});

import twitterText from 'twitter-text';
import { describe, expect, it } from 'vitest';
import { blueskyTextRules } from '../../src/platforms/bluesky/text-rules.js';
import type { TextRules } from '../../src/platforms/contract.js';
import { mastodonTextRules } from '../../src/platforms/mastodon/text-rules.js';
import { xTextRules } from '../../src/platforms/x/text-rules.js';
import { templateContext, type TemplateContext } from '../../src/render/context.js';
import { fitPost, FitError } from '../../src/render/fit.js';
import { graphemes } from '../../src/render/graphemes.js';
import { createTemplateEngine } from '../../src/render/templates.js';
import { BUILTIN_TEMPLATES_DIR } from '../../src/runtime/templates.js';
import { makeArticle } from '../support/articles.js';
import { FIT_CASES as CASES, words, type FitCase as Case } from '../fixtures/fit-cases.js';

const engine = createTemplateEngine();
const render = {
  x: engine.compileFile(`${BUILTIN_TEMPLATES_DIR}/x.hbs`),
  bluesky: engine.compileFile(`${BUILTIN_TEMPLATES_DIR}/bluesky.hbs`),
  mastodon: engine.compileFile(`${BUILTIN_TEMPLATES_DIR}/mastodon.hbs`),
};
const rules: Record<keyof typeof render, TextRules> = {
  x: xTextRules(),
  bluesky: blueskyTextRules(),
  mastodon: mastodonTextRules({ maxCharacters: 500, charactersReservedPerUrl: 23 }),
};

function contextFor(c: Case, platform: string): TemplateContext {
  const article = makeArticle({ key: c.name, title: c.title, summary: c.summary, tags: c.tags ?? ['news'], ...(c.url ? { url: c.url } : {}) });
  return templateContext(article, { channelId: `${platform}-main`, platform, language: 'en' });
}

describe.each(Object.keys(render) as (keyof typeof render)[])('fitting for %s', (platform) => {
  it.each(CASES)('$name', (c) => {
    const context = contextFor(c, platform);
    const fitted = fitPost(render[platform], context, rules[platform]);
    const measure = rules[platform].measure(fitted.text);
    expect(measure.fits).toBe(true);
    expect(fitted.length).toBe(measure.length);
    expect(fitted.length).toBeLessThanOrEqual(rules[platform].limit);
    // The link is whole, exactly once.
    expect(fitted.text.split(context.url)).toHaveLength(2);
    // No grapheme of the output is a broken piece: every grapheme appears in the source text.
    const source = `${context.title}\n${context.summary}\n${context.url}\n• … #`;
    const sourceGraphemes = new Set(graphemes(source));
    for (const g of graphemes(fitted.text)) {
      if (/\s|\p{L}|\p{N}/u.test(g) && g.length === 1) continue; // hashtags re-case letters
      expect(sourceGraphemes.has(g), `grapheme ${JSON.stringify(g)} is not in the source`).toBe(true);
    }
    // A cut summary ends at a word, with an ellipsis.
    const bullet = fitted.text.split('\n').find((line) => line.startsWith('• '));
    if (bullet && bullet.slice(2) !== context.summary.trim()) expect(bullet.endsWith('…')).toBe(true);
  });
});

describe('fitting strategy', () => {
  it('keeps a post that fits untouched', () => {
    const context = contextFor(CASES[0] as Case, 'x');
    const fitted = fitPost(render.x, context, rules.x);
    expect(fitted.adjustments).toEqual([]);
    expect(fitted.text).toBe(
      `Council approves bridge\n\n• The vote was 7 to 2.\n\n#Local #news ${context.url}`,
    );
  });

  it('shortens the summary first, at a word boundary', () => {
    const context = contextFor({ name: 's', title: 'Title', summary: words(80) }, 'x');
    const fitted = fitPost(render.x, context, rules.x);
    expect(fitted.adjustments).toEqual(['summary shortened']);
    expect(fitted.text).toMatch(/• word0 word1 .* word\d+…\n/);
    expect(fitted.text).toContain('#Local #news');
    // Greedy: one more word would not fit.
    expect(twitterText.parseTweet(fitted.text).weightedLength).toBeGreaterThan(280 - 'word00 '.length - 2);
  });

  it('drops hashtags before touching the headline', () => {
    // 245 + 2 + 6 + 2 + 23 = 278 without hashtags; '#Local #ClimateChange ' makes it 300.
    const title = `Breaking: ${'x'.repeat(235)}`;
    const context = contextFor({ name: 't', title, summary: 'Sum.', tags: ['climate change'] }, 'x');
    const fitted = fitPost(render.x, context, rules.x);
    expect(fitted.adjustments).toEqual(['hashtags dropped']);
    expect(fitted.text).toContain('• Sum.');
    expect(fitted.text).not.toContain('#');
    expect(fitted.text.startsWith(context.title)).toBe(true);
  });

  it('shortens the headline last', () => {
    const context = contextFor({ name: 'h', title: words(80, 'head'), summary: 'Sum.' }, 'bluesky');
    const fitted = fitPost(render.bluesky, context, rules.bluesky);
    expect(fitted.adjustments).toEqual(['summary dropped', 'hashtags dropped', 'headline shortened']);
    expect(fitted.text).toMatch(/^head0 head1 .*head\d+…\n/);
  });

  it('rejects with the counts when nothing can make it fit', () => {
    const longUrl = `https://news.example.org/${'a'.repeat(400)}`;
    const context = contextFor({ name: 'u', title: 'Title here', summary: 'Sum.', url: longUrl }, 'bluesky');
    expect(() => fitPost(render.bluesky, context, rules.bluesky)).toThrow(FitError);
    expect(() => fitPost(render.bluesky, context, rules.bluesky)).toThrow(/cannot fit the post in 300 graphemes: .* it is 4\d\d/);
  });

  it('counts Bluesky bytes as well as graphemes', () => {
    const measure = rules.bluesky.measure('👨‍👩‍👧‍👦'.repeat(130));
    expect(measure.length).toBe(130);
    expect(measure.fits).toBe(false);
    expect(measure.note).toMatch(/3250 bytes, over the 3000-byte limit/);
  });

  it('counts Mastodon URLs at the reserved length and the content warning', () => {
    const text = `Read https://news.example.org/${'x'.repeat(200)}`;
    expect(mastodonTextRules({ maxCharacters: 500, charactersReservedPerUrl: 23 }).measure(text).length).toBe(5 + 23);
    expect(mastodonTextRules({ maxCharacters: 500, charactersReservedPerUrl: 23 }, 'CW').measure(text).length).toBe(2 + 5 + 23);
  });
});

describe('grapheme counting', () => {
  it('counts plain ASCII, CRLF, emoji sequences and combining marks as people see them', async () => {
    const { graphemeLength } = await import('../../src/render/graphemes.js');
    expect(graphemeLength('Plain ASCII text\twith a tab\nand a newline')).toBe(41);
    expect(graphemeLength('a\r\nb')).toBe(3);
    expect(graphemeLength('👨‍👩‍👧‍👦 🇧🇷 Cafe\u0301')).toBe(8);
  });
});

import twitterText from 'twitter-text';
import { describe, expect, it } from 'vitest';
import { blueskyTextRules } from '../../src/platforms/bluesky/text-rules.js';
import type { TextRules } from '../../src/platforms/contract.js';
import { mastodonTextRules } from '../../src/platforms/mastodon/text-rules.js';
import { xTextRules } from '../../src/platforms/x/text-rules.js';
import { templateContext, type TemplateContext } from '../../src/render/context.js';
import { fitPost, FitError, UnpostableTextError } from '../../src/render/fit.js';
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
    // Every line reads clean: no leading or trailing whitespace, no run of blank lines.
    for (const line of fitted.text.split('\n')) expect(line).toBe(line.trim());
    expect(fitted.text).not.toMatch(/\n\n\n/);
    // A cut summary is no stub, ends at a sentence or on a word before one "…" (never on
    // punctuation before it), and holds at most one "…".
    const bullet = fitted.text.split('\n').find((line) => line.startsWith('• '))?.slice(2);
    if (bullet !== undefined && bullet !== context.summary.trim()) {
      expect(bullet.split('…').length - 1).toBeLessThanOrEqual(1);
      expect(bullet).toMatch(/(?:[.!?。！？]|[^\s,;:、，；：،؛–—(-]…)$/u);
      expect([...new Intl.Segmenter(undefined, { granularity: 'word' }).segment(bullet)].filter((w) => w.isWordLike).length).toBeGreaterThanOrEqual(5);
    }
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

describe('fitting that reads well', () => {
  const at = (platform: keyof typeof render, c: Case, language = 'en') =>
    fitPost(render[platform], { ...contextFor(c, platform), language }, rules[platform]);

  it('drops a summary rather than keep a stub of it, and keeps the hashtags then', () => {
    // Title + URL + hashtags leave room for three words of summary on X: a stub ("• The plan…").
    const title = `Council approves the harbour bridge ${'after a long and heated debate '.repeat(6).trim()}`;
    const fitted = at('x', { name: 'stub', title, summary: 'The plan was first drawn up in 2019 by the port authority and the city.' });
    expect(fitted.adjustments).toEqual(['summary dropped']);
    expect(fitted.text).not.toContain('•');
    expect(fitted.text).toContain('#Local #news');
  });

  it('prefers a whole sentence to a longer cut inside the next one', () => {
    const first = 'The vote was 7 to 2 after a debate that lasted most of the night, with the mayor casting the last vote at three in the morning.';
    const fitted = at('x', { name: 's', title: 'Council approves bridge', summary: `${first} ${words(60, 'Word')}` });
    expect(fitted.text).toContain(`• ${first}\n`);
    expect(fitted.text).not.toContain('…');
  });

  it('never ends a cut on a function word of the post language, nor on punctuation before "…"', () => {
    const english = `${'Ministers met in Brussels '.repeat(8)}and the talks went on, for the sake of the union and of the`;
    const en = at('bluesky', { name: 'en', title: 'Summit', summary: `${english} ${words(60)}` });
    expect(en.text).not.toMatch(/\b(?:and|the|of|for)…/);
    expect(en.text).not.toMatch(/[,;:]…/);
    const german = `${'Die Gewerkschaft ruft zum Streik auf '.repeat(8)}und die Bahn warnt vor Ausfällen bei der ${words(60)}`;
    const de = at('bluesky', { name: 'de', title: 'Streik', summary: german }, 'de');
    expect(de.text).not.toMatch(/\b(?:und|der|die|bei|vor)…/);
  });

  it('writes the X link line without a leading space when there are no hashtags', () => {
    const fitted = fitPost(render.x, { ...contextFor(CASES[0] as Case, 'x'), categories: [], tags: [] }, rules.x);
    expect(fitted.text.split('\n').at(-1)).toBe('https://news.example.org/2026/11/29/short-ascii');
  });

  it('turns a WordPress "[…]" excerpt marker into one "…", and drops it after a full stop', () => {
    const context = (summary: string) => templateContext(makeArticle({ key: 'k', summary }), { channelId: 'm', platform: 'mastodon', language: 'en' });
    const cut = fitPost(render.mastodon, context('The plan was drawn up in 2019 by the port and […]'), rules.mastodon);
    expect(cut.text).toContain('• The plan was drawn up in 2019 by the port…\n');
    const whole = fitPost(render.mastodon, context('The plan was drawn up in 2019. [...]'), rules.mastodon);
    expect(whole.text).toContain('• The plan was drawn up in 2019.\n');
  });

  it.each([
    ['headline', { title: 'Caf\uFFFD reopens' }, /headline contains U\+FFFD, the replacement character/],
    ['summary', { summary: 'Smart \u0093quotes\u0094 read as Latin-1' }, /summary contains the control character U\+0093/],
    ['summary', { summary: 'A NUL\u0000 byte' }, /summary contains the control character U\+0000/],
  ])('refuses a %s with U+FFFD or a control character, with the reason', (_field, fields, message) => {
    const context = { ...contextFor(CASES[0] as Case, 'x'), ...fields };
    expect(() => fitPost(render.x, context, rules.x)).toThrow(UnpostableTextError);
    expect(() => fitPost(render.x, context, rules.x)).toThrow(message);
  });

  it('refuses a control character that comes from a template, but folds its tabs and CRs', () => {
    const tabs = engine.compile('{{title}}\t\t{{url}}\r\n\r\n\r\n#tag ', 'tabs.hbs');
    expect(fitPost(tabs, contextFor(CASES[0] as Case, 'x'), rules.x).text).toBe('Council approves bridge https://news.example.org/2026/11/29/short-ascii\n\n#tag');
    const bell = engine.compile('{{title}}\u0007', 'bell.hbs');
    expect(() => fitPost(bell, contextFor(CASES[0] as Case, 'x'), rules.x)).toThrow(/post contains the control character U\+0007/);
  });
});

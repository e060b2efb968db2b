import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blueskyTextRules } from '../../src/platforms/bluesky/text-rules.js';
import type { TextRules } from '../../src/platforms/contract.js';
import { mastodonTextRules } from '../../src/platforms/mastodon/text-rules.js';
import { xTextRules } from '../../src/platforms/x/text-rules.js';
import { templateContext } from '../../src/render/context.js';
import { fitPost, FitError } from '../../src/render/fit.js';
import { createTemplateEngine } from '../../src/render/templates.js';
import { BUILTIN_TEMPLATES_DIR } from '../../src/runtime/templates.js';
import { makeArticle } from '../support/articles.js';
import { feedText, fuzzOptions, fuzzTimeoutMs } from '../support/fuzz.js';

const engine = createTemplateEngine();
const platforms: { name: string; rules: TextRules; render: ReturnType<typeof engine.compileFile> }[] = [
  { name: 'x', rules: xTextRules(), render: engine.compileFile(`${BUILTIN_TEMPLATES_DIR}/x.hbs`) },
  { name: 'bluesky', rules: blueskyTextRules(), render: engine.compileFile(`${BUILTIN_TEMPLATES_DIR}/bluesky.hbs`) },
  // A small instance limit too: Mastodon's is the server's (max_characters), never a constant.
  { name: 'mastodon', rules: mastodonTextRules({ maxCharacters: 500, charactersReservedPerUrl: 23 }), render: engine.compileFile(`${BUILTIN_TEMPLATES_DIR}/mastodon.hbs`) },
  { name: 'mastodon-140', rules: mastodonTextRules({ maxCharacters: 140, charactersReservedPerUrl: 23 }), render: engine.compileFile(`${BUILTIN_TEMPLATES_DIR}/mastodon.hbs`) },
];

const words = fc.array(fc.constantFrom('council', 'harbour', 'bridge', 'Zürich', '東京', '🌊', '👩‍👩‍👧', 'naïve', 'a', 'supercalifragilisticexpialidocious', 'مرحبا', '—'), { minLength: 1, maxLength: 60 }).map((w) => w.join(' '));
const text = fc.oneof(words, feedText);
const link = fc.oneof(fc.webUrl({ withQueryParameters: true }), fc.constant('https://news.example.org/2026/12/02/a-story'));

describe('fuzz: fitting a post to its platform (src/render/fit.ts)', () => {
  it.each(platforms)('$name: fits within the limit with the link whole, or refuses with a FitError; nothing else escapes', ({ name, rules, render }) => {
    fc.assert(
      fc.property(text, text, fc.array(text, { maxLength: 6 }), link, (title, summary, tags, url) => {
        const article = makeArticle({ key: 'fuzz', title, summary, tags, url });
        const context = templateContext(article, { channelId: `${name}-main`, platform: name.replace(/-\d+$/, ''), language: 'en' });
        let fitted;
        try {
          fitted = fitPost(render, context, rules);
        } catch (error) {
          expect(error).toBeInstanceOf(FitError);
          return;
        }
        const measure = rules.measure(fitted.text);
        expect(measure.fits).toBe(true);
        expect(measure.length).toBeLessThanOrEqual(rules.limit);
        // The link is never cut: whole in the text (Bluesky shows it shortened, as a facet over it).
        expect(fitted.text).toContain(context.url);
      }),
      fuzzOptions(),
    );
  }, fuzzTimeoutMs());
});

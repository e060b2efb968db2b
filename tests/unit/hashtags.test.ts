import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { channelSchema } from '../../src/config/schema.js';
import { renderPost } from '../../src/delivery/render-post.js';
import { mastodonTextRules } from '../../src/platforms/mastodon/text-rules.js';
import { platformFor } from '../../src/platforms/registry.js';
import { hashtagsFrom, labelHashtag } from '../../src/render/hashtags.js';
import { createTemplateEngine } from '../../src/render/templates.js';
import type { ChannelRuntime } from '../../src/runtime/channels.js';
import { BUILTIN_TEMPLATES_DIR } from '../../src/runtime/templates.js';
import { makeArticle } from '../support/articles.js';

describe('labelHashtag: one rule for every category and tag', () => {
  it('a category path gives its last segment, whatever the separator', () => {
    expect(labelHashtag('News/World/Europe')).toBe('#Europe');
    expect(labelHashtag('Nachrichten > Wirtschaft')).toBe('#Wirtschaft');
    expect(labelHashtag('Accueil » Société › Éducation nationale')).toBe('#ÉducationNationale');
    // The 47-character hashtag of issue 12 came from this kind of path.
    expect(labelHashtag('International Relations/Security Policy/Middle East')).toBe('#MiddleEast');
  });

  it('WordPress’s "Uncategorized" (any case, several locales) never becomes a hashtag, nor as a path’s end', () => {
    for (const label of ['Uncategorized', 'uncategorized', 'Non classé', 'Sin categoría', 'Без рубрики', '未分類', 'Blog/Uncategorized']) {
      expect(labelHashtag(label)).toBeUndefined();
    }
  });

  it('a configured stop list is compared case-insensitively, with white space folded', () => {
    expect(labelHashtag('Featured', { stop: ['featured', 'Breaking  News'] })).toBeUndefined();
    expect(labelHashtag('breaking news', { stop: ['featured', 'Breaking  News'] })).toBeUndefined();
    expect(labelHashtag('Climate', { stop: ['featured'] })).toBe('#Climate');
  });

  it('drops a hashtag longer than the maximum (default 25) instead of cutting it', () => {
    expect(labelHashtag('Klimawandel und Energiepolitik in Europa')).toBeUndefined(); // 36 characters
    expect(labelHashtag('Klimawandel und Energiepolitik in Europa', { maxLength: 40 })).toBe('#KlimawandelUndEnergiepolitikInEuropa');
    expect(labelHashtag('Local news', { maxLength: 5 })).toBeUndefined();
    expect(labelHashtag('Local news', { maxLength: 9 })).toBe('#LocalNews');
  });

  it('a channel map wins: by the whole label, then by its last segment; "" means no hashtag', () => {
    const map = { 'Politik & Gesellschaft': '#Politik', 'news/local': 'Lokales', Europe: 'EU', Sponsored: '' };
    expect(labelHashtag('Politik & Gesellschaft', { map })).toBe('#Politik');
    expect(labelHashtag('News/Local', { map })).toBe('#Lokales');
    expect(labelHashtag('News/World/Europe', { map })).toBe('#EU');
    expect(labelHashtag('Sponsored', { map })).toBeUndefined();
    // A mapped hashtag is the newsroom's choice: neither the stop list nor the length limit applies.
    expect(labelHashtag('Uncategorized', { map: { Uncategorized: '#Blog' } })).toBe('#Blog');
    expect(labelHashtag('Europe', { map, maxLength: 1 })).toBe('#EU');
  });

  it('hashtagsFrom keeps the first of equal hashtags and stops at max', () => {
    expect(hashtagsFrom([['Uncategorized', 'News/Climate', 'climate'], ['Energy', 'Grid']], 2)).toEqual(['#Climate', '#Energy']);
  });
});

describe('a channel’s hashtags options reach the post', () => {
  const engine = createTemplateEngine();
  const file = join(BUILTIN_TEMPLATES_DIR, 'mastodon.hbs');
  const render = engine.compileFile(file);

  function channel(hashtags: unknown): ChannelRuntime {
    const config = channelSchema.parse({ id: 'masto', platform: 'mastodon', dryRun: true, instance: 'https://social.example.org', hashtags });
    return {
      config,
      platform: platformFor(config),
      adapter: { verify: () => Promise.reject(new Error('never')), publish: () => Promise.reject(new Error('never')) },
      // Mastodon's defaults (https://docs.joinmastodon.org/entities/Instance/#max_characters).
      textRules: () => Promise.resolve(mastodonTextRules({ maxCharacters: 500, charactersReservedPerUrl: 23 })),
    };
  }

  it('renders map, stop list and path rule through the Mastodon default template', async () => {
    const article = makeArticle({
      key: 'wp-post-118',
      title: 'Council approves the harbour bridge',
      summary: 'The vote was 7 to 2.',
      categories: ['Uncategorized', 'Nachrichten/Lokales', 'Featured'],
      tags: ['Hafenbrücke', 'Verkehrspolitik und Stadtentwicklung in Hamburg'],
    });
    const templates = { forDelivery: () => render, pathFor: () => file };
    const plain = await renderPost(article, channel(undefined), templates, undefined, 'de');
    expect(plain.text.split('\n').at(-1)).toBe('#Lokales #Featured #Hafenbrücke');

    const configured = await renderPost(article, channel({ map: { lokales: '#Hamburg' }, stop: ['Featured'] }), templates, undefined, 'de');
    expect(configured.text.split('\n').at(-1)).toBe('#Hamburg #Hafenbrücke');
  });

  it('rejects a map value that is not a hashtag, naming the field', () => {
    const parsed = channelSchema.safeParse({ id: 'masto', platform: 'mastodon', dryRun: true, instance: 'https://social.example.org', hashtags: { map: { Politics: 'two words' } } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['hashtags', 'map', 'Politics']);
    expect(parsed.error?.issues[0]?.message).toContain('write a hashtag such as');
  });
});

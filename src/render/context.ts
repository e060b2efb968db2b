import type { Article } from '../articles/article.js';
import { isFunctionWord } from './function-words.js';
import { segmenter } from './segmenters.js';

/**
 * What a template can use. Every field is always present (empty string, empty list or null) so
 * templates compile in strict mode: a typo like {{titel}} fails when the config loads instead of
 * posting an empty line. Documented in README.md ("Template fields").
 */
export interface TemplateContext {
  title: string;
  summary: string;
  url: string;
  canonicalUrl: string;
  categories: string[];
  tags: string[];
  authors: string[];
  author: string;
  publishedAt: string;
  image: { url: string; alt: string } | null;
  language: string;
  source: string;
  channel: string;
  platform: string;
}

export interface ContextTarget {
  channelId: string;
  platform: string;
  /** The post's language, already resolved (post-language.ts). */
  language: string;
  imageAlt?: string | undefined;
  /** How the post's link reads in the text (`{{url}}`); default: the article's URL. */
  linkText?: string | undefined;
}

export function templateContext(article: Article, target: ContextTarget): TemplateContext {
  return {
    title: article.title,
    summary: withoutExcerptMarker(article.summary, target.language),
    url: target.linkText ?? article.url,
    canonicalUrl: article.canonicalUrl,
    categories: article.categories,
    tags: article.tags,
    authors: article.authors,
    author: article.authors[0] ?? '',
    publishedAt: article.publishedAt.toISOString(),
    image: article.image ? { url: article.image.url, alt: article.image.alt ?? target.imageAlt ?? '' } : null,
    language: target.language,
    source: article.sourceId,
    channel: target.channelId,
    platform: target.platform,
  };
}

/**
 * WordPress ends excerpts with " […]" and many feeds with "...": one "…" says the same, and a
 * summary cut later never shows two (cut-text.ts keeps one "…" per field). Like Crier's own
 * cuts, the excerpt then ends on a word that is not a function word ("and…" backs off).
 */
export function withoutExcerptMarker(summary: string, language: string): string {
  const marker = /\s*(?:\[(?:…|\.\.\.)\]|\.\.\.|…)$/u.exec(summary);
  if (!marker) return summary;
  const before = summary.slice(0, marker.index);
  // "It ends here. […]": the sentence is whole, the marker only says the article goes on.
  if (before === '' || /[.!?。！？]$/u.test(before)) return before;
  return `${withoutTrailingFunctionWords(before, language)}…`;
}

function withoutTrailingFunctionWords(text: string, language: string): string {
  let kept = text;
  for (;;) {
    const last = [...segmenter(language, 'word').segment(kept)].filter((s) => s.isWordLike).at(-1);
    if (!last || !isFunctionWord(last.segment, language) || last.index === 0) return kept;
    kept = kept.slice(0, last.index).replace(/[\s,;:–—-]+$/u, '');
  }
}

/** The article every template is test-rendered against when the config loads. */
export function sampleArticle(): Article {
  return {
    sourceId: 'sample',
    key: 'sample',
    url: 'https://news.example.org/2026/11/29/sample-story?id=1',
    canonicalUrl: 'https://news.example.org/2026/11/29/sample-story?id=1',
    title: 'Council approves the new harbour bridge after a year of debate',
    summary: 'The vote was 7 to 2. Construction starts in spring and should take three years.',
    categories: ['Local news', 'Transport'],
    tags: ['bridge'],
    authors: ['Ana Müller'],
    publishedAt: new Date('2026-11-29T08:00:00Z'),
    image: { url: 'https://news.example.org/img/bridge.jpg', alt: 'The harbour at dusk' },
    language: 'en',
  };
}

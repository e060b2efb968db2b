import type { Article } from '../../src/articles/article.js';

/** A realistic article; override what a test is about. */
export function makeArticle(overrides: Partial<Article> & { key: string }): Article {
  const slug = overrides.key.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const url = overrides.url ?? `https://news.example.org/2026/11/29/${slug}`;
  return {
    sourceId: 'news',
    url,
    canonicalUrl: overrides.canonicalUrl ?? url,
    title: `Story ${overrides.key}`,
    summary: 'A summary of the story.',
    categories: ['Local'],
    tags: [],
    authors: ['Ana Müller'],
    publishedAt: new Date('2026-11-29T10:00:00Z'),
    ...overrides,
  };
}

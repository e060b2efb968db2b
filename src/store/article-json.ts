import type { Article } from '../articles/article.js';

/**
 * How an article is kept in a store: whole, as JSON text, with its dates as ISO strings; the
 * columns beside it exist for lookups and history. One form for every store, because `crier
 * store copy` moves the text from SQLite to PostgreSQL as it is.
 */
export function articleToJson(article: Article): string {
  return JSON.stringify(article);
}

interface ArticleJson extends Omit<Article, 'publishedAt' | 'updatedAt'> {
  publishedAt: string;
  updatedAt?: string;
}

export function articleFromJson(data: string): Article {
  const parsed = JSON.parse(data) as ArticleJson;
  return {
    ...parsed,
    publishedAt: new Date(parsed.publishedAt),
    updatedAt: parsed.updatedAt === undefined ? undefined : new Date(parsed.updatedAt),
  };
}

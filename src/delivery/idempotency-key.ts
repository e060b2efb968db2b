import { createHash } from 'node:crypto';
import type { Article } from '../articles/article.js';

/**
 * Every delivery's idempotency key is derived here and nowhere else. Platform idempotency
 * material (the Mastodon Idempotency-Key, the Bluesky record key) derives from it, so it must be
 * stable across retries, restarts and replicas, and different for every channel and every post.
 */

/** The story as every source knows it: its canonical URL, or (no link) its source and key. */
function articleIdentity(article: Pick<Article, 'canonicalUrl' | 'sourceId' | 'key'>): string {
  return article.canonicalUrl || `${article.sourceId}\n${article.key}`;
}

function hash(material: string, channelId: string): string {
  return createHash('sha256').update(`${material}\n${channelId}`).digest('hex').slice(0, 32);
}

/** The article's first post on a channel. */
export function deliveryKey(article: Pick<Article, 'canonicalUrl' | 'sourceId' | 'key'>, channelId: string): string {
  return hash(articleIdentity(article), channelId);
}

/** The repost of a changed headline: a new post, never the old one again. */
export function headlineKey(firstKey: string, title: string, channelId: string): string {
  return hash(`${firstKey}\ntitle ${title}`, channelId);
}

/** An editor's forced repost: a new post each time it is asked for. */
export function repostKey(currentKey: string, channelId: string, at: Date): string {
  return hash(`${currentKey}\nrepost ${at.toISOString()}`, channelId);
}

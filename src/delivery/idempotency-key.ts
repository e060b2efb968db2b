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

/**
 * The retraction of one post: derived from the post's own key, so a second `crier retract` (or a
 * crash between queueing and sending) finds the same follow-up, while a later repost of the
 * article (a new key) gets a retraction of its own.
 */
export function retractKey(postKey: string, channelId: string): string {
  return hash(`${postKey}\nretract`, channelId);
}

/**
 * A correction under one post: the same words under the same post are one reply (a second
 * `crier correct` with them is a no-op); other words are another correction. The key is also the
 * reply's platform idempotency material (Mastodon Idempotency-Key, Bluesky record key).
 */
export function correctionKey(postKey: string, text: string, channelId: string): string {
  return hash(`${postKey}\ncorrect ${text.normalize('NFC')}`, channelId);
}

/** The edit of a post's own text that goes with a correction (`crier correct --edit`). */
export function editKey(postKey: string, text: string, channelId: string): string {
  return hash(`${postKey}\nedit ${text.normalize('NFC')}`, channelId);
}

import { canonicalUrl } from '../articles/canonical-url.js';
import { UsageError } from './output.js';

export type ArticleRef = { kind: 'id'; id: number } | { kind: 'url'; url: string; canonical: string };

/** `<url | article id>` as editors type it: a number is an article id, anything else a URL. */
export function parseArticleRef(ref: string): ArticleRef {
  if (/^\d+$/.test(ref)) return { kind: 'id', id: Number(ref) };
  try {
    return { kind: 'url', url: ref, canonical: canonicalUrl(ref) };
  } catch {
    throw new UsageError(`"${ref}" is neither an article id nor an http(s) URL`);
  }
}

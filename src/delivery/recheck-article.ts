import type { ArticleUrlCheck } from '../platforms/check-article-url.js';
import type { Delivery } from '../store/store.js';

/** Looks at an article's page now; injected so tests need no network. */
export type ArticleUrlChecker = (url: string) => Promise<ArticleUrlCheck>;

export interface ArticleRecheck {
  /** A delivery that waited longer than this is checked just before it is sent. */
  afterMs: number;
  check: ArticleUrlChecker;
}

export const DEFAULT_RECHECK_AFTER_MS = 120_000;

export type RecheckVerdict = { send: true; checked: boolean; note?: string } | { send: false; reason: string; status: number };

/**
 * A story can be taken down while its delivery waits (a pause, spacing, quiet hours, caps, a rate
 * limit, a backoff): one that waited longer than `afterMs` looks at its page once more before it
 * goes out. Only a 404 or 410 stops it; no answer, a timeout or a 5xx sends as usual, so a check
 * never blocks publishing. A fresh delivery is not checked: a push goes out at once.
 */
export async function recheckBeforeSend(recheck: ArticleRecheck | undefined, delivery: Delivery, url: string, now: Date): Promise<RecheckVerdict> {
  if (!recheck || now.getTime() - delivery.createdAt.getTime() <= recheck.afterMs) return { send: true, checked: false };
  let result: ArticleUrlCheck;
  try {
    result = await recheck.check(url);
  } catch (error) {
    return { send: true, checked: true, note: `article check failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (result.kind === 'gone') return { send: false, status: result.status, reason: `article gone: ${url} answered HTTP ${result.status}` };
  if (result.kind === 'unknown') return { send: true, checked: true, note: `article check had no answer (${result.reason}); sending as usual` };
  return { send: true, checked: true };
}

import { fetch, type Dispatcher } from 'undici';

/**
 * What an article's page says now: `gone` only on a clear 404 or 410 (the newsroom took the story
 * down); `live` on any other answer; `unknown` when there was no answer (network error, timeout,
 * too many redirects). Only `gone` may stop a post: a check never blocks publishing.
 */
export type ArticleUrlCheck =
  | { kind: 'gone'; status: 404 | 410; finalUrl: string }
  | { kind: 'live'; status: number }
  | { kind: 'unknown'; reason: string };

export interface CheckArticleUrlOptions {
  /** One budget for every request and redirect of the check. Default 5 000. */
  timeoutMs?: number;
  /** As for feeds. Default 5. */
  maxRedirects?: number;
  dispatcher?: Dispatcher | undefined;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const USER_AGENT = 'Crier/0.1 (article check)';

/**
 * HEAD the article's URL (a GET, body discarded, where HEAD is refused with 405 or 501), following
 * redirects by hand so their number is bounded and a redirect never leaves http(s).
 */
export async function checkArticleUrl(url: string, options: CheckArticleUrlOptions = {}): Promise<ArticleUrlCheck> {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const signal = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let current = url;
  try {
    for (let redirects = 0; ; redirects++) {
      let status = await request(current, 'HEAD', signal, options.dispatcher);
      if (status.code === 405 || status.code === 501) status = await request(current, 'GET', signal, options.dispatcher);
      if (status.code === 404 || status.code === 410) return { kind: 'gone', status: status.code, finalUrl: current };
      if (!REDIRECT_STATUSES.has(status.code)) return { kind: 'live', status: status.code };
      if (status.location === null) return { kind: 'live', status: status.code };
      if (redirects >= maxRedirects) return { kind: 'unknown', reason: `more than ${maxRedirects} redirects` };
      const next = new URL(status.location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') return { kind: 'unknown', reason: `redirected to a non-HTTP URL ${next.protocol}` };
      current = next.href;
    }
  } catch (error) {
    if (signal.aborted) return { kind: 'unknown', reason: `no answer within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms` };
    return { kind: 'unknown', reason: error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error) };
  }
}

async function request(url: string, method: 'HEAD' | 'GET', signal: AbortSignal, dispatcher: Dispatcher | undefined): Promise<{ code: number; location: string | null }> {
  const response = await fetch(url, {
    method,
    redirect: 'manual',
    signal,
    headers: { 'user-agent': USER_AGENT, accept: 'text/html,*/*' },
    ...(dispatcher ? { dispatcher } : {}),
  });
  // Only the status matters: the body (of a GET) is never read.
  await response.body?.cancel().catch(() => undefined);
  return { code: response.status, location: response.headers.get('location') };
}

import { fetch, type Dispatcher, type Response } from 'undici';
import { collect, decodeBody } from '../feed/read-body.js';
import { sharedParsePool } from '../feed/parse-pool.js';

export interface Discovered {
  hub: string;
  /** The feed's self URL: what the hub knows the topic as (hub.topic). */
  topic: string;
}

export interface DiscoverOptions {
  sourceId: string;
  /** The hub from the config, for feeds that advertise none. */
  hub?: string | undefined;
  deadlineMs: number;
  now: Date;
  dispatcher?: Dispatcher | undefined;
  /** Aborts the attempt (daemon shutdown). */
  signal?: AbortSignal | undefined;
}

const MAX_BYTES = 15 * 1024 * 1024;
const MAX_REDIRECTS = 5;

/**
 * WebSub discovery: GET the feed, take rel=hub / rel=self from the HTTP Link header first, and
 * only without one from the feed itself (atom:link, JSON Feed hubs/feed_url).
 * https://www.w3.org/TR/websub/#discovery — "Subscribers MUST check for HTTP Link headers first."
 * The topic is the self URL; without one, the URL the feed was finally fetched from.
 * https://www.w3.org/TR/websub/#subscriber-sends-subscription-request ("MUST be the self URL")
 */
export async function discoverHub(feedUrl: string, options: DiscoverOptions): Promise<Discovered> {
  const { response, finalUrl } = await fetchTopic(feedUrl, options);
  const header = linkRelations(response.headers.get('link') ?? '', finalUrl);
  let hub = header.get('hub');
  let self = header.get('self');
  if (hub === undefined) {
    const bytes = response.body
      ? await collect(response.body, MAX_BYTES, () => new Error(`WebSub discovery: feed ${feedUrl} is larger than 15 MiB`))
      : Buffer.alloc(0);
    const feed = await sharedParsePool().parse(decodeBody(bytes, response.headers.get('content-type') ?? undefined), {
      sourceId: options.sourceId,
      feedUrl: finalUrl,
      now: options.now,
    });
    hub = feed.hubUrl;
    self ??= feed.selfUrl;
  } else {
    await response.body?.cancel().catch(() => undefined);
  }
  hub = options.hub ?? hub;
  if (hub === undefined) {
    throw new Error(
      `feed ${feedUrl} advertises no WebSub hub (no Link rel="hub" header, no rel="hub" link in the feed); ` +
        'set `hub:` on the source if you know its hub, or use kind: feed',
    );
  }
  return { hub, topic: self ?? finalUrl };
}

/** GET with the feed fetcher's limits: one deadline for everything, at most 5 redirects, http(s) only. */
async function fetchTopic(feedUrl: string, options: DiscoverOptions): Promise<{ response: Response; finalUrl: string }> {
  const deadline = AbortSignal.timeout(options.deadlineMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  let current = feedUrl;
  for (let redirects = 0; ; redirects++) {
    let response: Response;
    try {
      response = await fetch(current, {
        signal,
        redirect: 'manual',
        headers: { accept: 'application/atom+xml, application/rss+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5' },
        ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`WebSub discovery: feed ${feedUrl} could not be fetched (${reason})`, { cause: error });
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null && redirects < MAX_REDIRECTS) {
      await response.body?.cancel().catch(() => undefined);
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new Error(`WebSub discovery: feed ${feedUrl} redirected to ${next.href}`);
      current = next.href;
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`WebSub discovery: feed ${feedUrl} answered HTTP ${response.status}`);
    }
    return { response, finalUrl: current };
  }
}

/**
 * The first URL of each relation in an RFC 8288 Link header (`<url>; rel="hub self", <url>; rel=…`),
 * resolved against the response URL. Only http(s) URLs count.
 */
export function linkRelations(header: string, base: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2] ?? '');
    const names = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    let url: URL;
    try {
      url = new URL(match[1] ?? '', base);
    } catch {
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') continue;
    for (const name of names) if (!found.has(name)) found.set(name, url.href);
  }
  return found;
}

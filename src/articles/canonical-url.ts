/**
 * One URL per story, so the same article found in several section feeds (or with a campaign
 * tag, an AMP twin, or an http/https flip in its GUID) is recognised as one. The result is an
 * identity, not a link to publish: posts use Article.url.
 */

/** Query parameters that only track the click; compared case-insensitively. */
const TRACKING_PARAMS: ReadonlySet<string> = new Set([
  'fbclid',
  'gclid',
  'mc_cid',
  'mc_eid',
  'ref',
  'cmpid',
  'ocid',
  '_ga',
  'igshid',
]);

/** Whether a query parameter only tracks the click (utm_*, fbclid, …): posts drop them too. */
export function isTrackingParam(name: string): boolean {
  const lower = name.replace(/^(?:amp;)+/i, '').toLowerCase();
  return lower.startsWith('utm_') || TRACKING_PARAMS.has(lower);
}

/** `?amp`, `?amp=1`, `?amp=true` select the AMP rendering of the same story. */
const AMP_QUERY_VALUES: ReadonlySet<string> = new Set(['', '1', 'true']);

/** RFC 3986 §2.3 unreserved characters: percent-encoding them changes nothing (§6.2.2.2). */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * Normalise `raw` (resolved against `base` when relative) to its canonical form.
 * Throws TypeError when the input is not a URL, as `new URL` does; callers treat that item
 * as having no link.
 */
export function canonicalUrl(raw: string, base?: string): string {
  const url = new URL(raw.trim(), base);

  // Setting the protocol also drops a port that becomes the default one (WHATWG URL spec).
  if (url.protocol === 'http:') url.protocol = 'https:';
  url.hash = '';
  url.hostname = canonicalHost(url.hostname);
  url.pathname = canonicalPath(url.pathname);
  url.search = canonicalQuery(url.searchParams);
  return url.href;
}

function canonicalHost(hostname: string): string {
  let host = hostname.replace(/\.$/, '');
  for (const prefix of ['www.', 'amp.']) {
    // Keep at least "name.tld": "amp.dev" is a site, not the AMP twin of "dev".
    if (host.startsWith(prefix) && host.indexOf('.', prefix.length) !== -1) {
      host = host.slice(prefix.length);
    }
  }
  return host;
}

function canonicalPath(pathname: string): string {
  let path = pathname.replace(/%[0-9A-Fa-f]{2}/g, (escape) => {
    const char = String.fromCharCode(Number.parseInt(escape.slice(1), 16));
    return UNRESERVED.test(char) ? char : escape.toUpperCase();
  });
  path = stripTrailingSlashes(path);
  if (path.endsWith('/amp')) path = path.slice(0, -'/amp'.length);
  // `/news/world-123.amp` is the AMP twin of `/news/world-123` (the BBC's scheme, among others).
  else if (path.endsWith('.amp')) path = path.slice(0, -'.amp'.length);
  if (path.startsWith('/amp/')) path = path.slice('/amp'.length);
  path = stripTrailingSlashes(path);
  return path === '' ? '/' : path;
}

function stripTrailingSlashes(path: string): string {
  return path.replace(/\/+$/, '');
}

function canonicalQuery(params: URLSearchParams): string {
  const kept = new URLSearchParams();
  for (const [rawName, value] of params) {
    // A feed that escapes its links twice (`&amp;amp;`) yields names like "amp;utm_source" once
    // parsed: the same link as the correctly escaped one, so it must fold to the same URL.
    const name = rawName.replace(/^(?:amp;)+/i, '');
    const lower = name.toLowerCase();
    if (isTrackingParam(lower)) continue;
    if (lower === 'amp' && AMP_QUERY_VALUES.has(value.toLowerCase())) continue;
    kept.append(name, value);
  }
  // Stable sort by name: the order of repeated names can carry meaning, so it is kept.
  kept.sort();
  const query = kept.toString();
  return query === '' ? '' : `?${query}`;
}

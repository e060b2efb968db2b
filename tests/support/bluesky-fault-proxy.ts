import { startFakeServer, type FakeFault, type FakeRequest, type FakeServer, type Reply } from './fakes/fake-server.js';

/**
 * The real Bluesky PDS behind the fault matrix of the X and Mastodon fakes (fake-server.ts): every
 * request is forwarded to the PDS, so records, record keys and putRecord's idempotency are the
 * real ones, and a fault set here hits com.atproto.repo.putRecord / createRecord (a 5xx with
 * XRPC JSON or a proxy's HTML page, before or after the PDS wrote the record; a 429 with
 * `ratelimit-*` headers; a hang; a reset halfway through the answer; a slow answer).
 *
 * The session answers lose their `didDoc`: @atproto/api would otherwise send every later
 * request to the PDS endpoint the DID document names, past the proxy.
 */
export async function startBlueskyFaultProxy(pdsUrl: string, now: () => Date): Promise<FakeServer> {
  return startFakeServer(
    {
      route: (request) => forward(pdsUrl, request),
      isPublish: (request) =>
        request.method === 'POST' &&
        (request.url.pathname === '/xrpc/com.atproto.repo.putRecord' || request.url.pathname === '/xrpc/com.atproto.repo.createRecord'),
      // https://docs.bsky.app/docs/advanced-guides/rate-limits: reset in epoch seconds.
      rateLimited: (_request, resetAt) => ({
        status: 429,
        body: { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' },
        headers: {
          'ratelimit-limit': '5000',
          'ratelimit-remaining': '0',
          'ratelimit-reset': String(Math.ceil(resetAt.getTime() / 1000)),
          'ratelimit-policy': '5000;w=3600',
        },
      }),
      serverErrorBody: () => ({ error: 'InternalServerError', message: 'Internal Server Error' }),
    },
    now,
  );
}

export type { FakeFault };

/** Request headers that belong to one hop, not to the request. */
const HOP_HEADERS: ReadonlySet<string> = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);
const SESSION_PATHS: ReadonlySet<string> = new Set([
  '/xrpc/com.atproto.server.createSession',
  '/xrpc/com.atproto.server.refreshSession',
  '/xrpc/com.atproto.server.getSession',
]);

async function forward(pdsUrl: string, request: FakeRequest): Promise<Reply> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || HOP_HEADERS.has(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  const response = await fetch(new URL(`${request.url.pathname}${request.url.search}`, pdsUrl), {
    method: request.method,
    headers,
    ...(hasBody ? { body: new Uint8Array(request.body) } : {}),
  });
  const type = response.headers.get('content-type') ?? 'application/octet-stream';
  const text = await response.text();
  const replyHeaders: Record<string, string> = { 'content-type': type };
  response.headers.forEach((value, name) => {
    if (name.startsWith('ratelimit-')) replyHeaders[name] = value;
  });
  if (!/json/i.test(type) || text === '') return { status: response.status, body: text, headers: replyHeaders };
  const json: unknown = JSON.parse(text);
  if (SESSION_PATHS.has(request.url.pathname) && typeof json === 'object' && json !== null && 'didDoc' in json) {
    const { didDoc: _dropped, ...rest } = json;
    return { status: response.status, body: rest, headers: replyHeaders };
  }
  return { status: response.status, body: json, headers: replyHeaders };
}

import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What can go wrong between Crier and a platform, for the fault matrix. A fault applies to the
 * publish endpoint (POST /api/v1/statuses, POST /2/tweets) unless `on: 'any'`, to the next
 * `times` matching requests (every one until cleared when `times` is left out).
 *
 * - status: a 5xx with the platform's JSON error or a proxy's HTML page. `afterCreate`: the
 *   request is carried out first (the post IS created), the classic unknown outcome.
 * - rate-limit: a 429 in the platform's shape, resetting `resetInSeconds` from the fake's clock.
 * - hang: the request is read and never answered (the client's timeout must fire).
 * - reset: the socket is destroyed; with `afterCreate` after the post is created and half of
 *   the real answer is written, without it before anything happens.
 * - slow: the request is carried out `ms` later, whether or not the client is still waiting
 *   (a server does not notice a client that gave up).
 */
export type FakeFault = (
  | { kind: 'status'; status: 500 | 502 | 503; body: 'json' | 'html'; afterCreate?: boolean }
  | { kind: 'rate-limit'; resetInSeconds: number }
  | { kind: 'hang' }
  | { kind: 'reset'; afterCreate?: boolean }
  | { kind: 'slow'; ms: number }
) & { times?: number; on?: 'publish' | 'any' };

/** One request as the fakes see it, body already read. */
export interface FakeRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Reply {
  status: number;
  /** Serialised as JSON, or sent as is when a string (HTML pages). */
  body: unknown;
  headers?: Record<string, string>;
}

/** What a fake platform tells the shared server. */
export interface FakeRoutes {
  /** Answers one request as the platform would (this is where posts are created). */
  route(request: FakeRequest): Reply | Promise<Reply>;
  isPublish(request: FakeRequest): boolean;
  /** The platform's 429, in its own body and header shape, for a rate-limit fault. */
  rateLimited(request: FakeRequest, resetAt: Date): Reply;
  /** The platform's JSON body for a 5xx. */
  serverErrorBody(status: number): unknown;
}

export interface FakeServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:54321 */
  url: string;
  /** Every request received, faulted ones included. */
  requests(): number;
  setFault(fault: FakeFault | undefined): void;
  close(): Promise<void>;
}

const HTML_PAGES: Readonly<Record<number, string>> = {
  500: '500 Internal Server Error',
  502: '502 Bad Gateway',
  503: '503 Service Temporarily Unavailable',
};

/**
 * A loopback HTTP server (127.0.0.1, port 0) that runs the fault matrix in front of a fake
 * platform's routes. Real sockets, so a reset or a hang is what the client library really sees.
 */
export async function startFakeServer(routes: FakeRoutes, now: () => Date): Promise<FakeServer> {
  let count = 0;
  let fault: FakeFault | undefined;
  const closing = new AbortController();

  function takeFault(request: FakeRequest): FakeFault | undefined {
    if (!fault || (fault.on !== 'any' && !routes.isPublish(request))) return undefined;
    const taken = fault;
    if (taken.times !== undefined) {
      const left = taken.times - 1;
      fault = left > 0 ? { ...taken, times: left } : undefined;
    }
    return taken;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    count += 1;
    const body = await readBody(req);
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      url: new URL(req.url ?? '/', 'http://fake.invalid'),
      headers: req.headers,
      body,
    };
    const current = takeFault(request);
    switch (current?.kind) {
      case undefined:
        return send(res, await routes.route(request));
      case 'slow':
        try {
          await sleep(current.ms, undefined, { signal: closing.signal });
        } catch {
          return; // the fake is closing
        }
        return send(res, await routes.route(request));
      case 'hang':
        return;
      case 'rate-limit':
        return send(res, routes.rateLimited(request, new Date(now().getTime() + current.resetInSeconds * 1000)));
      case 'status': {
        if (current.afterCreate) await routes.route(request);
        const page = `<html><head><title>${HTML_PAGES[current.status]}</title></head><body><center><h1>${HTML_PAGES[current.status]}</h1></center><hr><center>nginx</center></body></html>`;
        return send(
          res,
          current.body === 'html'
            ? { status: current.status, body: page, headers: { 'content-type': 'text/html' } }
            : { status: current.status, body: routes.serverErrorBody(current.status) },
        );
      }
      case 'reset': {
        if (!current.afterCreate) return void req.socket.destroy();
        const reply = await routes.route(request);
        const text = JSON.stringify(reply.body);
        res.writeHead(reply.status, {
          ...reply.headers,
          'content-type': 'application/json; charset=utf-8',
          'content-length': String(Buffer.byteLength(text)),
        });
        // Half the body reaches the client, then the connection dies.
        res.write(text.slice(0, Math.floor(text.length / 2)), () => req.socket.destroy());
        return;
      }
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`fake server bug: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake server has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests: () => count,
    setFault(next) {
      fault = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing.abort();
        // Hanging requests and keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json; charset=utf-8',
    ...reply.headers,
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * A fixed window opened by its first hit, like Mastodon's RateLimiter (a Redis counter that
 * expires one period after the first increment) and X's 15-minute windows.
 */
export interface RateWindow {
  limit: number;
  /** Counts one hit; false (and nothing counted) when the window is spent. */
  take(): boolean;
  remaining(): number;
  resetAt(): Date;
}

export function rateWindow(limit: number, windowMs: number, now: () => Date): RateWindow {
  let start: number | undefined;
  let used = 0;
  /** The open window's start, after closing one that has run out. */
  function current(): number | undefined {
    if (start !== undefined && now().getTime() >= start + windowMs) {
      start = undefined;
      used = 0;
    }
    return start;
  }
  return {
    limit,
    take() {
      start = current() ?? now().getTime();
      if (used >= limit) return false;
      used += 1;
      return true;
    },
    remaining() {
      current();
      return Math.max(0, limit - used);
    },
    resetAt() {
      return new Date((current() ?? now().getTime()) + windowMs);
    },
  };
}

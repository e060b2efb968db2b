import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Logger } from '../log/logger.js';

export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw body, capped at maxBodyBytes (signatures are computed over these exact bytes). */
  body: Buffer;
  params: Record<string, string>;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface Route {
  method: 'GET' | 'POST';
  /** A path with `:name` segments, e.g. /hooks/:source. */
  path: string;
  handle(request: HttpRequest): Promise<HttpResponse>;
}

export interface ServerOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  logger: Logger;
}

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

/**
 * One small HTTP server for health, metrics and inbound pushes (WebSub, webhooks). Loopback by
 * default: exposing it is a deliberate act (a reverse proxy), documented in the README.
 */
export async function startHttpServer(options: ServerOptions, routes: readonly Route[]): Promise<RunningServer> {
  const compiled = routes.map((route) => ({ route, match: compilePath(route.path) }));
  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      let response: HttpResponse;
      try {
        const found = compiled
          .map(({ route, match }) => ({ route, params: route.method === req.method ? match(url.pathname) : undefined }))
          .find((candidate) => candidate.params !== undefined);
        if (!found?.params) {
          response = { status: compiled.some(({ match }) => match(url.pathname)) ? 405 : 404, body: 'not found\n' };
        } else {
          const body = await readBody(req, options.maxBodyBytes);
          response = await found.route.handle({
            method: req.method ?? 'GET',
            path: url.pathname,
            query: url.searchParams,
            headers: req.headers,
            body,
            params: found.params,
          });
        }
      } catch (error) {
        if (error instanceof BodyTooLarge) response = { status: 413, body: `body larger than ${options.maxBodyBytes} bytes\n` };
        else {
          options.logger.error({ err: error, path: url.pathname }, 'HTTP handler failed');
          response = { status: 500, body: 'internal error\n' };
        }
      }
      res.writeHead(response.status, { 'content-type': 'text/plain; charset=utf-8', ...response.headers });
      res.end(response.body ?? '');
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('HTTP server has no TCP address');
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function compilePath(path: string): (pathname: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${path.replace(/:([a-zA-Z]+)/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    })}$`,
  );
  return (pathname) => {
    const match = pattern.exec(pathname);
    if (!match) return undefined;
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]));
  };
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > max) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > max) {
      req.destroy();
      throw new BodyTooLarge();
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

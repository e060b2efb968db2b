import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Logger } from '../log/logger.js';
import { serverLimits, type ServerLimits } from './server-limits.js';

export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw body, capped at maxBodyBytes (signatures are computed over these exact bytes). */
  body: Buffer;
  params: Record<string, string>;
  /** The peer's address (a proxy's, behind one): what a trusted-proxy header is checked against. */
  remoteAddress: string;
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
  /** Timeouts and caps per client (server-limits.ts); the defaults suit a server behind a proxy. */
  limits?: Partial<ServerLimits> | undefined;
  /** Where host and port come from, for an error that cannot listen (`server.listen in crier.yaml`). */
  configuredAt?: string | undefined;
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
  const limits = serverLimits(options.limits);
  const serverOptions = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
  const server = createServer(serverOptions, (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      let response: HttpResponse;
      let drained = true;
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
            remoteAddress: req.socket.remoteAddress ?? '',
            body,
            params: found.params,
          });
        }
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          // Read the rest before answering, so the client gets its 413 rather than a reset for
          // writing to a closed socket; past the drain cap it is an abuser and is cut off.
          drained = await discardBody(req, limits.drainBytes);
          response = { status: 413, headers: { connection: 'close' }, body: `body larger than ${options.maxBodyBytes} bytes\n` };
        } else {
          options.logger.error({ err: error, path: url.pathname }, 'HTTP handler failed');
          response = { status: 500, body: 'internal error\n' };
        }
      }
      res.writeHead(response.status, { 'content-type': 'text/plain; charset=utf-8', ...response.headers });
      res.end(response.body ?? '');
      if (!drained) res.once('finish', () => req.socket.destroy());
    })();
  });
  server.maxConnections = limits.maxConnections;
  // A property, not a createServer option: Node 20 ignores it there.
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? 'another process is listening there: stop it, or choose another port'
          : error.code === 'EACCES'
            ? 'this user may not bind it: choose a port above 1023'
            : error.code === 'EADDRNOTAVAIL'
              ? 'no network interface of this machine has that address'
              : error.message;
      const at = options.configuredAt ? ` (${options.configuredAt})` : '';
      reject(new Error(`the HTTP server cannot listen on ${options.host}:${options.port}${at}: ${why}`, { cause: error }));
    });
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

/** The body, or BodyTooLarge as soon as it passes `max` (declared or counted; chunked bodies declare nothing). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > max) return Promise.reject(new BodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.pause();
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
      else {
        stop();
        reject(new BodyTooLarge());
      }
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      stop();
      reject(error);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Reads and drops the rest of a refused body: true once it ended, false past `cap` bytes (or a broken connection). */
function discardBody(req: IncomingMessage, cap: number): Promise<boolean> {
  if (req.readableEnded) return Promise.resolve(true);
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (ended: boolean): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      resolve(ended);
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > cap) {
        req.pause();
        finish(false);
      }
    };
    const onEnd = (): void => finish(true);
    const onError = (): void => finish(false);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.resume();
  });
}

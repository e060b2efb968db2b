import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export interface TestServer {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:54321 */
  url: string;
  close(): Promise<void>;
}

/**
 * A real HTTP server on 127.0.0.1, port 0 (the OS picks a free one), so tests exercise real
 * sockets, framing and compression instead of a mock. A handler that throws answers 500 so a
 * broken test server fails the test loudly instead of hanging it.
 */
export async function startServer(handler: RequestHandler): Promise<TestServer> {
  const server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('test server has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Slow-drip and keep-alive sockets would otherwise hold close() open.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

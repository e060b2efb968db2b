import { createServer } from 'node:net';

/**
 * A TCP port that was free a moment ago, for configs that must name their public URL before
 * the daemon listens (a WebSub callback). The OS hands out ports in sequence, so a reuse inside
 * a test run is very unlikely.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpServer, type Route, type RunningServer } from '../../src/server/http-server.js';
import type { ServerLimits } from '../../src/server/server-limits.js';

const echo: Route = {
  method: 'POST',
  path: '/hooks/:source',
  handle: async (request) => ({ status: 202, body: `got ${request.body.length} bytes\n` }),
};
const health: Route = { method: 'GET', path: '/healthz', handle: async () => ({ status: 200, body: 'ok\n' }) };

let server: RunningServer | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.close();
  server = undefined;
});

async function start(limits: Partial<ServerLimits>, maxBodyBytes = 1024): Promise<{ host: string; port: number }> {
  server = await startHttpServer({ host: '127.0.0.1', port: 0, maxBodyBytes, logger: pino({ level: 'silent' }), limits }, [echo, health]);
  const url = new URL(server.url);
  return { host: url.hostname, port: Number(url.port) };
}

/** A raw TCP client: what it received, and how the connection ended. */
interface RawClient {
  socket: Socket;
  received(): string;
  /** Resolves when the server closes the connection: 'end' (FIN) or 'reset' (ECONNRESET). */
  closed: Promise<'end' | 'reset'>;
}

async function rawClient(address: { host: string; port: number }): Promise<RawClient> {
  const socket = connect(address.port, address.host);
  sockets.push(socket);
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
  });
  const closed = new Promise<'end' | 'reset'>((resolve) => {
    socket.once('end', () => resolve('end'));
    socket.once('error', () => resolve('reset'));
    socket.once('close', () => resolve('end'));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => text, closed };
}

describe('HTTP server limits (issue 14: no header timeout, no connection cap)', () => {
  it('closes a client that sends half its headers and then nothing (answering 408)', async () => {
    const address = await start({ headersTimeoutMs: 500, requestTimeoutMs: 1000, checkIntervalMs: 100 });
    const client = await rawClient(address);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    expect(await client.closed).toBe('end');
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a slowloris client that drips a header byte at a time, however long it keeps dripping', async () => {
    const address = await start({ headersTimeoutMs: 500, requestTimeoutMs: 1000, checkIntervalMs: 100 });
    const client = await rawClient(address);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    let drips = 0;
    const drip = setInterval(() => {
      drips += 1;
      if (!client.socket.destroyed) client.socket.write('a');
    }, 50);
    const how = await client.closed;
    clearInterval(drip);
    expect(how === 'end' || how === 'reset').toBe(true);
    expect(client.received()).not.toMatch(/ 200 /);
    expect(drips).toBeGreaterThan(0);
  });

  it('caps concurrent connections: the one past the cap is closed unanswered, the others are served', async () => {
    const address = await start({ maxConnections: 3, headersTimeoutMs: 5000, requestTimeoutMs: 5000 });
    const held = await Promise.all([rawClient(address), rawClient(address), rawClient(address)]);
    const extra = await rawClient(address);
    extra.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await extra.closed;
    expect(extra.received()).toBe('');
    const first = held[0];
    if (!first) throw new Error('no held connection');
    first.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    await first.closed;
    expect(first.received()).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('answers 413 to a chunked body over the limit, and the client reads it instead of a reset', async () => {
    const address = await start({}, 1024);
    const client = await rawClient(address);
    client.socket.write('POST /hooks/cms HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n');
    const chunk = 'x'.repeat(1000);
    for (let i = 0; i < 64; i += 1) client.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    client.socket.write('0\r\n\r\n');
    expect(await client.closed).toBe('end');
    expect(client.received()).toMatch(/^HTTP\/1\.1 413 /);
    expect(client.received()).toMatch(/body larger than 1024 bytes/);
  });

  it('answers 413 to a declared Content-Length over the limit without a reset', async () => {
    const address = await start({}, 1024);
    const client = await rawClient(address);
    const body = 'y'.repeat(20_000);
    client.socket.write(`POST /hooks/cms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(await client.closed).toBe('end');
    expect(client.received()).toMatch(/^HTTP\/1\.1 413 /);
  });

  it('still answers a body under the limit on the same server', async () => {
    const address = await start({}, 1024);
    const client = await rawClient(address);
    client.socket.write('POST /hooks/cms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 202 [\s\S]*got 5 bytes/);
  });

  it('limits requests per keep-alive connection, saying Connection: close on the last one', async () => {
    const address = await start({ maxRequestsPerSocket: 2, keepAliveTimeoutMs: 1000 });
    const client = await rawClient(address);
    const request = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    client.socket.write(request + request);
    expect(await client.closed).toBe('end');
    const answers = client.received().split('HTTP/1.1 ').slice(1);
    expect(answers).toHaveLength(2);
    expect(answers[0]).toMatch(/connection: keep-alive/i);
    expect(answers[1]).toMatch(/connection: close/i);
    expect(answers[0]).toMatch(/keep-alive: timeout=\d+, max=2/i);
  });

  it('closes an idle keep-alive connection after keepAliveTimeout', async () => {
    const address = await start({ keepAliveTimeoutMs: 2000 });
    const client = await rawClient(address);
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    expect(await client.closed).toBe('end');
    expect(client.received()).toMatch(/^HTTP\/1\.1 200 [\s\S]*keep-alive: timeout=2/i);
  });
});

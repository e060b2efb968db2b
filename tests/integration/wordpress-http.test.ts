import { describe, expect, it } from 'vitest';
import { wpGetJson } from '../../src/sources/wordpress/wp-http.js';
import { startServer } from '../support/http-server.js';

describe('WordPress REST requests: limits', () => {
  it('refuses a body over the cap while streaming', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`[${'"x",'.repeat(2000)}"x"]`);
    });
    try {
      await expect(wpGetJson(`${server.url}/wp-json/wp/v2/posts`, { deadlineMs: 5000, maxBytes: 1024 })).rejects.toMatchObject({
        code: 'too-large',
      });
    } finally {
      await server.close();
    }
  });

  it('gives up after the deadline', async () => {
    const server = await startServer(() => undefined); // never answers
    try {
      await expect(wpGetJson(`${server.url}/wp-json/wp/v2/posts`, { deadlineMs: 200 })).rejects.toMatchObject({ code: 'timeout' });
    } finally {
      await server.close();
    }
  });

  it('never sends the application password to another origin after a redirect', async () => {
    const seen: Array<string | undefined> = [];
    const other = await startServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    });
    const site = await startServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(301, { location: `${other.url}${req.url ?? '/'}` }).end();
    });
    try {
      const result = await wpGetJson(`${site.url}/wp-json/wp/v2/posts`, { deadlineMs: 5000, authorization: 'Basic c2VjcmV0' });
      expect(result).toMatchObject({ kind: 'ok', json: [] });
      expect(seen).toEqual(['Basic c2VjcmV0', undefined]);
    } finally {
      await Promise.all([site.close(), other.close()]);
    }
  });

  it('reports a challenge page that is not JSON', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><title>Just a moment…</title>');
    });
    try {
      await expect(wpGetJson(`${server.url}/wp-json/wp/v2/posts`, { deadlineMs: 5000 })).rejects.toThrow(/did not answer JSON \(it starts with "<!DOCTYPE html/);
    } finally {
      await server.close();
    }
  });
});

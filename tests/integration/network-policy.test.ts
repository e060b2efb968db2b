import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { loadConfig } from '../../src/config/load.js';
import { addressCheck, parseCidr } from '../../src/http/address-ranges.js';
import { createNetworkPolicy, NetworkPolicyError } from '../../src/http/network-policy.js';
import { DEFAULT_THUMBNAIL_LIMITS, findThumbnailSource, loadThumbnail } from '../../src/platforms/bluesky/thumbnail.js';
import { checkArticleUrl } from '../../src/platforms/check-article-url.js';
import { fetchImage } from '../../src/platforms/fetch-image.js';
import { makeArticle } from '../support/articles.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { hostsResolver, LOOPBACK } from '../support/network.js';
import { tempDir } from '../support/temp-dir.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const silent = pino({ level: 'silent' });
const dir = tempDir('crier-network-');
let images: TestServer;
const hits: string[] = [];

beforeAll(async () => {
  images = await startServer((req, res) => {
    hits.push(req.url ?? '');
    if (req.url === '/photo.png') res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    else if (req.url === '/article') res.writeHead(200, { 'content-type': 'text/html' }).end('<meta property="og:image" content="/photo.png">');
    else res.writeHead(404).end();
  });
});

afterAll(async () => {
  await images.close();
  dir.remove();
});

describe('address ranges', () => {
  const strict = addressCheck([]);

  it('refuses loopback, private, link-local, unique-local and other non-public addresses, IPv4-mapped ones included', () => {
    expect(strict('127.0.0.1')).toBe('loopback');
    expect(strict('::1')).toBe('loopback');
    expect(strict('::ffff:127.0.0.1')).toBe('loopback');
    expect(strict('10.1.2.3')).toBe('private');
    expect(strict('172.31.255.255')).toBe('private');
    expect(strict('192.168.0.10')).toBe('private');
    expect(strict('169.254.169.254')).toBe('link-local');
    expect(strict('fe80::1')).toBe('link-local');
    expect(strict('fd12:3456::1')).toBe('unique-local');
    expect(strict('100.64.0.1')).toBe('shared (carrier-grade NAT)');
    expect(strict('0.0.0.0')).toBe('unspecified');
    expect(strict('::')).toBe('unspecified');
    expect(strict('224.0.0.1')).toBe('multicast');
    for (const publicAddress of ['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700::1111']) expect(strict(publicAddress)).toBeUndefined();
  });

  it('lets through the ranges network.allowPrivate names, and nothing more', () => {
    const allow = addressCheck(['10.20.0.0/16', 'fd00::/8', '192.168.1.5']);
    expect(allow('10.20.3.4')).toBeUndefined();
    expect(allow('10.21.0.1')).toBe('private');
    expect(allow('fd00::5')).toBeUndefined();
    expect(allow('192.168.1.5')).toBeUndefined();
    expect(allow('192.168.1.6')).toBe('private');
    expect(allow('127.0.0.1')).toBe('loopback');
  });

  it('reads CIDR ranges, and refuses what is not one', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    expect(parseCidr('::1/128')).toEqual({ address: '::1', prefix: 128, family: 'ipv6' });
    expect(parseCidr('192.168.1.5')).toEqual({ address: '192.168.1.5', prefix: 32, family: 'ipv4' });
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'intranet.example.org', '10.0.0.0/8/1', 'fd00::/129', '']) expect(parseCidr(bad)).toBeUndefined();
  });

  it('reads network.allowPrivate and a route\'s allowNoLink from the config, both off by default', () => {
    const config = (extra: string, route: string) =>
      loadConfig(
        dir.write(
          `network-${Math.random().toString(36).slice(2)}.yaml`,
          `store: { path: crier.db }
${extra}sources: [{ id: news, kind: feed, url: "https://news.example.org/feed" }]
channels: [{ id: x-dry, platform: x, dryRun: true }]
routes: [{ id: all, channels: [x-dry]${route} }]
`,
        ),
        {},
      );
    const defaults = config('', '');
    expect(defaults.network).toEqual({ allowPrivate: [] });
    expect(defaults.routes[0]?.allowNoLink).toBe(false);
    const set = config('network: { allowPrivate: ["10.20.0.0/16", "fd00::/8"] }\n', ', allowNoLink: true');
    expect(set.network.allowPrivate).toEqual(['10.20.0.0/16', 'fd00::/8']);
    expect(set.routes[0]?.allowNoLink).toBe(true);
  });

  it('refuses a config whose network.allowPrivate holds something else, naming the field', () => {
    const file = dir.write(
      'bad-network.yaml',
      `store: { path: crier.db }
network: { allowPrivate: ["10.0.0.0/8", "intranet"] }
sources: [{ id: news, kind: feed, url: "https://news.example.org/feed" }]
channels: [{ id: x-dry, platform: x, dryRun: true }]
routes: [{ id: all, channels: [x-dry] }]
`,
    );
    expect(() => loadConfig(file, {})).toThrow(ConfigError);
    expect(() => loadConfig(file, {})).toThrow(/network\.allowPrivate\[1\].*write an address range/);
  });
});

describe('images and card pages keep to the network policy', () => {
  it('skips an article image on loopback by default, without a request; fetches it where allowPrivate allows it', async () => {
    const strict = createNetworkPolicy();
    const allowed = createNetworkPolicy({ allowPrivate: LOOPBACK });
    try {
      hits.length = 0;
      expect(await fetchImage(`${images.url}/photo.png`, silent, { dispatcher: strict.dispatcher })).toBeUndefined();
      expect(hits).toEqual([]);
      expect(await fetchImage(`${images.url}/photo.png`, silent, { dispatcher: allowed.dispatcher })).toMatchObject({ mimeType: 'image/png' });
      expect(hits).toEqual(['/photo.png']);
    } finally {
      await Promise.all([strict.close(), allowed.close()]);
    }
  });

  it('refuses an image whose host name resolves to loopback', async () => {
    const policy = createNetworkPolicy({ resolve: hostsResolver({ 'cdn.test': '127.0.0.1' }) });
    try {
      hits.length = 0;
      const port = new URL(images.url).port;
      expect(await fetchImage(`http://cdn.test:${port}/photo.png`, silent, { dispatcher: policy.dispatcher })).toBeUndefined();
      expect(hits).toEqual([]);
    } finally {
      await policy.close();
    }
  });

  it("refuses the Bluesky card's page and thumbnail on loopback by default", async () => {
    const strict = createNetworkPolicy();
    try {
      hits.length = 0;
      const refused = (error: unknown) => error instanceof Error && error.cause instanceof NetworkPolicyError;
      await expect(findThumbnailSource(makeArticle({ key: 'card', url: `${images.url}/article` }), DEFAULT_THUMBNAIL_LIMITS, strict.dispatcher)).rejects.toSatisfy(refused);
      await expect(loadThumbnail(`${images.url}/photo.png`, DEFAULT_THUMBNAIL_LIMITS, strict.dispatcher)).rejects.toSatisfy(refused);
      expect(hits).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('re-checks an article URL on loopback as unknown (never gone) by default, so the policy never cancels a post', async () => {
    const strict = createNetworkPolicy();
    try {
      hits.length = 0;
      expect(await checkArticleUrl(`${images.url}/gone`, { dispatcher: strict.dispatcher })).toMatchObject({ kind: 'unknown', reason: expect.stringMatching(/loopback address: refused/) });
      expect(hits).toEqual([]);
    } finally {
      await strict.close();
    }
  });
});

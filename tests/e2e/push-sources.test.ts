import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, type CliProcess } from '../support/daemon-process.js';
import { atom, type AtomEntry } from '../support/atom.js';
import { startFakeHub, type FakeHub } from '../support/fake-websub-hub.js';
import { freePort } from '../support/free-port.js';
import { ALLOW_LOOPBACK_YAML } from '../support/network.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { tempDir } from '../support/temp-dir.js';
import { postWebhook, signWebhook } from '../support/webhook-client.js';

const SECRET = 'webhook-test-secret-0123456789';
const dir = tempDir('crier-push-');
let feeds: TestServer;
let pages: TestServer;
let hub: FakeHub;
let daemon: CliProcess;
let base: string;
let feedGets = 0;
const entries: AtomEntry[] = [];

function feedBody(): string {
  return atom('Push Gazette', { hub: hub.url, self: `${feeds.url}/news.atom` }, entries);
}

function entry(slug: string, title: string): AtomEntry {
  return { id: `urn:push:${slug}`, title, link: `https://news.example.org/${slug}/`, updated: new Date() };
}

/** What the daemon's store holds for a URL: articles and their deliveries (read-only, WAL). */
function stored(url: string): { articles: number; deliveries: number } {
  const db = new Database(`${dir.path}/state/crier.db`, { readonly: true, timeout: 5_000 });
  try {
    const row = db
      .prepare(
        `SELECT COUNT(DISTINCT a.id) AS articles, COUNT(d.id) AS deliveries
           FROM articles a LEFT JOIN deliveries d ON d.article_id = a.id WHERE a.url = ?`,
      )
      .get(url) as { articles: number; deliveries: number };
    return row;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  hub = await startFakeHub();
  entries.push(entry('seed', 'Seed story already in the feed'));
  feeds = await startServer((req, res) => {
    if (req.url !== '/news.atom') return void res.writeHead(404).end();
    feedGets += 1;
    res.writeHead(200, { 'content-type': 'application/atom+xml' }).end(feedBody());
  });
  pages = await startServer((req, res) => {
    if (req.url !== '/2026/harbour-bridge') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><head>
      <title>Site title</title>
      <meta property="og:title" content="Council approves the harbour bridge">
      <meta property="og:description" content="The vote was 7 to 2.">
      <link rel="canonical" href="${pages.url}/2026/harbour-bridge">
      </head><body>…</body></html>`);
  });
  const port = await freePort();
  dir.write(
    'crier.yaml',
    `store: { path: state/crier.db }
server: { listen: "127.0.0.1:${port}", publicUrl: "http://127.0.0.1:${port}", maxBodyBytes: 65536 }
# The pushed page is on a loopback test server, which the network policy refuses by default.
${ALLOW_LOOPBACK_YAML}
sources:
  - { id: news, kind: websub, url: "${feeds.url}/news.atom", interval: 1h }
  - { id: cms, kind: webhook, secret: "\${HOOK_SECRET}" }
channels:
  - { id: x-dry, platform: x, dryRun: true }
routes:
  - { id: all, channels: [x-dry] }
`,
  );
  daemon = spawnCli(['--config', `${dir.path}/crier.yaml`, 'run'], { HOOK_SECRET: SECRET });
  await daemon.waitFor(({ stderr }) => /HTTP server listening/.test(stderr));
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  daemon.child.kill('SIGTERM');
  await daemon.exited;
  await Promise.all([feeds.close(), pages.close(), hub.close()]);
  dir.remove();
});

describe('WebSub source, end to end', { timeout: 60_000 }, () => {
  it('subscribes, is verified, and a signed push re-fetches the feed and posts the new story', async () => {
    const sub = await hub.verified(1);
    expect(sub.callback).toMatch(new RegExp(`^${base}/websub/news\\?token=[A-Za-z0-9_-]{43}$`));
    await daemon.waitFor(({ stderr }) => /"source":"news".*first poll recorded/.test(stderr));
    entries.push(entry('pushed', 'Pushed story reaches the channel'));
    expect(await hub.publish(sub.topic, feedBody())).toEqual([202]);
    await daemon.waitFor(({ stdout }) => stdout.includes('Pushed story reaches the channel'));
    expect(stored('https://news.example.org/pushed/')).toEqual({ articles: 1, deliveries: 1 });
  });

  it('answers a mis-signed or unsigned push with 401 and fetches nothing', async () => {
    const sub = await hub.verified(1);
    entries.push(entry('forged', 'Forged push must not be fetched'));
    const gets = feedGets;
    expect(await hub.publish(sub.topic, feedBody(), { secret: 'guessed' })).toEqual([401]);
    expect(await hub.publish(sub.topic, feedBody(), { signature: null })).toEqual([401]);
    // A request the daemon handles after those: once it is posted, the 401s have had every chance to act.
    const later = JSON.stringify({ title: 'Marker after the forged push', url: 'https://news.example.org/marker/' });
    expect((await postWebhook(`${base}/hooks/cms`, signWebhook(SECRET, later))).status).toBe(202);
    await daemon.waitFor(({ stdout }) => stdout.includes('Marker after the forged push'));
    expect(feedGets).toBe(gets);
    expect(stored('https://news.example.org/forged/')).toEqual({ articles: 0, deliveries: 0 });
    entries.pop();
  });
});

describe('webhook source, end to end', { timeout: 60_000 }, () => {
  const hook = () => `${base}/hooks/cms`;

  it('takes a signed JSON article: 202 with its id, then a dry-run post', async () => {
    const body = JSON.stringify({
      title: 'Webhook story <em>arrives</em>',
      url: 'https://news.example.org/webhook-story/?utm_source=cms',
      summary: '<p>Sent by the CMS on publish.</p>',
      categories: ['Local'],
      id: 4242,
    });
    const answer = await postWebhook(hook(), signWebhook(SECRET, body));
    // Ids and states only: the title is not echoed back (issue 14).
    expect(answer).toEqual({ status: 202, json: { article: expect.any(Number), outcome: 'queued', deliveries: 1 } });
    expect(typeof answer.json.article).toBe('number');
    await daemon.waitFor(({ stdout }) => stdout.includes('Webhook story arrives'));
  });

  it('builds the article from the page when the body is only a URL', async () => {
    const body = JSON.stringify({ url: `${pages.url}/2026/harbour-bridge` });
    const answer = await postWebhook(hook(), signWebhook(SECRET, body));
    expect(answer).toMatchObject({ status: 202, json: { outcome: 'queued' } });
    // The answer names the article by id: nothing read from the page goes back to the sender.
    expect(Object.keys(answer.json).sort()).toEqual(['article', 'deliveries', 'outcome']);
    await daemon.waitFor(({ stdout }) => stdout.includes('Council approves the harbour bridge'));
  });

  it('refuses mis-signed, stale and replayed requests with 401, and enqueues nothing', async () => {
    const article = (slug: string) => JSON.stringify({ title: `Refused ${slug}`, url: `https://news.example.org/refused-${slug}/` });
    const misSigned = signWebhook('another-secret', article('mis-signed'));
    expect((await postWebhook(hook(), misSigned)).status).toBe(401);
    const unsigned = { body: article('unsigned') };
    expect((await postWebhook(hook(), unsigned)).status).toBe(401);
    const stale = signWebhook(SECRET, article('stale'), Math.floor(Date.now() / 1000) - 6 * 60);
    expect(await postWebhook(hook(), stale)).toMatchObject({ status: 401, json: { error: expect.stringMatching(/5 minutes/) } });
    const future = signWebhook(SECRET, article('future'), Math.floor(Date.now() / 1000) + 6 * 60);
    expect((await postWebhook(hook(), future)).status).toBe(401);
    const tampered = { ...signWebhook(SECRET, article('tampered')), body: article('tampered-body') };
    expect((await postWebhook(hook(), tampered)).status).toBe(401);
    for (const slug of ['mis-signed', 'unsigned', 'stale', 'future', 'tampered', 'tampered-body']) {
      expect(stored(`https://news.example.org/refused-${slug}/`)).toEqual({ articles: 0, deliveries: 0 });
    }

    const once = signWebhook(SECRET, JSON.stringify({ title: 'Sent once, replayed', url: 'https://news.example.org/replayed/' }));
    expect((await postWebhook(hook(), once)).status).toBe(202);
    expect(await postWebhook(hook(), once)).toMatchObject({ status: 401, json: { error: expect.stringMatching(/already used/) } });
    expect(stored('https://news.example.org/replayed/')).toEqual({ articles: 1, deliveries: 1 });
  });

  it('answers 400 naming the problem for a body that is not an article, 413 past the size cap', async () => {
    const send = (body: string) => postWebhook(hook(), signWebhook(SECRET, body));
    expect(await send('{"title": "unterminated')).toMatchObject({ status: 400, json: { error: expect.stringMatching(/not JSON/) } });
    expect(await send(JSON.stringify({ title: '', url: 'https://news.example.org/x/' }))).toMatchObject({
      status: 400,
      json: { error: 'title: must not be empty' },
    });
    expect(await send(JSON.stringify({ title: 'T', url: 'https://news.example.org/x/', image: { url: 'ftp://x' } }))).toMatchObject({
      status: 400,
      json: { error: expect.stringMatching(/^image\.url: /) },
    });
    expect(await send(JSON.stringify({ title: 'T', url: 'https://news.example.org/x/', summery: 'typo' }))).toMatchObject({
      status: 400,
      json: { error: 'unknown field summery' },
    });
    expect((await send(JSON.stringify({ title: 'T', url: 'https://news.example.org/x/', summary: 'x'.repeat(70_000) }))).status).toBe(413);
    expect(stored('https://news.example.org/x/')).toEqual({ articles: 0, deliveries: 0 });
    expect((await postWebhook(`${base}/hooks/nope`, signWebhook(SECRET, '{}'))).status).toBe(404);
  });
});

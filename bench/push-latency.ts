import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import Database from 'better-sqlite3';
import { DRY_RUN_CHANNELS, tempDir, writeConfig } from './support/config.js';
import { startDaemon } from './support/daemon.js';
import { sleep } from './support/lanes.js';
import { seededRandom } from './support/rng.js';
import { percentile } from './support/stats.js';
import { waitUntil } from './support/store-reader.js';
import type { PartResult, Row } from './support/table.js';
import { atom, type AtomEntry } from '../tests/support/atom.js';
import { startFakeHub } from '../tests/support/fake-websub-hub.js';
import { startFakeMastodon, type FakeMastodon } from '../tests/support/fakes/fake-mastodon.js';
import { freePort } from '../tests/support/free-port.js';
import { postWebhook, signWebhook } from '../tests/support/webhook-client.js';

/**
 * Publish → enqueued → posted (dry run) for the two push sources, through the real daemon
 * (`crier run`, its own process) on loopback: a signed webhook, and a WebSub push that makes the
 * daemon re-fetch its feed. "Publish" is the moment the CMS sends the webhook, or the hub sends
 * its push (the publisher → hub hop is the hub's, not Crier's). Enqueued and posted times are
 * what the daemon wrote to its store.
 */
const B = 'push latency';
const EVENTS = 50;
const SECRET = 'bench-webhook-secret';

interface Sample {
  url: string;
  publishedAt: number;
}

interface Measured {
  enqueueMs: number[];
  postedMs: number[];
  expected: number;
}

function feedServer(state: { body: string; etag: string }): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.url !== '/news.atom') return void res.writeHead(404).end();
    if (req.headers['if-none-match'] === state.etag) return void res.writeHead(304, { etag: state.etag }).end();
    res.writeHead(200, { 'content-type': 'application/atom+xml', etag: state.etag }).end(state.body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });
    }),
  );
}

/** Per article: when its deliveries were created (one transaction) and when each was posted. */
function measure(dbPath: string, samples: readonly Sample[], channels?: readonly string[]): Measured {
  const db = new Database(dbPath, { readonly: true, timeout: 5_000 });
  try {
    const rows = db.prepare(
      `SELECT d.created_at AS createdAt, d.posted_at AS postedAt FROM deliveries d JOIN articles a ON a.id = d.article_id
        WHERE a.url = @url AND (@channels IS NULL OR d.channel_id IN (SELECT value FROM json_each(@channels)))`,
    );
    const enqueueMs: number[] = [];
    const postedMs: number[] = [];
    for (const sample of samples) {
      const deliveries = rows.all({ url: sample.url, channels: channels ? JSON.stringify(channels) : null }) as { createdAt: number; postedAt: number | null }[];
      if (deliveries.length === 0) continue;
      enqueueMs.push(Math.min(...deliveries.map((d) => d.createdAt)) - sample.publishedAt);
      for (const d of deliveries) if (d.postedAt !== null) postedMs.push(d.postedAt - sample.publishedAt);
    }
    return { enqueueMs, postedMs, expected: samples.length };
  } finally {
    db.close();
  }
}

function posted(dbPath: string, samples: readonly Sample[]): number {
  return measure(dbPath, samples).postedMs.length;
}

function rows(label: string, m: Measured, note: string): Row[] {
  const channels = DRY_RUN_CHANNELS.length;
  const complete = m.enqueueMs.length === m.expected && m.postedMs.length === m.expected * channels;
  const row = (stage: string, values: number[], p: 50 | 99): Row => {
    const value = percentile(values, p) / 1000;
    const bar = p === 50 ? 1 : 3;
    return {
      benchmark: B,
      metric: `${label} → ${stage}: p${p}`,
      crier: value,
      unit: 's',
      bar: `≤ ${bar} s`,
      met: complete && value <= bar,
      ...(p === 50 && stage === 'enqueued' ? { note } : {}),
    };
  };
  return [
    row('enqueued', m.enqueueMs, 50),
    row('enqueued', m.enqueueMs, 99),
    row('posted (dry run)', m.postedMs, 50),
    row('posted (dry run)', m.postedMs, 99),
  ];
}

export async function runPushLatency(): Promise<PartResult> {
  const hub = await startFakeHub();
  const entries: AtomEntry[] = [{ id: 'urn:bench:seed', title: 'Seed', link: 'https://news.example.org/seed/', updated: new Date() }];
  const feed = { body: '', etag: '' };
  const { server, url: feedsUrl } = await feedServer(feed);
  const render = () => {
    feed.body = atom('Bench Gazette', { hub: hub.url, self: `${feedsUrl}/news.atom` }, entries.slice(-20));
    feed.etag = `"${createHash('sha256').update(feed.body).digest('hex').slice(0, 16)}"`;
  };
  render();
  const port = await freePort();
  const dir = tempDir('push-latency');
  const file = writeConfig(dir, {
    server: { listen: `127.0.0.1:${port}`, publicUrl: `http://127.0.0.1:${port}` },
    sources: [
      { id: 'news', kind: 'websub', url: `${feedsUrl}/news.atom`, interval: '1h' },
      { id: 'cms', kind: 'webhook', secret: '${HOOK_SECRET}' },
    ],
    channels: DRY_RUN_CHANNELS,
    routes: [{ id: 'everything', channels: DRY_RUN_CHANNELS.map((c) => c.id) }],
  });
  const dbPath = dir.file('crier.db');
  const daemon = startDaemon(file, { HOOK_SECRET: SECRET });
  const random = seededRandom(7);
  try {
    const sub = await Promise.race([hub.verified(1), sleep(20_000).then(() => undefined)]);
    if (!sub) throw new Error(`the daemon did not subscribe within 20 s\n${daemon.stderr()}`);
    const polled = await waitUntil(() => /"source":"news".*first poll recorded/.test(daemon.stderr()), 20_000);
    if (!polled) throw new Error(`the daemon did not poll its WebSub source within 20 s\n${daemon.stderr()}`);

    const hook: Sample[] = [];
    for (let k = 0; k < EVENTS; k++) {
      await sleep(100 + Math.round(random() * 200));
      const url = `https://news.example.org/hook-${k}/`;
      const body = JSON.stringify({ title: `Webhook story number ${k}`, url, summary: `Story ${k} of the webhook run.` });
      const publishedAt = Date.now();
      const answer = await postWebhook(`http://127.0.0.1:${port}/hooks/cms`, signWebhook(SECRET, body));
      if (answer.status !== 202) throw new Error(`webhook ${k} answered ${answer.status}: ${JSON.stringify(answer.json)}`);
      hook.push({ url, publishedAt });
    }
    await waitUntil(() => posted(dbPath, hook) === EVENTS * DRY_RUN_CHANNELS.length, 30_000, 100);

    const websub: Sample[] = [];
    for (let k = 0; k < EVENTS; k++) {
      await sleep(100 + Math.round(random() * 200));
      const url = `https://news.example.org/pushed-${k}/`;
      entries.push({ id: `urn:bench:pushed-${k}`, title: `Pushed story number ${k}`, link: url, updated: new Date() });
      render();
      const publishedAt = Date.now();
      const statuses = await hub.publish(sub.topic, feed.body);
      if (statuses.join() !== '202') throw new Error(`WebSub push ${k} answered ${statuses.join()}`);
      websub.push({ url, publishedAt });
    }
    await waitUntil(() => posted(dbPath, websub) === EVENTS * DRY_RUN_CHANNELS.length, 30_000, 100);

    const hookResult = measure(dbPath, hook);
    const websubResult = measure(dbPath, websub);
    const spacing = `${EVENTS} events 100–300 ms apart on loopback, ${DRY_RUN_CHANNELS.length} dry-run channels`;
    await daemon.stop();
    const hanging = await runHangingChannel();
    return {
      rows: [
        ...rows('webhook', hookResult, `${spacing}; enqueued = deliveries created (the 202 follows the commit); posted per delivery`),
        ...rows('WebSub push', websubResult, `${spacing}; each push makes the daemon re-fetch the feed (conditional GET) before enqueueing`),
        hanging.row,
      ],
      details: { webhook: hookResult, websub: websubResult, hangingChannel: hanging.details },
    };
  } finally {
    await daemon.stop();
    await hub.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    dir.remove();
  }
}

const HANG_EVENTS = 30;

/**
 * Issue 15 item 6: per-channel lanes. Webhook pushes into a daemon with 3 Mastodon channels on
 * loopback fakes, one of which takes every post and never answers (its adapter waits out its
 * 30 s request timeout): the other two channels' webhook → posted latency must not notice.
 */
async function runHangingChannel(): Promise<{ row: Row; details: unknown }> {
  const fakes: FakeMastodon[] = [];
  for (let k = 0; k < 3; k++) fakes.push(await startFakeMastodon({ token: `bench-token-${k}` }));
  const [hangs, ...healthy] = fakes as [FakeMastodon, ...FakeMastodon[]];
  hangs.setFault({ kind: 'hang' });
  const ids = ['mastodon-hangs', 'mastodon-1', 'mastodon-2'];
  const env: NodeJS.ProcessEnv = { HOOK_SECRET: SECRET };
  const channels = fakes.map((fake, k) => {
    env[`BENCH_MASTODON_TOKEN_${k}`] = fake.token;
    // Article images would be fetched from the article's site: the bench stays on loopback.
    return { id: ids[k] ?? '', platform: 'mastodon' as const, instance: fake.url, images: false, credentials: { accessToken: `\${BENCH_MASTODON_TOKEN_${k}}` } };
  });
  const port = await freePort();
  const dir = tempDir('push-hang');
  const file = writeConfig(dir, {
    server: { listen: `127.0.0.1:${port}`, publicUrl: `http://127.0.0.1:${port}` },
    sources: [{ id: 'cms', kind: 'webhook', secret: '${HOOK_SECRET}' }],
    channels,
    routes: [{ id: 'everything', channels: ids }],
  });
  const dbPath = dir.file('crier.db');
  const daemon = startDaemon(file, env);
  const random = seededRandom(11);
  try {
    const up = await waitUntil(() => /crier is running/.test(daemon.stderr()), 20_000);
    if (!up) throw new Error(`the daemon did not start within 20 s\n${daemon.stderr()}`);
    const hook: Sample[] = [];
    for (let k = 0; k < HANG_EVENTS; k++) {
      await sleep(100 + Math.round(random() * 200));
      const url = `https://news.example.org/hang-${k}/`;
      const body = JSON.stringify({ title: `Story number ${k} while one instance hangs`, url, summary: `Story ${k} of the hanging run.` });
      const publishedAt = Date.now();
      const answer = await postWebhook(`http://127.0.0.1:${port}/hooks/cms`, signWebhook(SECRET, body));
      if (answer.status !== 202) throw new Error(`webhook ${k} answered ${answer.status}: ${JSON.stringify(answer.json)}`);
      hook.push({ url, publishedAt });
    }
    const others = ids.slice(1);
    await waitUntil(() => measure(dbPath, hook, others).postedMs.length === HANG_EVENTS * others.length, 20_000, 100);
    const result = measure(dbPath, hook, others);
    // The scenario holds only if the hanging channel's first send was still in flight throughout.
    const stuck = measure(dbPath, hook, ['mastodon-hangs']);
    const inFlight = sendingNow(dbPath, 'mastodon-hangs');
    const complete = result.postedMs.length === HANG_EVENTS * others.length && stuck.postedMs.length === 0 && inFlight === 1 && hangs.requests() > 0;
    const value = percentile(result.postedMs, 99) / 1000;
    const row: Row = {
      benchmark: B,
      metric: "webhook → posted, other channels, while one channel's platform hangs: p99",
      crier: value,
      unit: 's',
      bar: '≤ 1 s',
      met: complete && value <= 1,
      note: `${HANG_EVENTS} webhooks 100–300 ms apart, 3 Mastodon channels on loopback fakes; one fake takes posts and never answers (the adapter's 30 s timeout): ${inFlight} send in flight there at the end, ${healthy.map((f) => f.statuses().length).join(' and ')} posts on the others${complete ? '' : '; INCOMPLETE'}`,
    };
    return { row, details: { posted: result, hangingPosted: stuck.postedMs.length, inFlight } };
  } finally {
    // The hanging send fails at once when its server goes, so the daemon stops without waiting it out.
    await hangs.close();
    await daemon.stop(40_000);
    await Promise.all(healthy.map((f) => f.close()));
    dir.remove();
  }
}

function sendingNow(dbPath: string, channelId: string): number {
  const db = new Database(dbPath, { readonly: true, timeout: 5_000 });
  try {
    return (db.prepare(`SELECT COUNT(*) AS n FROM deliveries WHERE channel_id = ? AND state = 'sending'`).get(channelId) as { n: number }).n;
  } finally {
    db.close();
  }
}

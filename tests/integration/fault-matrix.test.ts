/**
 * The fault matrix (issue 4, item 7): each way a platform can fail, through the real worker, the
 * real SQLite store and the real adapters over loopback HTTP to the fakes of X and Mastodon and
 * to the real Bluesky PDS (behind a fault proxy). The clock is injected: retries and rate-limit
 * waits are walked through by moving it to each delivery's next attempt, never by sleeping. The
 * only real waiting is what HTTP itself needs (a client timeout of a few hundred ms, a slow
 * answer).
 *
 * Each row ends in the right state after the right number of attempts and leaves the right
 * number of posts on the platform: Mastodon and Bluesky re-send an unknown outcome safely (same
 * Idempotency-Key, same record key) and post once; X cannot, so it stops at `uncertain`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AtpAgent } from '@atproto/api';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelConfig } from '../../src/config/schema.js';
import { mainHold } from '../../src/delivery/channel-holds.js';
import { renderPost } from '../../src/delivery/render-post.js';
import { createWorker } from '../../src/delivery/worker.js';
import { planIngest } from '../../src/ingest/plan-ingest.js';
import { createBlueskyAdapter } from '../../src/platforms/bluesky/adapter.js';
import type { AdapterDeps, PlatformAdapter, TextRules } from '../../src/platforms/contract.js';
import { createMastodonAdapter } from '../../src/platforms/mastodon/adapter.js';
import { mastodonTextRules } from '../../src/platforms/mastodon/text-rules.js';
import { platformFor } from '../../src/platforms/registry.js';
import { createXAdapter } from '../../src/platforms/x/adapter.js';
import { createTemplateEngine } from '../../src/render/templates.js';
import type { ChannelRuntime } from '../../src/runtime/channels.js';
import { BUILTIN_TEMPLATES_DIR, type TemplateSet } from '../../src/runtime/templates.js';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { DeliveryState, SourceState } from '../../src/store/store.js';
import { makeArticle } from '../support/articles.js';
import { startBlueskyFaultProxy } from '../support/bluesky-fault-proxy.js';
import type { FakeFault } from '../support/fakes/fake-server.js';
import { startFakeMastodon } from '../support/fakes/fake-mastodon.js';
import { startFakeX } from '../support/fakes/fake-x.js';
import { startServer } from '../support/http-server.js';
import { startTestPds, type TestPds, type TestPdsAccount } from '../support/pds.js';

type PlatformId = 'x' | 'mastodon' | 'bluesky';

interface Row {
  platform: PlatformId;
  name: string;
  /** Applied to the publish request of the platform (fake X, fake Mastodon, the PDS proxy). */
  fault?: FakeFault;
  /** Instead of a fault: a port nobody listens on (connection refused), or bad credentials. */
  target?: 'closed-port' | 'wrong-credentials';
  /** The adapter's per-request timeout, for hangs and answers slower than it. */
  requestTimeoutMs?: number;
  /** Text rules that let an over-long post through to the platform (to hear its own refusal). */
  permissiveRules?: boolean;
  /** Something already on the account before the delivery (X: the same text, posted earlier). */
  alreadyOnAccount?: boolean;
  expected: {
    state: DeliveryState;
    attempts: number;
    /** Posts the platform holds for this article at the end. */
    posts: number;
    /** Each wait between attempts, in ms of the injected clock. */
    waits: number[];
    lastError?: RegExp;
    /** The channel's hold at the end, where the row is about one. */
    hold?: string;
  };
}

const START = new Date('2026-11-29T12:00:00.000Z');
const RANDOM = 0.5;
/** The worker's backoff with full jitter at RANDOM: 30 s doubling, capped at 30 min. */
const BACKOFF = [1, 2, 3, 4, 5, 6, 7].map((attempt) => Math.floor(RANDOM * Math.min(30 * 60_000, 30_000 * 2 ** (attempt - 1))));
/**
 * A client timeout short enough to keep the test quick. Bluesky's is longer: the rows log in
 * first with the default timeout, but resuming that session on the PDS still takes a moment.
 */
const shortTimeout = (platform: PlatformId): number => (platform === 'bluesky' ? 1_000 : 300);

const html = (status: 500 | 502 | 503, afterCreate: boolean): FakeFault => ({ kind: 'status', status, body: 'html', afterCreate, times: 1 });
const json = (status: 500 | 502 | 503, afterCreate: boolean): FakeFault => ({ kind: 'status', status, body: 'json', afterCreate, times: 1 });

/** 5xx rows: JSON and HTML bodies, before and after the platform created the post. */
function serverErrors(platform: PlatformId): Row[] {
  const rows: Row[] = [];
  for (const status of [500, 502, 503] as const) {
    for (const body of ['json', 'html'] as const) {
      for (const afterCreate of [false, true]) {
        const fault = body === 'json' ? json(status, afterCreate) : html(status, afterCreate);
        const name = `${status} ${body.toUpperCase()} ${afterCreate ? 'after' : 'before'} create`;
        rows.push(
          platform === 'x'
            ? { platform, name, fault, expected: { state: 'uncertain', attempts: 1, posts: afterCreate ? 1 : 0, waits: [], lastError: /may have gone out/ } }
            : { platform, name, fault, expected: { state: 'posted', attempts: 2, posts: 1, waits: [BACKOFF[0] ?? 0] } },
        );
      }
    }
  }
  // Mastodon and Bluesky re-send, but not forever: after maxAttempts it is for a person.
  rows.push({
    platform,
    name: '503 on every attempt',
    fault: { kind: 'status', status: 503, body: 'json' },
    expected:
      platform === 'x'
        ? { state: 'uncertain', attempts: 1, posts: 0, waits: [], lastError: /may have gone out/ }
        : { state: 'uncertain', attempts: 8, posts: 0, waits: BACKOFF, lastError: /may have gone out/ },
  });
  return rows;
}

/** What can go wrong on the wire, the same for every platform but the outcome. */
function wireFaults(platform: PlatformId): Row[] {
  const safe = platform !== 'x';
  const unknown = (posts: number): Row['expected'] =>
    safe
      ? { state: 'posted', attempts: 2, posts: 1, waits: [BACKOFF[0] ?? 0] }
      : { state: 'uncertain', attempts: 1, posts, waits: [], lastError: /may have gone out/ };
  return [
    { platform, name: 'timeout (no answer)', fault: { kind: 'hang', times: 1 }, requestTimeoutMs: shortTimeout(platform), expected: unknown(0) },
    {
      platform,
      name: 'answer slower than the timeout (created after the client gave up)',
      fault: { kind: 'slow', ms: shortTimeout(platform) + 1_000, times: 1 },
      requestTimeoutMs: shortTimeout(platform),
      expected: unknown(1),
    },
    { platform, name: 'connection reset before anything', fault: { kind: 'reset', times: 1 }, expected: unknown(0) },
    { platform, name: 'connection reset halfway through the answer', fault: { kind: 'reset', afterCreate: true, times: 1 }, expected: unknown(1) },
    { platform, name: 'slow answer within the timeout', fault: { kind: 'slow', ms: 200, times: 1 }, expected: { state: 'posted', attempts: 1, posts: 1, waits: [] } },
    {
      platform,
      name: 'connection refused: backoff, then failed',
      target: 'closed-port',
      expected: { state: 'failed', attempts: 8, posts: 0, waits: BACKOFF, lastError: /gave up after 8 attempts/ },
    },
    {
      platform,
      name: 'credentials refused (401): channel held, delivery kept',
      target: 'wrong-credentials',
      // A refused request does not count as an attempt (nothing was burned).
      expected: { state: 'pending', attempts: 0, posts: 0, waits: [15 * 60_000], hold: 'auth' },
    },
  ];
}

const ROWS: Row[] = [
  ...serverErrors('x'),
  ...wireFaults('x'),
  {
    platform: 'x',
    name: '429 (x-rate-limit-reset, epoch seconds)',
    fault: { kind: 'rate-limit', resetInSeconds: 900, times: 1 },
    // The 429 try does not count: only the post after the reset is an attempt.
    expected: { state: 'posted', attempts: 1, posts: 1, waits: [900_000] },
  },
  {
    platform: 'x',
    name: '403 duplicate content: this exact post is already there',
    alreadyOnAccount: true,
    expected: { state: 'posted', attempts: 1, posts: 1, waits: [], lastError: /already on the account/ },
  },
  ...serverErrors('mastodon'),
  ...wireFaults('mastodon'),
  {
    platform: 'mastodon',
    name: '429 (X-RateLimit-Reset, ISO 8601)',
    fault: { kind: 'rate-limit', resetInSeconds: 300, times: 1 },
    // The 429 try does not count: only the post after the reset is an attempt.
    expected: { state: 'posted', attempts: 1, posts: 1, waits: [300_000] },
  },
  {
    platform: 'mastodon',
    name: '422 rejected: failed with the reason',
    permissiveRules: true,
    expected: { state: 'failed', attempts: 1, posts: 0, waits: [], lastError: /HTTP 422.*character limit of 100 exceeded/ },
  },
  ...serverErrors('bluesky'),
  ...wireFaults('bluesky'),
  {
    platform: 'bluesky',
    name: '429 (ratelimit-reset, epoch seconds)',
    fault: { kind: 'rate-limit', resetInSeconds: 600, times: 1 },
    // The 429 try does not count: only the post after the reset is an attempt.
    expected: { state: 'posted', attempts: 1, posts: 1, waits: [600_000] },
  },
  {
    platform: 'bluesky',
    name: '400 InvalidRequest (text over 300 graphemes): failed with the reason',
    permissiveRules: true,
    expected: { state: 'failed', attempts: 1, posts: 0, waits: [], lastError: /Bluesky 400 .*grapheme too big \(maximum 300/ },
  },
];

interface Outcome {
  state: DeliveryState;
  attempts: number;
  posts: number;
  waits: number[];
  lastError: string | undefined;
  hold: string | undefined;
}

const engine = createTemplateEngine();
const templates: TemplateSet = {
  pathFor: (channelId) => `${BUILTIN_TEMPLATES_DIR}/${channelId}.hbs`,
  forDelivery: (channelId) => engine.compileFile(`${BUILTIN_TEMPLATES_DIR}/${channelId}.hbs`),
};
const permissive: TextRules = { limit: 100_000, unit: 'characters', measure: (text) => ({ length: text.length, fits: true }) };
const logger = pino({ level: 'silent' });

let pds: TestPds;
let account: TestPdsAccount;
let closedPort: string;
const results: string[] = [];

beforeAll(async () => {
  pds = await startTestPds();
  account = await pds.createAccount('fault-desk');
  const unused = await startServer(() => undefined);
  closedPort = unused.url;
  await unused.close();
}, 60_000);

afterAll(async () => {
  await pds?.close();
  if (results.length > 0) console.log(`fault matrix (platform | case | state | attempts | posts | waits ms)\n${results.join('\n')}`);
});

/** Bluesky post records of the test account about one article URL. */
async function blueskyPostsAbout(url: string): Promise<number> {
  const agent = new AtpAgent({ service: pds.url });
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await agent.com.atproto.repo.listRecords({ repo: account.did, collection: 'app.bsky.feed.post', limit: 100, ...(cursor ? { cursor } : {}) });
    for (const record of page.data.records) {
      const value = record.value as { embed?: { external?: { uri?: unknown } } };
      if (value.embed?.external?.uri === url) count += 1;
    }
    cursor = page.data.records.length === 100 ? page.data.cursor : undefined;
  } while (cursor);
  return count;
}

interface Platformed {
  config: ChannelConfig;
  adapter: PlatformAdapter;
  rules: TextRules;
  posts(url: string): Promise<number>;
  /** Posts the text a row says is already on the account (X). */
  seed(text: string): Promise<void>;
  /** Logs in ahead (Bluesky), so a short request timeout only ever meets the post itself. */
  warm(): Promise<void>;
  setFault(fault: FakeFault): void;
  close(): Promise<void>;
}

/** The channel, its real adapter and the platform (fake or PDS) for one row. */
async function channelFor(row: Row, now: () => Date, deps: AdapterDeps): Promise<Platformed> {
  const timeout = row.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: row.requestTimeoutMs };
  if (row.platform === 'x') {
    const fake = await startFakeX({ now, dailyLimit: 1_000 });
    const credentials = row.target === 'wrong-credentials' ? { ...fake.credentials, accessToken: '1-revoked-token' } : fake.credentials;
    const config: ChannelConfig = {
      id: 'x',
      platform: 'x',
      dryRun: false,
      images: true,
      apiBaseUrl: row.target === 'closed-port' ? closedPort : fake.url,
      credentials: { ...credentials },
    };
    return {
      config,
      adapter: createXAdapter(config, deps, timeout),
      rules: await platformFor(config).textRules(config, deps),
      posts: async (url) => fake.posts().filter((post) => post.text.includes(url)).length,
      async seed(text) {
        await createXAdapter(config, deps).publish({
          deliveryId: 0,
          channelId: 'x',
          text,
          idempotencyKey: 'seed',
          prepared: undefined,
          article: makeArticle({ key: 'seed' }),
        });
      },
      setFault: fake.setFault,
      warm: async () => undefined,
      close: () => fake.close(),
    };
  }
  if (row.platform === 'mastodon') {
    // The instance says 100 characters; the channel believes 500 (a stale override), so an
    // over-long post reaches the server and is refused there.
    const fake = await startFakeMastodon({ now, maxCharacters: row.permissiveRules ? 100 : 500 });
    const config: ChannelConfig = {
      id: 'mastodon',
      platform: 'mastodon',
      dryRun: false,
      images: true,
      instance: row.target === 'closed-port' ? closedPort : fake.url,
      visibility: 'public',
      maxCharacters: 500,
      charactersReservedPerUrl: 23,
      credentials: { accessToken: row.target === 'wrong-credentials' ? 'revoked-token' : fake.token },
    };
    return {
      config,
      adapter: createMastodonAdapter(config, deps, timeout),
      rules: mastodonTextRules({ maxCharacters: 500, charactersReservedPerUrl: 23 }),
      posts: async (url) => fake.statuses().filter((status) => status.text.includes(url)).length,
      seed: async () => undefined,
      warm: async () => undefined,
      setFault: fake.setFault,
      close: () => fake.close(),
    };
  }
  const proxy = await startBlueskyFaultProxy(pds.url, now);
  const config: ChannelConfig = {
    id: 'bluesky',
    platform: 'bluesky',
    dryRun: false,
    // No link-card thumbnail: it would fetch the article page from the internet.
    images: false,
    service: row.target === 'closed-port' ? closedPort : proxy.url,
    credentials: { identifier: account.handle, appPassword: row.target === 'wrong-credentials' ? 'aaaa-bbbb-cccc-dddd' : account.appPassword },
  };
  return {
    config,
    adapter: createBlueskyAdapter(config, deps, timeout),
    rules: await platformFor(config).textRules(config, deps),
    posts: blueskyPostsAbout,
    seed: async () => undefined,
    async warm() {
      // Logged in with the default timeout (a login checks the app password with scrypt, slow
      // on a busy machine); the row's adapter resumes the saved session.
      await createBlueskyAdapter(config, deps).verify();
    },
    setFault: proxy.setFault,
    close: () => proxy.close(),
  };
}

let caseNumber = 0;

async function runRow(row: Row): Promise<Outcome> {
  caseNumber += 1;
  let clock = START;
  const now = (): Date => clock;
  const store: SqliteStore = openSqliteStore(':memory:');
  await store.migrate();
  const deps: AdapterDeps = {
    logger,
    now,
    channelState: {
      get: (key) => store.getChannelValue(row.platform, key),
      set: (key, value) => store.setChannelValue(row.platform, key, value),
      delete: (key) => store.deleteChannelValue(row.platform, key),
    },
  };
  const platformed = await channelFor(row, now, deps);
  try {
    const { config } = platformed;
    const runtime: ChannelRuntime = {
      config,
      platform: platformFor(config),
      adapter: platformed.adapter,
      textRules: async () => (row.permissiveRules ? permissive : platformed.rules),
    };
    // A unique article per row: the PDS account is shared by every Bluesky row.
    const key = `fault-${caseNumber}-${row.platform}`;
    const title = row.permissiveRules ? `Harbour plan ${'approved after a long night of debate '.repeat(12)}` : `Harbour plan, case ${caseNumber}`;
    const article = makeArticle({ key, title, publishedAt: START });
    const routing = { routes: [{ id: 'all', channels: [config.id], priority: 'normal' as const }], channels: new Map([[config.id, config]]), configDir: '/' };
    const state: SourceState = { sourceId: 'news', consecutiveFailures: 0, initializedAt: START };
    await store.ingest('news', planIngest([article], state, { backfill: 0, maxAgeMs: 86_400_000 }, routing, clock), state, clock);
    const [delivery] = await store.listDeliveries({});
    if (!delivery) throw new Error('no delivery was created');

    const worker = createWorker({ store, channels: new Map([[config.id, runtime]]), templates, logger, now, random: () => RANDOM, defaultLanguage: 'en' });
    if (row.alreadyOnAccount) await platformed.seed((await renderPost(article, runtime, templates, undefined, 'en')).text);
    if (row.target === undefined) await platformed.warm();
    if (row.fault) platformed.setFault(row.fault);

    const waits: number[] = [];
    for (let step = 0; step < 12; step += 1) {
      await worker.drain();
      const current = await store.getDelivery(delivery.id);
      if (current?.state !== 'pending') break;
      const wait = current.nextAttemptAt.getTime() - clock.getTime();
      if (wait <= 0 || waits.length > BACKOFF.length) break;
      waits.push(wait);
      clock = current.nextAttemptAt;
      // A held channel (credentials refused) keeps its delivery: one look past its retry time.
      if ((await store.listHolds(clock, config.id)).length > 0) {
        await worker.drain();
        break;
      }
    }
    // An answer slower than the client's timeout still lands: let it, then count.
    if (row.fault?.kind === 'slow') await sleep(row.fault.ms);
    const final = await store.getDelivery(delivery.id);
    if (!final) throw new Error('the delivery disappeared');
    return {
      state: final.state,
      attempts: final.attempts,
      posts: await platformed.posts(article.url),
      waits,
      lastError: final.lastError,
      hold: mainHold(await store.listHolds(clock, config.id))?.kind,
    };
  } finally {
    await platformed.close();
    await store.close();
  }
}

describe('fault matrix: worker + real adapters + fakes/PDS, injected clock', () => {
  it.each(ROWS.map((row) => [`${row.platform}: ${row.name}`, row] as const))('%s', async (_label, row) => {
    const outcome = await runRow(row);
    results.push(
      `${row.platform} | ${row.name} | ${outcome.state} | ${outcome.attempts} | ${outcome.posts} | ${outcome.waits.join(', ') || '-'}` +
        (outcome.lastError ? ` | ${outcome.lastError.slice(0, 90)}` : ''),
    );
    expect({ state: outcome.state, attempts: outcome.attempts, posts: outcome.posts, waits: outcome.waits }).toEqual({
      state: row.expected.state,
      attempts: row.expected.attempts,
      posts: row.expected.posts,
      waits: row.expected.waits,
    });
    if (row.expected.lastError) expect(outcome.lastError).toMatch(row.expected.lastError);
    if (row.expected.hold) expect(outcome.hold).toBe(row.expected.hold);
  });
});

/**
 * Issue 13's done-when on real peers: a post deleted on the platform after it was posted is read
 * back `missing`, with exactly one alert on the webhook, and is never re-sent by itself: on the
 * Mastodon fake (a moderator's deletion; GET /api/v1/statuses/:id answers 404,
 * https://docs.joinmastodon.org/methods/statuses/#get) and on the real Bluesky PDS (the record
 * deleted with com.atproto.repo.deleteRecord; getRecord answers RecordNotFound).
 */
import { AtpAgent } from '@atproto/api';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { planIngest } from '../../src/ingest/plan-ingest.js';
import { createWebhookAlerts } from '../../src/observe/alerts.js';
import { openApp, type App } from '../../src/runtime/app.js';
import { makeArticle } from '../support/articles.js';
import { startFakeMastodon, type FakeMastodon } from '../support/fakes/fake-mastodon.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { startTestPds, type TestPds, type TestPdsAccount } from '../support/pds.js';
import { tempDir } from '../support/temp-dir.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;

let mastodon: FakeMastodon;
let pds: TestPds;
let account: TestPdsAccount;
let hooks: TestServer;
const alerts: string[] = [];
const dir = tempDir('crier-read-back-');

beforeAll(async () => {
  mastodon = await startFakeMastodon();
  pds = await startTestPds();
  account = await pds.createAccount('desk');
  hooks = await startServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    alerts.push((JSON.parse(body) as { text: string }).text);
    res.writeHead(200).end('ok');
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([mastodon?.close(), pds?.close(), hooks?.close()]);
  dir.remove();
});

async function until(check: () => boolean, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) if (check()) return true;
  return check();
}

/** The app on a config with one channel, the test's clock, and the alert webhook on loopback. */
async function appFor(name: string, channelYaml: string, env: NodeJS.ProcessEnv, clock: { now: Date }): Promise<App> {
  const file = dir.write(
    `${name}.yaml`,
    `store: { path: ${name}.db }
alerts: { webhookUrl: "\${ALERT_URL}" }
sources:
  - { id: news, kind: feed, url: "http://127.0.0.1:9/feed.xml" }
channels:
${channelYaml}
routes:
  - { id: all, channels: [${name}] }
`,
  );
  const config = loadConfig(file, { ...env, ALERT_URL: `${hooks.url}/alerts` });
  const logger = pino({ level: 'silent' });
  const app = await openApp(config, {
    logger,
    write: () => undefined,
    now: () => clock.now,
    observe: () => createWebhookAlerts(`${hooks.url}/alerts`, logger, 'crier'),
  });
  // One story queued for the channel, as a poll would queue it.
  const state = { sourceId: 'news', consecutiveFailures: 0, initializedAt: clock.now };
  const policy = { backfill: 0, maxAgeMs: 86_400_000 };
  await app.store.ingest('news', planIngest([makeArticle({ key: 'seed' })], undefined, policy, app.routing, clock.now), state, clock.now);
  const story = makeArticle({ key: `${name} harbour bridge`, title: 'Council approves the harbour bridge', publishedAt: clock.now });
  await app.store.ingest('news', planIngest([story], await app.store.getSourceState('news'), policy, app.routing, clock.now), state, clock.now);
  return app;
}

/** Posts, deletes on the platform, reads back: missing, one alert, never re-sent. */
async function deletedAfterPosting(app: App, clock: { now: Date }, remove: (remoteId: string) => Promise<void>, onAccount: () => Promise<number>): Promise<void> {
  expect(await app.worker.drain()).toBe(1);
  const [posted] = await app.store.listDeliveries({});
  expect(posted).toMatchObject({ state: 'posted' });
  expect(await onAccount()).toBe(1);
  await remove(posted?.remoteId ?? '');

  clock.now = new Date(clock.now.getTime() + MINUTE);
  await app.readBack.runDue();
  const [missing] = await app.store.listDeliveries({});
  expect(missing).toMatchObject({ state: 'missing', checks: 1, checkAt: undefined });
  expect(missing?.lastError).toMatch(/^missing at read-back: /);
  expect(await until(() => alerts.some((a) => a.includes(`delivery ${missing?.id} on ${missing?.channelId} is missing`)))).toBe(true);

  // Later runs of the worker and the read-back neither re-send it nor alert again.
  for (let i = 0; i < 3; i += 1) {
    clock.now = new Date(clock.now.getTime() + HOUR);
    await app.readBack.runDue();
    expect(await app.worker.drain()).toBe(0);
  }
  // Nothing new on the account: the deleted post stays deleted.
  expect(await onAccount()).toBe(0);
  // A sentinel alert sent after everything else: once it has arrived, so would have any other.
  app.observer.channelHeld(missing?.channelId ?? '', 'auth', 'sentinel');
  expect(await until(() => alerts.some((a) => a.includes('sentinel')))).toBe(true);
  expect(alerts.filter((a) => a.includes('is missing'))).toHaveLength(1);
  expect((await app.store.listEvents({ deliveryId: missing?.id })).filter((e) => e.kind === 'delivery-missing')).toHaveLength(1);
}

describe('read-back against the platforms', { timeout: 120_000 }, () => {
  it('Mastodon: a status a moderator deleted ends missing with one alert, never re-sent', async () => {
    alerts.length = 0;
    const clock = { now: new Date() };
    const app = await appFor('mastodon-main', `  - { id: mastodon-main, platform: mastodon, instance: "${mastodon.url}", credentials: { accessToken: "\${MASTODON_TOKEN}" } }`, { MASTODON_TOKEN: mastodon.token }, clock);
    try {
      await deletedAfterPosting(app, clock, async (id) => mastodon.deleteOutside(id), async () => mastodon.statuses().length);
    } finally {
      await app.store.close();
    }
  });

  it('Bluesky (the real PDS): a record deleted on the PDS ends missing with one alert, never re-sent', async () => {
    alerts.length = 0;
    const clock = { now: new Date() };
    const app = await appFor(
      'bluesky-main',
      `  - { id: bluesky-main, platform: bluesky, service: "${pds.url}", credentials: { identifier: ${account.handle}, appPassword: "\${BSKY_APP_PASSWORD}" } }`,
      { BSKY_APP_PASSWORD: account.appPassword },
      clock,
    );
    const agent = new AtpAgent({ service: pds.url });
    await agent.login({ identifier: account.handle, password: account.password });
    const records = async () => (await agent.com.atproto.repo.listRecords({ repo: account.did, collection: 'app.bsky.feed.post' })).data.records.length;
    try {
      await deletedAfterPosting(
        app,
        clock,
        async (uri) => {
          await agent.com.atproto.repo.deleteRecord({ repo: account.did, collection: 'app.bsky.feed.post', rkey: uri.split('/').at(-1) ?? '' });
        },
        records,
      );
    } finally {
      await app.store.close();
    }
  });
});

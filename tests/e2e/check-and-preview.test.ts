import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/daemon-process.js';
import { startFakeMastodon, type FakeMastodon } from '../support/fakes/fake-mastodon.js';
import { startFakeX, type FakeX } from '../support/fakes/fake-x.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { startTestPds, type TestPds, type TestPdsAccount } from '../support/pds.js';
import { rss, type RssItem } from '../support/rss.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('crier-check-');
let pds: TestPds;
let account: TestPdsAccount;
let x: FakeX;
let mastodon: FakeMastodon;
let feed: TestServer;
const items: RssItem[] = [];

beforeAll(async () => {
  [pds, x, mastodon] = await Promise.all([startTestPds(), startFakeX({ dailyLimit: 1000 }), startFakeMastodon()]);
  account = await pds.createAccount('gazette');
  feed = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('F', items));
  });
  // A headline long enough that every platform has to fit it, with emoji and accents.
  items.push({
    guid: 'fit-1',
    title: 'Storm warning 🌬️: gusts up to 110 km/h on the coast tonight, ferries cancelled from 6 pm, schools in Saint-Étienne stay open',
    link: 'https://news.example.org/2026/11/29/storm-warning?utm_source=rss',
    description: `${'The national weather service raised the alert to orange for the whole coast, from the harbour to the cliffs. '.repeat(6)}`,
    pubDate: new Date(),
    categories: ['Weather', 'Breaking news'],
  });
  const channels = (dryRun: boolean, suffix: string) => `
  - id: x${suffix}
    platform: x
    apiBaseUrl: ${x.url}
    ${dryRun ? 'dryRun: true' : `credentials: { appKey: "\${XK}", appSecret: "\${XS}", accessToken: "\${XT}", accessSecret: "\${XA}" }`}
  - id: bsky${suffix}
    platform: bluesky
    service: ${pds.url}
    ${dryRun ? 'dryRun: true' : `credentials: { identifier: ${account.handle}, appPassword: "\${BSKY}" }`}
  - id: masto${suffix}
    platform: mastodon
    instance: ${mastodon.url}
    ${dryRun ? 'dryRun: true\n    maxCharacters: 500' : `credentials: { accessToken: "\${MASTO}" }`}`;
  dir.write(
    'crier.yaml',
    `store: { path: state/crier.db }
defaults: { unsafeMinInterval: 1s }
sources:
  - { id: news, kind: feed, url: "${feed.url}/feed.xml", interval: 1s, backfill: 1 }
channels:${channels(false, '')}${channels(true, '-dry')}
routes:
  - { id: all, channels: [x, bsky, masto, x-dry, bsky-dry, masto-dry] }
`,
  );
}, 120_000);

afterAll(async () => {
  await Promise.all([pds.close(), x.close(), mastodon.close(), feed.close()]);
  dir.remove();
});

const env = (overrides: Record<string, string> = {}) => ({
  XK: x.credentials.appKey,
  XS: x.credentials.appSecret,
  XT: x.credentials.accessToken,
  XA: x.credentials.accessSecret,
  BSKY: account.appPassword,
  MASTO: mastodon.token,
  ...overrides,
});

describe('one channel of each platform, real and dry run', { timeout: 180_000 }, () => {
  it('crier check verifies every real channel and says what is wrong with a broken one', async () => {
    // Wrong credentials first. Posting reuses a saved session without the password (that is how
    // Crier avoids logging in per post), but the check always logs in: see the last run below.
    const broken = await runCli(['--config', `${dir.path}/crier.yaml`, 'check'], env({ BSKY: 'aaaa-bbbb-cccc-dddd', MASTO: 'revoked' }));
    expect(broken.code).toBe(1);
    // Worded as the check it was (no post was attempted), with what to do.
    expect(broken.stdout).toMatch(/^bsky +FAILED +credentials check: Bluesky refused the credentials \(HTTP 401\) → renew them/m);
    expect(broken.stdout).toMatch(/^masto +FAILED +credentials check: Mastodon refused the credentials \(HTTP 401\) → renew them/m);
    expect(broken.stdout).not.toMatch(/post/);
    expect(broken.stdout).toMatch(/^x +ok/m);

    const ok = await runCli(['--config', `${dir.path}/crier.yaml`, 'check'], env());
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^x +ok +ok as @`, 'm'));
    expect(ok.stdout).toMatch(new RegExp(`^bsky +ok +ok as ${account.handle.replace('.', '\\.')}: the configured credentials were accepted$`, 'm'));
    expect(ok.stdout).toMatch(/^masto +ok +ok as @\w+@127\.0\.0\.1/m);
    expect(ok.stdout).toMatch(/^x-dry +ok +dry run: nothing to verify$/m);
    // What the platforms' headers said about the budget left, under each channel.
    expect(ok.stdout).toMatch(/^ +rate budget: \d+ of \d+ requests to GET \/2\/users\/me per 15 min left, resets in \d+ min/m);
    expect(ok.stdout).toMatch(/^ +rate budget: \d+ of 300 API requests per 5 min left/m);

    // A Bluesky session is saved now; a wrong app password must still fail the check.
    const stale = await runCli(['--config', `${dir.path}/crier.yaml`, 'check'], env({ BSKY: 'aaaa-bbbb-cccc-dddd' }));
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/^bsky +FAILED +credentials check: Bluesky refused the credentials \(HTTP 401\)/m);
  });

  it('a dry-run channel and a real channel post the same fitted text', async () => {
    const daemon = spawnCli(['--config', `${dir.path}/crier.yaml`, 'run'], env());
    const db = () => new Database(`${dir.path}/state/crier.db`, { readonly: true });
    const texts = (): Record<string, string> => {
      const handle = db();
      try {
        const rows = handle.prepare("SELECT channel_id, text FROM deliveries WHERE state = 'posted'").all() as { channel_id: string; text: string }[];
        return Object.fromEntries(rows.map((r) => [r.channel_id, r.text]));
      } catch {
        return {};
      } finally {
        handle.close();
      }
    };
    await daemon.waitFor(() => Object.keys(texts()).length === 6, 90_000);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    const posted = texts();
    for (const platform of ['x', 'bsky', 'masto']) {
      expect(posted[platform], platform).toBe(posted[`${platform}-dry`]);
      expect(daemon.stdout()).toContain(posted[platform]);
    }
    expect(posted.x).not.toBe(posted.bsky); // each platform is fitted to its own limit
    // The real channels really posted, once each.
    expect(x.posts()).toHaveLength(1);
    expect(mastodon.statuses()).toHaveLength(1);
  });
});

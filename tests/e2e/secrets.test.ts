import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/daemon-process.js';
import { startFakeMastodon, type FakeMastodon } from '../support/fakes/fake-mastodon.js';
import { startFakeX, type FakeX } from '../support/fakes/fake-x.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { rss, type RssItem } from '../support/rss.js';
import { tempDir } from '../support/temp-dir.js';

/** Known values that must never be printed, whatever Crier does. */
const SECRETS = {
  X_APP_KEY: 'xkey-SECRET-1111',
  X_APP_SECRET: 'xsecret-SECRET-2222',
  X_ACCESS_TOKEN: 'xtoken-SECRET-3333',
  X_ACCESS_SECRET: 'xaccess-SECRET-4444',
  MASTODON_TOKEN: 'masto-SECRET-5555',
  ALERT_HOOK: 'http://127.0.0.1:9/hooks/hook-SECRET-6666',
};

const dir = tempDir('crier-secrets-');
let feed: TestServer;
let x: FakeX;
let mastodon: FakeMastodon;
const items: RssItem[] = [
  { guid: 'a', title: 'First story', link: 'https://news.example.org/a', pubDate: new Date(Date.now() - 60_000) },
  { guid: 'b', title: 'Second story', link: 'https://news.example.org/b', pubDate: new Date() },
];
const printed: string[] = [];

beforeAll(async () => {
  feed = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('S', items));
  });
  x = await startFakeX({
    credentials: {
      appKey: SECRETS.X_APP_KEY,
      appSecret: SECRETS.X_APP_SECRET,
      accessToken: SECRETS.X_ACCESS_TOKEN,
      accessSecret: SECRETS.X_ACCESS_SECRET,
    },
  });
  mastodon = await startFakeMastodon({ token: SECRETS.MASTODON_TOKEN });
  dir.write(
    'crier.yaml',
    `store: { path: state/crier.db }
alerts:
  webhookUrl: \${ALERT_HOOK}
defaults: { unsafeMinInterval: 1s }
sources:
  - { id: news, kind: feed, url: "${feed.url}/feed.xml", interval: 1s, backfill: 2 }
channels:
  - id: x-main
    platform: x
    apiBaseUrl: ${x.url}
    credentials:
      appKey: \${X_APP_KEY}
      appSecret: \${X_APP_SECRET}
      accessToken: \${X_ACCESS_TOKEN}
      accessSecret: \${X_ACCESS_SECRET}
  - id: masto
    platform: mastodon
    instance: ${mastodon.url}
    credentials:
      accessToken: \${MASTODON_TOKEN}
routes:
  - { id: all, channels: [x-main, masto] }
`,
  );
});

afterAll(async () => {
  await Promise.all([feed.close(), x.close(), mastodon.close()]);
  dir.remove();
});

const env = { ...SECRETS, CRIER_LOG_LEVEL: 'debug' };
const crier = async (...args: string[]) => {
  const result = await runCli(['--config', `${dir.path}/crier.yaml`, ...args], env);
  printed.push(`$ crier ${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
  return result;
};

describe('secrets never appear in anything Crier prints', { timeout: 240_000 }, () => {
  it('across a full daemon cycle at debug level and every CLI command', async () => {
    const daemon = spawnCli(['--config', `${dir.path}/crier.yaml`, 'run'], env);
    await daemon.waitFor(() => x.posts().length === 2 && mastodon.statuses().length === 2, 60_000);
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    printed.push(daemon.stdout(), daemon.stderr());

    // The secrets were used: the fakes accept only these credentials.
    expect(x.posts().map((p) => p.text.split('\n')[0])).toEqual(['First story', 'Second story']);

    for (const args of [
      ['status'],
      ['status', '--json'],
      ['history'],
      ['history', '1', '--json'],
      ['preview', '1'],
      ['preview', '1', '--json'],
      ['post', '1', '--channels', 'masto', '--force', '--now', '--reason', 'secrets test'],
      ['check'],
      ['check', '--json'],
      ['config', 'validate'],
      ['poll'],
      ['retry', '--failed'],
      ['pause', 'x-main'],
      ['resume', 'x-main'],
    ]) {
      const result = await crier(...args);
      expect(result.code, `crier ${args.join(' ')}\n${result.stderr}`).toBe(0);
    }
    expect(printed.join('\n')).toMatch(/ok as @/); // check really verified against the fakes
    expect(mastodon.statuses()).toHaveLength(3);

    const everything = printed.join('\n');
    for (const [name, value] of Object.entries(SECRETS)) {
      expect(everything.includes(value), `${name} was printed`).toBe(false);
      const token = value.split('/').at(-1) ?? value;
      expect(everything.includes(token), `${name} was printed`).toBe(false);
    }
  });
});

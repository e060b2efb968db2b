import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/daemon-process.js';
import { startFakeMastodon, type FakeMastodon } from '../support/fakes/fake-mastodon.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * Editors run the CLI on their own machines: they have the config and the store, not the
 * platforms' credentials. None of the variables below is set in any command of this file.
 */
const UNSET = [
  'X_APP_KEY',
  'X_APP_SECRET',
  'X_ACCESS_TOKEN',
  'X_ACCESS_SECRET',
  'BSKY_APP_PASSWORD',
  'MASTODON_TOKEN',
  'WP_APP_PASSWORD',
  'HOOK_SECRET',
  'ALERT_HOOK',
];

const PAGE = (title: string) => `<!doctype html><html lang="en"><head>
<meta property="og:title" content="${title}">
<meta property="og:description" content="What the council decided.">
</head><body>…</body></html>`;

const dir = tempDir('crier-editor-secrets-');
let pages: TestServer;
let mastodon: FakeMastodon;
let config: string;

beforeAll(async () => {
  pages = await startServer((req, res) => {
    const title = req.url === '/story' ? 'Council approves the harbour bridge' : 'A second story';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE(title));
  });
  // The instance's length limit is public (GET /api/v2/instance needs no token): preview uses it.
  mastodon = await startFakeMastodon({ maxCharacters: 1234 });
  config = dir.write(
    'crier.yaml',
    `store: { path: state/crier.db }
server: { listen: "127.0.0.1:0" }
alerts:
  webhookUrl: \${ALERT_HOOK}
sources:
  - id: site
    kind: wordpress
    url: http://127.0.0.1:9
    auth:
      username: crier
      applicationPassword: \${WP_APP_PASSWORD}
  - id: cms
    kind: webhook
    secret: \${HOOK_SECRET}
channels:
  - id: x-main
    platform: x
    apiBaseUrl: http://127.0.0.1:9
    credentials:
      appKey: \${X_APP_KEY}
      appSecret: \${X_APP_SECRET}
      accessToken: \${X_ACCESS_TOKEN}
      accessSecret: \${X_ACCESS_SECRET}
  - id: bsky-main
    platform: bluesky
    service: http://127.0.0.1:9
    credentials:
      identifier: news.example.org
      appPassword: \${BSKY_APP_PASSWORD}
  - id: masto
    platform: mastodon
    instance: ${mastodon.url}
    credentials:
      accessToken: \${MASTODON_TOKEN}
routes:
  - { id: all, channels: [x-main, bsky-main, masto] }
`,
  );
});

afterAll(async () => {
  await Promise.all([pages.close(), mastodon.close()]);
  dir.remove();
});

// No credential in the environment: the child gets only PATH, HOME and these.
const crier = (...args: string[]) => runCli(['--config', config, ...args], { USER: 'editor', CRIER_LOG_LEVEL: 'warn' });

interface StatusJson {
  channels: { id: string; pending: number; state: string }[];
}
interface HistoryJson {
  deliveries: { id: number; channelId: string; state: string }[];
}

const missing = (name: string) => new RegExp(`environment variable ${name} is not set`);

describe('editors need no platform secrets', { timeout: 240_000 }, () => {
  it('status, history, preview, pause, resume, cancel, retry and post run without any credential', async () => {
    const story = `${pages.url}/story`;
    const ok = async (...args: string[]) => {
      const result = await crier(...args);
      expect(result.code, `crier ${args.join(' ')}\n${result.stderr}`).toBe(0);
      expect(result.stderr, `crier ${args.join(' ')}`).not.toMatch(/is not set/);
      return result;
    };

    const queued = await ok('post', story, '--reason', 'front page');
    expect(queued.stdout).toMatch(/x-main: queued/);
    expect(queued.stdout).toMatch(/queued, but no daemon is running/);

    const status = JSON.parse((await ok('status', '--json')).stdout) as StatusJson;
    expect(status.channels.map((c) => [c.id, c.pending, c.state])).toEqual([
      ['x-main', 1, 'ok'],
      ['bsky-main', 1, 'ok'],
      ['masto', 1, 'ok'],
    ]);
    expect((await ok('status')).stdout).toMatch(/daemon: not running/);

    const preview = await ok('preview', story);
    expect(preview.stdout).toMatch(/── x-main · x · \d+\/280 weighted characters/);
    expect(preview.stdout).toMatch(/── bsky-main · bluesky · \d+\/300 graphemes/);
    expect(preview.stdout).toMatch(/── masto · mastodon · \d+\/1234 characters/);
    expect(preview.stdout).toContain('Council approves the harbour bridge');

    const history = JSON.parse((await ok('history', story, '--json')).stdout) as HistoryJson;
    expect(history.deliveries.map((d) => [d.channelId, d.state])).toEqual([
      ['x-main', 'pending'],
      ['bsky-main', 'pending'],
      ['masto', 'pending'],
    ]);
    await ok('history');

    expect((await ok('pause', 'x-main', '--reason', 'checking')).stdout).toMatch(/paused x-main/);
    expect((await ok('resume', 'x-main')).stdout).toMatch(/resumed x-main/);
    await ok('pause', '--all', '--reason', 'incident');
    await ok('resume', '--all');

    const xDelivery = history.deliveries.find((d) => d.channelId === 'x-main');
    expect((await ok('cancel', String(xDelivery?.id), '--reason', 'not for X')).stdout).toMatch(/cancelled delivery/);
    await ok('retry', '--failed');
    await ok('retry', '--failed', '--channel', 'masto');

    const after = JSON.parse((await ok('history', story, '--json')).stdout) as HistoryJson;
    expect(after.deliveries.map((d) => [d.channelId, d.state])).toEqual([
      ['x-main', 'cancelled'],
      ['bsky-main', 'pending'],
      ['masto', 'pending'],
    ]);
  });

  it('check, post --now, run and poll still stop at once, naming the variable, its file and line', async () => {
    const check = await crier('check');
    expect(check.code).toBe(2);
    expect(check.stderr.trim()).toBe(
      `crier: ${config}:20 channels[0].credentials.appKey: environment variable X_APP_KEY is not set; export it before starting Crier`,
    );

    const before = JSON.parse((await crier('status', '--json')).stdout) as StatusJson;
    const now = await crier('post', `${pages.url}/second`, '--now');
    expect(now.code).toBe(2);
    expect(now.stderr.trim()).toMatch(new RegExp(`^crier: .*crier\\.yaml:20 channels\\[0\\]\\.credentials\\.appKey: ${missing('X_APP_KEY').source}`));
    // Stopped before anything was queued.
    expect((JSON.parse((await crier('status', '--json')).stdout) as StatusJson).channels).toEqual(before.channels);

    const run = await crier('run');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(missing('X_APP_KEY'));

    const poll = await crier('poll');
    expect(poll.code).toBe(2);
    expect(poll.stderr).toMatch(/sources\[0\]\.auth\.applicationPassword: environment variable WP_APP_PASSWORD is not set/);
  });

  it('config validate lists every secret it cannot read', async () => {
    const validate = await crier('config', 'validate');
    expect(validate.code).toBe(2);
    for (const name of UNSET) expect(validate.stderr, name).toMatch(missing(name));
    expect(validate.stderr.trim().split('\n')).toHaveLength(UNSET.length);
  });
});

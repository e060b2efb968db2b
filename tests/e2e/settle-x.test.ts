/**
 * Issue 13's done-when: an X send killed mid-request is settled to `posted` by the account's own
 * listing, without a person. The real daemon runs as a child process against the loopback fake X,
 * which carries a post out 1.5 s after the request arrived whether or not the client is still
 * there (the classic unknown outcome: X has no idempotency key). The daemon is SIGKILLed while
 * the request is in flight and restarted: its recovery marks the delivery `uncertain`, the
 * read-back loop lists GET /2/users/:id/tweets since the attempt and finds the post.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killHard, until } from '../support/burst-checks.js';
import { spawnCli, type CliProcess } from '../support/daemon-process.js';
import { startFakeX, type FakeX } from '../support/fakes/fake-x.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { rss, type RssItem } from '../support/rss.js';
import { openStoreReader, type StoreReader } from '../support/store-reader.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('crier-settle-x-');
const storePath = `${dir.path}/state/crier.db`;
const items: RssItem[] = [];
let feed: TestServer;
let x: FakeX;
let config: string;
let env: NodeJS.ProcessEnv;
let reader: StoreReader | undefined;
const running: CliProcess[] = [];

const item = (n: number): RssItem => ({
  guid: `urn:settle:${n}`,
  title: `Story ${n}: the harbour bridge vote`,
  link: `${feed.url}/articles/${n}`,
  description: `<p>What the vote on item ${n} means.</p>`,
  pubDate: new Date(Date.now() - 60_000),
  categories: ['Local'],
});

const store = (): StoreReader => (reader ??= openStoreReader(storePath));
const isRunning = ({ stderr }: { stderr: string }): boolean => stderr.includes('crier is running');

function start(): CliProcess {
  const daemon = spawnCli(['run', '--config', config], env);
  running.push(daemon);
  return daemon;
}

beforeAll(async () => {
  feed = await startServer((req, res) => {
    if (req.url === '/feed.xml') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('Settle', items));
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>story</body></html>');
  });
  x = await startFakeX({ dailyLimit: 1000 });
  env = {
    X_APP_KEY: x.credentials.appKey,
    X_APP_SECRET: x.credentials.appSecret,
    X_ACCESS_TOKEN: x.credentials.accessToken,
    X_ACCESS_SECRET: x.credentials.accessSecret,
  };
  // absentAfter is X's posting delay (2 min by default), shortened so a send that never left is
  // proven absent within the test.
  config = dir.write(
    'crier.yaml',
    `store: { path: state/crier.db }
defaults: { unsafeMinInterval: 1s }
readBack: { absentAfter: 5s }
sources:
  - { id: newsroom, kind: feed, url: "${feed.url}/feed.xml", interval: 1s, backfill: 0 }
channels:
  - id: x-main
    platform: x
    apiBaseUrl: "${x.url}"
    credentials:
      appKey: \${X_APP_KEY}
      appSecret: \${X_APP_SECRET}
      accessToken: \${X_ACCESS_TOKEN}
      accessSecret: \${X_ACCESS_SECRET}
routes:
  - { id: everything, channels: [x-main] }
`,
  );
}, 60_000);

afterAll(async () => {
  for (const daemon of running.splice(0)) {
    if (daemon.child.exitCode === null && daemon.child.signalCode === null) {
      daemon.child.kill('SIGKILL');
      await daemon.exited;
    }
  }
  reader?.close();
  await Promise.all([feed?.close(), x?.close()]);
  dir.remove();
});

describe('settling a killed X send', { timeout: 180_000 }, () => {
  it('a send killed while X was creating the post ends posted once, with the id X gave it, and no person', async () => {
    items.push(item(0));
    const first = start();
    await first.waitFor(isRunning, 60_000);
    expect(await until(() => existsSync(storePath) && store().sourceInitialized('newsroom'), 60_000, 20)).toBe(true);

    x.setFault({ kind: 'slow', ms: 1500 });
    const requestsBefore = x.requests();
    items.push(item(1));
    // Killed once the request has reached X, before X's answer: X creates the post anyway.
    expect(await until(() => (store().states().sending ?? 0) > 0 && x.requests() > requestsBefore, 60_000, 2)).toBe(true);
    expect(await killHard(first)).toBe('SIGKILL');
    expect(x.posts()).toHaveLength(0);
    expect(await until(() => x.posts().length === 1, 10_000, 20)).toBe(true);
    x.setFault(undefined);

    const second = start();
    await second.waitFor(isRunning, 60_000);
    const settled = await until(() => store().deliveries().every((d) => d.state === 'posted'), 60_000, 50);
    const [delivery] = store().deliveries();
    expect(settled, `${JSON.stringify(delivery)}\n${second.stderr().slice(-3000)}`).toBe(true);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    expect(x.posts()).toHaveLength(1);
    expect(delivery).toMatchObject({ channelId: 'x-main', state: 'posted', remoteId: x.posts()[0]?.id });
    const events = store().eventCounts();
    expect(events['delivery-uncertain x-main']).toBe(1);
    expect(events['delivery-settled x-main']).toBe(1);
    expect(events['delivery-resent x-main']).toBeUndefined();
  });
});

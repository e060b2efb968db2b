import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetch } from 'undici';
import { spawnCli, type CliProcess } from '../support/daemon-process.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { parsePrometheus, sampleValue } from '../support/prometheus.js';
import { rss, type RssItem } from '../support/rss.js';
import { tempDir } from '../support/temp-dir.js';

const dir = tempDir('crier-server-');
let feeds: TestServer;
let alertReceiver: TestServer;
const alerts: string[] = [];
const items: RssItem[] = [];
let daemon: CliProcess;
let base: string;

beforeAll(async () => {
  items.push({ guid: 's1', title: 'Seed story', link: 'https://news.example.org/seed', pubDate: new Date() });
  feeds = await startServer((req, res) => {
    if (req.url === '/feed.xml') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('Metrics', items));
    else res.writeHead(500).end('broken');
  });
  alertReceiver = await startServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    alerts.push(Buffer.concat(chunks).toString());
    res.writeHead(200).end('ok');
  });
  dir.write(
    'crier.yaml',
    `store: { path: state/crier.db }
server: { listen: "127.0.0.1:0" }
alerts: { webhookUrl: "\${ALERT_HOOK}" }
defaults: { unsafeMinInterval: 1s }
sources:
  - { id: good, kind: feed, url: "${feeds.url}/feed.xml", interval: 1s }
  - { id: failing, kind: feed, url: "${feeds.url}/broken.xml", interval: 1s }
channels:
  - { id: x-dry, platform: x, dryRun: true }
routes:
  - { id: all, sources: [good], channels: [x-dry] }
`,
  );
  daemon = spawnCli(['--config', `${dir.path}/crier.yaml`, 'run'], { ALERT_HOOK: `${alertReceiver.url}/hooks/secret-token` });
  await daemon.waitFor(({ stderr }) => /HTTP server listening/.test(stderr));
  const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(daemon.stderr())?.[1];
  if (!url) throw new Error(`no server URL in the log:\n${daemon.stderr()}`);
  base = url;
});

afterAll(async () => {
  daemon.child.kill('SIGTERM');
  await daemon.exited;
  await feeds.close();
  await alertReceiver.close();
  dir.remove();
});

describe('the daemon HTTP server', { timeout: 60_000 }, () => {
  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, problems: [] });
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST', body: 'x' })).status).toBe(405);
  });

  it('serves Prometheus metrics: polls, latency, queue depth, last post', async () => {
    await daemon.waitFor(({ stderr }) => /"source":"good".*first poll recorded/.test(stderr));
    items.push({ guid: 's2', title: 'Fresh story', link: 'https://news.example.org/fresh', pubDate: new Date() });
    await daemon.waitFor(({ stdout }) => stdout.includes('Fresh story'));
    const response = await fetch(`${base}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parsePrometheus(await response.text());
    expect(sampleValue(samples, 'crier_polls_total', { source: 'good', result: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(samples, 'crier_polls_total', { source: 'failing', result: 'error' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'crier_publish_latency_seconds_count', { channel: 'x-dry' })).toBe(1);
    expect(sampleValue(samples, 'crier_queue_depth', { channel: 'x-dry' })).toBe(0);
    const lastPost = sampleValue(samples, 'crier_last_post_timestamp_seconds', { channel: 'x-dry' }) ?? 0;
    expect(Math.abs(lastPost * 1000 - Date.now())).toBeLessThan(60_000);
  });

  it('sends one Slack-compatible alert when a source fails 3 polls in a row, and logs it once', async () => {
    await daemon.waitFor(() => alerts.length > 0, 30_000);
    expect(JSON.parse(alerts[0] ?? '{}')).toEqual({ text: expect.stringMatching(/^\[crier\] source failing failed 3 polls in a row: .*HTTP 500/) });
    await daemon.waitFor(({ stderr }) => /"failures":4/.test(stderr), 30_000);
    expect(alerts).toHaveLength(1);
    expect(daemon.stderr().match(/"level":50[^\n]*"source":"failing"/g)).toHaveLength(1);
    expect(daemon.stderr()).not.toContain('secret-token');
  });
});

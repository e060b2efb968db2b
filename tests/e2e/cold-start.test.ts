import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../support/daemon-process.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { rss, type RssItem } from '../support/rss.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * What a command loads is what it costs at start (issue 15: `crier --help`, `crier status`, and
 * the daemon's memory): each case runs the real CLI with tests/support/module-trace.mjs, which
 * lists every module the process loads, ES and CommonJS alike.
 */
const TRACE_HOOK = fileURLToPath(new URL('../support/module-trace.mjs', import.meta.url));

/** Loaded only when a channel publishes, a post is rendered, or the server runs. */
const PLATFORM_CLIENTS = ['twitter-api-v2', '@atproto/api', 'masto'];

const dir = tempDir('crier-cold-start-');
let server: TestServer;
let config: string;
let traces = 0;

const item = (n: number): RssItem => ({
  guid: `urn:cold:${n}`,
  title: `Cold start story ${n}`,
  link: `https://news.example.org/cold/story-${n}`,
  description: `Summary ${n}.`,
  pubDate: new Date(Date.now() - n * 60_000),
  categories: [],
});

beforeAll(async () => {
  // One body for every request: a poll of it after the first finds nothing changed.
  const body = rss('Cold', [item(1), item(2)]);
  server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(body);
  });
  // Feed sources and dry-run channels only: nothing here needs a platform client or the server.
  config = dir.write(
    'crier.yaml',
    `store: { path: crier.db }
defaults: { unsafeMinInterval: 1s }
sources:
  - { id: news, kind: feed, url: "${server.url}/feed.xml", interval: 1s }
channels:
  - { id: x-dry, platform: x, dryRun: true }
  - { id: bsky-dry, platform: bluesky, dryRun: true }
  - { id: masto-dry, platform: mastodon, instance: "https://mastodon.example.org", dryRun: true }
routes:
  - { id: all, channels: [x-dry, bsky-dry, masto-dry] }
`,
  );
});

afterAll(async () => {
  await server.close();
  dir.remove();
});

function traceFile(): string {
  traces += 1;
  return `${dir.path}/trace-${traces}.txt`;
}

/** The packages (node_modules/<name>) and Crier's own modules (dist/…) a trace lists. */
function loaded(file: string): { packages: Set<string>; own: Set<string> } {
  const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
  const packages = new Set<string>();
  const own = new Set<string>();
  for (const line of lines) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line)?.[1];
    if (pkg) packages.add(pkg);
    const mine = /\/dist\/(.+\.js)$/.exec(line)?.[1];
    if (mine) own.add(mine);
  }
  return { packages, own };
}

async function traced(args: string[], configFile = config): Promise<{ packages: Set<string>; own: Set<string>; stdout: string }> {
  const file = traceFile();
  const result = await runCli(['--config', configFile, ...args], { NODE_OPTIONS: `--import ${TRACE_HOOK}`, CRIER_MODULE_TRACE: file });
  expect(result.code, result.stderr).toBe(0);
  return { ...loaded(file), stdout: result.stdout };
}

describe('what a command loads at start', { timeout: 120_000 }, () => {
  it('crier --help loads commander and the command list, not the config, the store or anything that publishes', async () => {
    const { packages, stdout } = await traced(['--help']);
    expect(stdout).toMatch(/Usage: crier/);
    expect(packages).toContain('commander');
    for (const name of [...PLATFORM_CLIENTS, 'handlebars', 'eld', 'undici', 'zod', 'yaml', 'better-sqlite3', 'pino']) {
      expect(packages, name).not.toContain(name);
    }
  });

  it('crier status reads the store without loading the platform clients, templates, HTTP client or logger', async () => {
    const { packages, own, stdout } = await traced(['status']);
    expect(stdout).toMatch(/daemon: not running/);
    expect(packages).toContain('better-sqlite3');
    expect(packages).toContain('yaml');
    for (const name of [...PLATFORM_CLIENTS, 'handlebars', 'twitter-text', 'eld', 'undici', 'pino']) {
      expect(packages, name).not.toContain(name);
    }
    expect([...own].filter((m) => m.startsWith('delivery/worker') || m.startsWith('runtime/app'))).toEqual([]);
  });

  it('crier poll fetches and records without loading the templates, the platform clients or the detector', async () => {
    // Its own store, so the daemon below still makes its first poll.
    const pollConfig = dir.write('poll.yaml', readFileSync(config, 'utf8').replace('path: crier.db', 'path: poll.db'));
    const { packages, stdout } = await traced(['poll'], pollConfig);
    expect(stdout).toMatch(/news: 2 items/);
    expect(packages).toContain('feedsmith');
    for (const name of [...PLATFORM_CLIENTS, 'handlebars', 'twitter-text', 'eld']) {
      expect(packages, name).not.toContain(name);
    }
  });

  it('a crier poll that finds nothing changed never loads the feed parser', async () => {
    const pollConfig = dir.write('unchanged.yaml', readFileSync(config, 'utf8').replace('path: crier.db', 'path: unchanged.db'));
    expect((await traced(['poll'], pollConfig)).packages).toContain('feedsmith');
    // The same body again (its hash is known): nothing to parse, so feedsmith (some 130 modules) stays unloaded.
    const again = await traced(['poll'], pollConfig);
    expect(again.stdout).toMatch(/news: not modified/);
    expect(again.stdout).not.toMatch(/items/);
    expect(again.packages).not.toContain('feedsmith');
  });

  it('crier poll --watch loads the scheduler, polls on its interval, and stops cleanly on SIGTERM', async () => {
    const watchConfig = dir.write('watch.yaml', readFileSync(config, 'utf8').replace('path: crier.db', 'path: watch.db'));
    const file = traceFile();
    const watcher = spawnCli(['--config', watchConfig, 'poll', '--watch'], { NODE_OPTIONS: `--import ${TRACE_HOOK}`, CRIER_MODULE_TRACE: file });
    let code: number | null;
    try {
      await watcher.waitFor(({ stderr }) => stderr.includes('first poll recorded'), 60_000);
    } finally {
      watcher.child.kill('SIGTERM');
      code = await watcher.exited;
    }
    expect(code).toBe(0);
    expect([...loaded(file).own].filter((m) => m.startsWith('daemon/'))).toContain('daemon/poll-scheduler.js');
  });

  it('the daemon with feed sources and dry-run channels never loads the platform clients, the language detector or the server', async () => {
    const file = traceFile();
    const daemon = spawnCli(['--config', config, 'run'], { NODE_OPTIONS: `--import ${TRACE_HOOK}`, CRIER_MODULE_TRACE: file });
    try {
      await daemon.waitFor(({ stderr }) => stderr.includes('crier is running') && stderr.includes('first poll recorded'), 60_000);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
    const { packages, own } = loaded(file);
    // What it does use: the feed parser and the templates (checked when the config loads).
    expect(packages).toContain('feedsmith');
    expect(packages).toContain('handlebars');
    for (const name of [...PLATFORM_CLIENTS, 'eld', 'prom-client', 'pino-pretty']) {
      expect(packages, name).not.toContain(name);
    }
    expect([...own].filter((m) => m.startsWith('desk/') || m.startsWith('server/') || m.startsWith('observe/metrics'))).toEqual([]);
  });
});

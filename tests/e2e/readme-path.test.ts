import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMastodon, type FakeMastodon } from '../support/fakes/fake-mastodon.js';
import { startFakeX, type FakeX } from '../support/fakes/fake-x.js';
import { startServer, type TestServer } from '../support/http-server.js';
import { rss, type RssItem } from '../support/rss.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The README's way from a fresh clone to production, step by step, as a newcomer follows it:
 * "Quick start" (npm start, npm run demo:reset), then "Running it for real" (crier init, edit,
 * credentials, config validate, check, run, status, history), on a copy of the checkout. The
 * platforms are the loopback fakes of X and Mastodon; the newsroom has no Bluesky account, so it
 * deletes that channel, as step 2 says.
 */
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };

const checkout = tempDir('crier-readme-');
let feed: TestServer;
let x: FakeX;
let mastodon: FakeMastodon;
const items: RssItem[] = [];
const story = (n: number, ago: number): RssItem => ({
  guid: `urn:readme:${n}`,
  title: `Harbour story ${n}`,
  link: `https://news.example.org/2026/12/02/harbour-${n}`,
  description: `What happened at the harbour, part ${n}.`,
  pubDate: new Date(Date.now() - ago),
});

beforeAll(async () => {
  // A fresh clone after `npm install`: the files the README's commands touch, the built dist/
  // (npm install runs `prepare`; the suite's global setup builds it), the installed packages.
  for (const path of ['package.json', 'bin', 'dist', 'scripts', 'templates', 'config/crier.example.yaml', 'config/crier.schema.json', 'config/demo']) {
    cpSync(join(REPO, path), join(checkout.path, path), { recursive: true });
  }
  symlinkSync(join(REPO, 'node_modules'), join(checkout.path, 'node_modules'), 'dir');
  items.push(story(1, 3_600_000), story(2, 1_800_000));
  feed = await startServer((req, res) => {
    if (req.url === '/feed/') res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(rss('Harbour News', items));
    else res.writeHead(404).end();
  });
  [x, mastodon] = await Promise.all([startFakeX(), startFakeMastodon({ token: 'newsroom-mastodon-token' })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([feed.close(), x.close(), mastodon.close()]);
  checkout.remove();
});

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run <script>` / `npm start`: the script's own command line, run in the checkout. */
function npmScript(name: string): string[] {
  const command = pkg.scripts[name];
  if (command === undefined) throw new Error(`package.json has no script ${name}`);
  const [program, ...args] = command.split(' ');
  expect(program).toBe('node');
  return args;
}

/** `npx crier …` runs the package's bin, bin/crier.js, with the checkout as working directory. */
const crierArgs = (...args: string[]) => [pkg.bin.crier ?? 'bin/crier.js', ...args];

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: checkout.path, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A long-running command (the daemon, npm start) until `done` says it has done enough, then a signal. */
async function runUntil(args: string[], env: NodeJS.ProcessEnv, done: (out: string) => boolean, during?: () => Promise<void>): Promise<Ran> {
  const child = spawn(process.execPath, args, { cwd: checkout.path, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await until(() => done(stdout + stderr), () => `--- stdout\n${stdout}\n--- stderr\n${stderr}`);
    await during?.();
  } finally {
    child.kill('SIGINT');
  }
  return { code: await exited, stdout, stderr };
}

async function until(condition: () => boolean, said: () => string = () => '', timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out\n${said()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Replaces one passage of the starter config the way an admin edits it; the passage must be there. */
function edit(text: string, from: string | RegExp, to: string): string {
  expect(text).toMatch(from);
  return text.replace(from, to);
}

const secrets = () => ({
  X_APP_KEY: x.credentials.appKey,
  X_APP_SECRET: x.credentials.appSecret,
  X_ACCESS_TOKEN: x.credentials.accessToken,
  X_ACCESS_SECRET: x.credentials.accessSecret,
  MASTODON_TOKEN: mastodon.token,
});

function sourceInitialized(): boolean {
  const file = join(checkout.path, 'config/state/crier.db');
  if (!existsSync(file)) return false;
  const db = new Database(file, { readonly: true });
  try {
    const row = db.prepare("SELECT initialized_at FROM sources WHERE source_id = 'main'").get() as { initialized_at: number | null } | undefined;
    return typeof row?.initialized_at === 'number';
  } catch {
    return false;
  } finally {
    db.close();
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(checkout.path, join(entry.parentPath, entry.name)));
}

describe('the README, from npm start to a real setup made with crier init', { timeout: 300_000 }, () => {
  it('works step by step', async () => {
    // The commands this test runs are the ones the README gives.
    for (const command of ['npm install && npm start', 'npm run demo:reset && npm start', 'npx crier init', 'npx crier config validate', 'npx crier check', 'npx crier run', 'npx crier status', 'npx crier history']) {
      expect(README).toContain(command);
    }
    expect(pkg.bin.crier).toBe('bin/crier.js');

    // Quick start: npm start prints what each sample article would make on all three platforms.
    const demo = await runUntil(npmScript('start'), {}, (out) => ['x-demo', 'bluesky-demo', 'mastodon-demo'].every((id) => out.includes(`· ${id} ·`)));
    expect(demo.code).toBe(0);
    expect(demo.stdout).toContain('── dry run · X · x-demo · ');
    expect(existsSync(join(checkout.path, '.crier-demo/crier.db'))).toBe(true);
    const reset = await run(npmScript('demo:reset'));
    expect(reset).toMatchObject({ code: 0, stderr: '' });
    expect(reset.stdout).toMatch(/demo state removed/);
    expect(existsSync(join(checkout.path, '.crier-demo'))).toBe(false);

    // Running it for real, 1: crier init writes config/crier.yaml, the default location.
    const init = await run(crierArgs('init'));
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/^wrote .*config\/crier\.yaml \(store: state\/crier\.db\)$/m);
    expect(init.stdout).toContain('npx crier config validate');
    const configFile = join(checkout.path, 'config/crier.yaml');

    // 2: the newsroom's feed, its X and Mastodon accounts; it has no Bluesky account.
    let config = readFileSync(configFile, 'utf8');
    config = edit(config, 'url: https://news.example.org/feed/', `url: ${feed.url}/feed/`);
    config = edit(config, '    platform: x\n', `    platform: x\n    apiBaseUrl: ${x.url}\n`);
    config = edit(config, / {2}- id: bluesky-main\n[\s\S]*?(?= {2}- id: mastodon-main)/, '');
    config = edit(config, 'instance: https://mastodon.social', `instance: ${mastodon.url}`);
    config = edit(config, 'channels: [x-main, bluesky-main, mastodon-main]', 'channels: [x-main, mastodon-main]');
    writeFileSync(configFile, config);

    // 3 and 4: config validate names every variable still to set, then passes once they are.
    const missing = await run(crierArgs('config', 'validate'));
    expect(missing.code).toBe(2);
    for (const name of Object.keys(secrets())) expect(missing.stderr).toContain(`environment variable ${name} is not set`);
    const valid = await run(crierArgs('config', 'validate'), secrets());
    expect(valid).toMatchObject({ code: 0, stderr: '' });
    expect(valid.stdout).toMatch(/config\/crier\.yaml: ok \(1 sources, 2 channels, 1 routes\)/);
    const check = await run(crierArgs('check'), secrets());
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/^x-main +ok +ok as @/m);
    expect(check.stdout).toMatch(/^mastodon-main +ok +ok as @/m);

    // 5: crier run. The first poll records what the feed holds and posts nothing; a story
    // published afterwards goes out once on each account (crier poll asks for the poll now
    // instead of waiting out the 60 s interval).
    const daemon = await runUntil(crierArgs('run'), secrets(), () => sourceInitialized(), async () => {
      expect(x.posts()).toHaveLength(0);
      expect(mastodon.statuses()).toHaveLength(0);
      items.push(story(3, 0));
      const poll = await run(crierArgs('poll'), secrets());
      expect(poll.stdout).toMatch(/^main: 3 items: 1 new \(2 deliveries queued\)/m);
      await until(() => x.posts().length === 1 && mastodon.statuses().length === 1);
      const status = await run(crierArgs('status'));
      expect(status.stdout).toMatch(/^daemon: running/m);
      expect(status.stdout).toMatch(/^x-main +x +ok /m);
      const history = await run(crierArgs('history'));
      expect(history.stdout).toMatch(/^WHEN +ARTICLE +TITLE +EVENT/m);
      expect(history.stdout).toMatch(/^.+ {2}\d+ +Harbour story 3 {2,}\S/m);
      // `npx crier status | head -1`: the reader goes away; Crier ends quietly, exit 0.
      const piped = spawn(process.execPath, crierArgs('status'), { cwd: checkout.path, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
      piped.stdout.destroy();
      let stderr = '';
      piped.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => piped.on('exit', (c) => resolve(c)));
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    });
    expect(daemon.code).toBe(0);
    expect(x.posts().map((p) => p.text)).toEqual([expect.stringContaining('Harbour story 3')]);
    expect(mastodon.statuses().map((s) => s.text)).toEqual([expect.stringContaining('harbour-3')]);

    // The guard rails. The live config with the demo's store is refused where it says so.
    writeFileSync(configFile, edit(config, 'path: state/crier.db', 'path: ../.crier-demo/crier.db'));
    const demoStore = await run(crierArgs('config', 'validate'), secrets());
    expect(demoStore.code).toBe(2);
    expect(demoStore.stderr).toMatch(/config\/crier\.yaml:\d+ store\.path: .*is inside \.crier-demo\/.*x-main, mastodon-main are not a dry run/);
    writeFileSync(configFile, config);
    // A production store that ended up in .crier-demo/ anyway is never deleted by demo:reset.
    cpSync(join(checkout.path, 'config/state/crier.db'), join(checkout.path, '.crier-demo/crier.db'));
    const refused = await run(npmScript('demo:reset'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/not deleting .*\.crier-demo[\s\S]*real channels wrote to it \(mastodon-main: 1 deliveries, x-main: 1 deliveries\)/);
    expect(existsSync(join(checkout.path, '.crier-demo/crier.db'))).toBe(true);

    // Every store and state file Crier made next to the config is git-ignored by the repo's rules.
    const made = [...filesUnder(join(checkout.path, 'config/state')), ...filesUnder(join(checkout.path, '.crier-demo'))];
    expect(made).toContain('config/state/crier.db');
    // Checked in an empty repository holding only the checkout's .gitignore (CI may run from a tarball).
    const rules = tempDir('crier-gitignore-');
    cpSync(join(REPO, '.gitignore'), join(rules.path, '.gitignore'));
    expect(spawnSync('git', ['init', '-q', rules.path]).status).toBe(0);
    for (const file of made) {
      const ignored = spawnSync('git', ['-C', rules.path, 'check-ignore', '--no-index', '-q', file]);
      expect(ignored.status, `${file} is not git-ignored`).toBe(0);
    }
    rules.remove();
  });
});

import { createServer, type Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { openPostgresStore } from '../src/store/postgres/postgres-store.js';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { NewDelivery, Store } from '../src/store/store.js';
import { makeArticle } from '../tests/support/articles.js';
import { createTestDatabase, type TestDatabase } from '../tests/support/postgres.js';
import { benchFile, startChild, type BenchChild } from './support/child.js';
import { tempDir, writeConfig, type TempDir } from './support/config.js';
import { startDaemon } from './support/daemon.js';
import { median, percentile } from './support/stats.js';
import type { PartResult, Row } from './support/table.js';

/**
 * Several `crier run` replicas on one PostgreSQL store (issue 11): deliveries per second with one
 * and with three replicas, beside one daemon on SQLite, and failover: a replica holding a
 * channel's lease is killed (SIGKILL: its pid is gone, so a replica on the same machine takes over
 * at once; SIGSTOP: it looks alive, so the lease must expire, as for a replica on a dead host),
 * and the time until that channel posts again from another replica is measured.
 */
const B = 'replicas';
const CHANNELS = 3;
/** Under Mastodon's 300 statuses per 3 h per account, which Crier's budget holds the channel to. */
const THROUGHPUT_ARTICLES = 280;
const KILLS = 4;
const FREEZES = 2;
/** The failover stream: one post per channel every this often, so a silence is a failover. */
const STREAM_EVERY_MS = 500;

interface Fakes {
  child: BenchChild;
  servers: { url: string; token: string }[];
}

async function emptyFeed(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"empty"' }).end('<rss version="2.0"><channel><title>none</title></channel></rss>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed.xml`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function config(dir: TempDir, store: { path: string } | { url: string }, feedUrl: string, fakes: Fakes): string {
  return writeConfig(dir, {
    store,
    sources: [{ id: 'quiet', kind: 'feed', url: feedUrl, interval: '60s' }],
    channels: fakes.servers.map((server, k) => ({
      id: `masto-${k}`,
      platform: 'mastodon' as const,
      instance: server.url,
      credentials: { accessToken: `\${BENCH_MASTO_TOKEN_${k}}` },
    })),
    routes: [{ id: 'all', channels: fakes.servers.map((_, k) => `masto-${k}`) }],
  });
}

/** The fake accounts' tokens, as the environment variables the config references. */
function tokens(fakes: Fakes): NodeJS.ProcessEnv {
  return Object.fromEntries(fakes.servers.map((server, k) => [`BENCH_MASTO_TOKEN_${k}`, server.token]));
}

/** Articles with a delivery on every channel, due at `dueAt(n)`, written through the Store API. */
async function seed(store: Store, count: number, dueAt: (n: number) => Date, prefix: string): Promise<void> {
  const now = new Date();
  const items = Array.from({ length: count }, (_, i) => {
    const article = makeArticle({ key: `${prefix}-${i}`, sourceId: 'quiet', publishedAt: now });
    const deliveries: NewDelivery[] = Array.from({ length: CHANNELS }, (_, k) => ({
      channelId: `masto-${k}`,
      routeId: 'all',
      priority: 'normal',
      dryRun: false,
      nextAttemptAt: dueAt(i),
      idempotencyKey: `${prefix}-${i}-${k}`,
    }));
    return { article, ifNew: { kind: 'deliver' as const, deliveries, reason: 'bench' } };
  });
  await store.ingest('quiet', items, { sourceId: 'quiet', consecutiveFailures: 0, initializedAt: now }, now);
}

/** Posted deliveries per second, from the first post to the last (start-up left out). */
async function postedRate(store: Store, expected: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await store.listDeliveries({ states: ['posted'], limit: 1_000_000 });
    if (rows.length >= expected) {
      const times = rows.map((d) => d.postedAt?.getTime() ?? Number.NaN).sort((a, b) => a - b);
      const span = ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000;
      return (rows.length - 1) / span;
    }
    if (Date.now() > deadline) throw new Error(`only ${rows.length} of ${expected} deliveries posted in ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

async function throughput(kind: 'sqlite' | 'postgres', replicas: number, fakes: Fakes, feedUrl: string): Promise<number> {
  const dir = tempDir(`replicas-${kind}`);
  let database: TestDatabase | undefined;
  const daemons: ReturnType<typeof startDaemon>[] = [];
  let store: Store | undefined;
  try {
    if (kind === 'postgres') database = await createTestDatabase();
    store = database ? openPostgresStore(database.url) : openSqliteStore(dir.file('crier.db'));
    await store.migrate();
    const file = config(dir, database ? { url: database.url } : { path: dir.file('crier.db') }, feedUrl, fakes);
    await seed(store, THROUGHPUT_ARTICLES, () => new Date(), `t-${kind}-${replicas}`);
    for (let r = 0; r < replicas; r++) daemons.push(startDaemon(file, tokens(fakes)));
    try {
      return await postedRate(store, THROUGHPUT_ARTICLES * CHANNELS, 240_000);
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${daemons.map((d) => d.stderr()).join('\n---\n')}`, { cause: error });
    }
  } finally {
    await Promise.all(daemons.map((d) => d.stop()));
    await store?.close();
    await database?.drop();
    dir.remove();
  }
}

interface Failover {
  how: 'SIGKILL' | 'SIGSTOP';
  ms: number;
}

/** Three replicas on a steady stream; the holder of a channel's lease is killed or frozen. */
async function failover(fakes: Fakes, feedUrl: string): Promise<Failover[]> {
  const dir = tempDir('replicas-failover');
  const database = await createTestDatabase();
  const store = openPostgresStore(database.url);
  const daemons = new Map<number, ReturnType<typeof startDaemon>>();
  const results: Failover[] = [];
  try {
    await store.migrate();
    const file = config(dir, { url: database.url }, feedUrl, fakes);
    const rounds = KILLS + FREEZES;
    // At most ~240 posts per account: under Mastodon's 300 per 3 h.
    const streamMs = rounds * 20_000;
    const t0 = Date.now() + 3000;
    await seed(store, Math.ceil(streamMs / STREAM_EVERY_MS), (n) => new Date(t0 + n * STREAM_EVERY_MS), 'f');
    const start = () => {
      const daemon = startDaemon(file, tokens(fakes));
      daemons.set(daemon.pid, daemon);
    };
    for (let r = 0; r < 3; r++) start();
    await sleep(8000);
    for (let round = 0; round < rounds; round++) {
      const how = round < KILLS ? 'SIGKILL' : 'SIGSTOP';
      const channelId = `masto-${round % CHANNELS}`;
      const lease = (await store.listChannelLeases()).find((l) => l.channelId === channelId && l.until.getTime() > Date.now());
      const pid = Number(lease?.owner.split(':')[1]);
      const victim = daemons.get(pid);
      if (!victim) throw new Error(`no replica of ours holds ${channelId} (lease ${lease?.owner ?? 'none'})`);
      const killedAt = Date.now();
      victim.child.kill(how);
      let sentAgainAt: number | undefined;
      while (sentAgainAt === undefined && Date.now() - killedAt < 60_000) {
        const posted = await store.listDeliveries({ channelId, states: ['posted'], limit: 1_000_000 });
        const after = posted.map((d) => d.postedAt?.getTime() ?? 0).filter((t) => t > killedAt + 50);
        if (after.length > 0) sentAgainAt = Math.min(...after);
        else await sleep(100);
      }
      results.push({ how, ms: (sentAgainAt ?? Number.POSITIVE_INFINITY) - killedAt });
      if (how === 'SIGSTOP') victim.child.kill('SIGKILL');
      await victim.exited;
      daemons.delete(pid);
      start();
      await sleep(6000);
    }
    return results;
  } finally {
    await Promise.all([...daemons.values()].map((d) => d.stop()));
    await store.close();
    await database.drop();
    dir.remove();
  }
}

export async function runReplicas(): Promise<PartResult> {
  const fakes: Fakes = { child: startChild(benchFile(import.meta.url, './support/mastodon-fakes.ts'), [String(CHANNELS)]), servers: [] };
  const feed = await emptyFeed();
  try {
    fakes.servers = (await fakes.child.next('ready', 60_000)) as Fakes['servers'];
    const sqlite1 = await throughput('sqlite', 1, fakes, feed.url);
    const pg1 = await throughput('postgres', 1, fakes, feed.url);
    const pg3 = await throughput('postgres', 3, fakes, feed.url);
    const failovers = await failover(fakes, feed.url);
    const row = (metric: string, crier: number, unit: string, extra: Partial<Row> = {}): Row => ({ benchmark: B, metric, crier, unit, ...extra });
    const ms = (how: Failover['how']) => failovers.filter((f) => f.how === how).map((f) => f.ms / 1000);
    const all = failovers.map((f) => f.ms / 1000);
    const note = `${THROUGHPUT_ARTICLES} articles × ${CHANNELS} Mastodon channels (fakes answering at once), first post to last`;
    return {
      rows: [
        row('1 daemon on SQLite: deliveries/s', sqlite1, '/s', { note }),
        row('1 replica on PostgreSQL: deliveries/s', pg1, '/s', { note }),
        row('3 replicas on PostgreSQL: deliveries/s', pg3, '/s', { note: 'a channel is sent for by one replica at a time; 3 channels' }),
        row('failover after SIGKILL (pid gone): p50', median(ms('SIGKILL')), 's', { bar: '≤ 30 s', met: median(ms('SIGKILL')) <= 30 }),
        row('failover after SIGKILL: max', Math.max(...ms('SIGKILL')), 's', { bar: '≤ 30 s', met: Math.max(...ms('SIGKILL')) <= 30 }),
        row('failover after SIGSTOP (looks alive: lease expires): p50', median(ms('SIGSTOP')), 's', { bar: '≤ 30 s', met: median(ms('SIGSTOP')) <= 30 }),
        row('failover, all: max', Math.max(...all), 's', {
          bar: '≤ 30 s',
          met: Math.max(...all) <= 30,
          note: `kill of the channel's lease holder → that channel posting again from another replica; ${failovers.length} rounds, p90 ${percentile(all, 90).toFixed(1)} s`,
        }),
      ],
      details: { sqlite1, pg1, pg3, failovers },
    };
  } finally {
    await fakes.child.stop();
    await feed.close();
  }
}

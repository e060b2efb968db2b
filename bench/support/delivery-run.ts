import type { Article } from '../../src/articles/article.js';
import { loadConfig } from '../../src/config/load.js';
import type { CrierConfigInput } from '../../src/config/schema.js';
import { createWorker } from '../../src/delivery/worker.js';
import { planIngest } from '../../src/ingest/plan-ingest.js';
import type { RoutingTable } from '../../src/ingest/route-article.js';
import { createLogger } from '../../src/log/logger.js';
import { createChannelRuntimes, type ChannelRuntime } from '../../src/runtime/channels.js';
import { loadTemplates } from '../../src/runtime/templates.js';
import { parseFeed } from '../../src/sources/feed/parse-feed.js';
import { openStore } from '../../src/store/open-store.js';
import type { SourceState } from '../../src/store/store.js';
import { childMain } from './child.js';
import { DRY_RUN_CHANNELS, tempDir, writeConfig } from './config.js';
import type { DeliveryRunOptions, DeliveryRunResult } from './delivery-types.js';
import { timedStore } from './timed-store.js';
import { siteUrlOf, wordpressFeed } from './wordpress-feed.js';

/**
 * One delivery run in its own process: 1,000 articles (parsed from WordPress feeds by the real
 * parser) ingested into a fresh SQLite store with 3 channels each, then the real worker
 * (createWorker, as the daemon wires it) delivers all 3,000.
 */
const PER_POLL = 10;
const SOURCE = 'news';

function articles(count: number, now: Date): Article[] {
  const out: Article[] = [];
  for (let site = 0; out.length < count; site++) {
    const items = Array.from({ length: PER_POLL }, (_, k) => ({ n: k + 1, publishedAt: new Date(now.getTime() - 3_600_000 + k * 1000) }));
    const body = wordpressFeed(site, items, now);
    out.push(...parseFeed(body, { sourceId: SOURCE, feedUrl: `${siteUrlOf(site)}/feed/`, now }).articles);
  }
  return out.slice(0, count);
}

function channelsFor(options: DeliveryRunOptions): { channels: CrierConfigInput['channels']; env: NodeJS.ProcessEnv } {
  if (options.scenario === 'dry-run') return { channels: DRY_RUN_CHANNELS, env: {} };
  const env: NodeJS.ProcessEnv = {};
  const channels = options.servers.map((server, k) => {
    env[`BENCH_MASTODON_TOKEN_${k}`] = server.token;
    return {
      id: `mastodon-${k}`,
      platform: 'mastodon' as const,
      instance: server.url,
      credentials: { accessToken: `\${BENCH_MASTODON_TOKEN_${k}}` },
      // Article images would be fetched from the article's site: the bench stays on loopback.
      images: false,
    };
  });
  return { channels, env };
}

async function main(): Promise<DeliveryRunResult> {
  const options = JSON.parse(process.argv[2] ?? '{}') as DeliveryRunOptions;
  const dir = tempDir('delivery');
  try {
    const { channels, env } = channelsFor(options);
    const file = writeConfig(dir, {
      sources: [{ id: SOURCE, kind: 'feed', url: 'http://127.0.0.1:9/never-polled/' }],
      channels,
      routes: [{ id: 'everything', channels: channels.map((c) => c.id) }],
    });
    const config = loadConfig(file, env);
    const logger = createLogger({ pretty: false });
    const now = (): Date => new Date();
    const base = await openStore(config);
    await base.migrate();
    const { store, timing } = timedStore(base);

    // Dry-run posts go to a writer that only counts them, per channel and article.
    const written = new Map<string, number>();
    const write = (text: string): void => {
      const channel = text.split(' · ')[2] ?? '';
      const urls = text.match(/https?:\/\/\S+/g) ?? [];
      const key = `${channel} ${urls[urls.length - 1] ?? text}`;
      written.set(key, (written.get(key) ?? 0) + 1);
    };
    const runtimes = createChannelRuntimes(config.channels, { store, logger, now, write, credentials: (c) => config.secrets.channel(c) });
    // The platforms' own per-account budgets (Mastodon: 300 statuses / 3 h) would hold the
    // queue for hours; they are lifted, but still checked against the store on every delivery.
    const lifted = new Map<string, ChannelRuntime>(
      [...runtimes].map(([id, runtime]) => [
        id,
        {
          ...runtime,
          platform: {
            ...runtime.platform,
            rateBudgets: (channel) => runtime.platform.rateBudgets(channel).map((b) => ({ ...b, limit: 1_000_000_000 })),
          },
        },
      ]),
    );
    const worker = createWorker({
      store,
      channels: lifted,
      templates: loadTemplates(config),
      logger,
      now,
      random: Math.random,
      defaultLanguage: config.defaults.language,
    });

    // Ingest: the source is past its first poll, so every article is new and gets 3 deliveries.
    const routing: RoutingTable = { routes: config.routes, channels: new Map(config.channels.map((c) => [c.id, c])), configDir: config.dir };
    const all = articles(options.articles, now());
    let state: SourceState = { sourceId: SOURCE, consecutiveFailures: 0, initializedAt: new Date(now().getTime() - 86_400_000) };
    await store.saveSourceState(state);
    const ingestStart = performance.now();
    for (let i = 0; i < all.length; i += PER_POLL) {
      const items = planIngest(all.slice(i, i + PER_POLL), state, { backfill: 0, maxAgeMs: 86_400_000 }, routing, now());
      state = { ...state, lastPollAt: now(), lastOkAt: now() };
      await store.ingest(SOURCE, items, state, now());
    }
    const ingestMs = performance.now() - ingestStart;
    timing.clear();

    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const handled = await worker.drain();
    const wallMs = performance.now() - t0;
    const cpuUsed = process.cpuUsage(cpu);
    const cpuMs = (cpuUsed.user + cpuUsed.system) / 1000;

    const deliveries = await base.listDeliveries({ limit: 1_000_000 });
    const posted = deliveries.filter((d) => d.state === 'posted').length;
    if (handled !== deliveries.length || posted !== deliveries.length) {
      const states = new Map<string, number>();
      for (const d of deliveries) states.set(d.state, (states.get(d.state) ?? 0) + 1);
      throw new Error(`worker handled ${handled} of ${deliveries.length}; states ${JSON.stringify([...states])}`);
    }
    const storeMs = [...timing.values()].reduce((sum, t) => sum + t.ms, 0);
    await base.close();
    return {
      scenario: options.scenario,
      deliveries: deliveries.length,
      posted,
      wallMs,
      cpuMs,
      deliveriesPerSecond: (posted * 1000) / wallMs,
      cpuMsPerDelivery: cpuMs / posted,
      storeMsPerDelivery: storeMs / posted,
      storeCalls: Object.fromEntries(timing),
      ingestMsPerArticle: ingestMs / all.length,
      ...(options.scenario === 'dry-run' ? { dryRunDuplicates: [...written.values()].reduce((sum, n) => sum + n - 1, 0) } : {}),
    };
  } finally {
    dir.remove();
  }
}

childMain(main);

import { join } from 'node:path';
import { Agent } from 'undici';
import { loadConfig, type ResolvedSource } from '../../src/config/load.js';
import type { RoutingTable } from '../../src/ingest/route-article.js';
import { createLogger } from '../../src/log/logger.js';
import { pollSource, type PollDeps, type PollReport } from '../../src/sources/poll-source.js';
import { openStore } from '../../src/store/open-store.js';
import { childMain } from './child.js';
import { manyFeedsConfig, tempDir, writeConfig } from './config.js';
import { paced, runLanes } from './lanes.js';
import { changedIn } from './rounds.js';
import type { PollerOptions, PollerResult, RoundCost } from './poller-types.js';
import { cpuMsSince, median } from './stats.js';

/**
 * The Crier side of the polling benchmark, in its own process: the real pollSource (fetchFeed →
 * parseFeed → planIngest → SqliteStore.ingest) over an undici Agent with 2 connections per host,
 * 16 polls in flight at most, as the daemon runs them.
 */
const LANES = 16;

async function main(): Promise<PollerResult> {
  const options = JSON.parse(process.argv[2] ?? '{}') as PollerOptions;
  const dir = tempDir('poll');
  // The store is left behind in storeDir when given: the daemon run starts from it, warm.
  const storePath = options.storeDir ? join(options.storeDir, 'crier.db') : 'crier.db';
  try {
    const file = writeConfig(dir, manyFeedsConfig({ serverUrl: options.url, feeds: options.feeds, interval: '60s', storePath }));
    const config = loadConfig(file, {});
    const store = await openStore(config);
    await store.migrate();
    const routing: RoutingTable = {
      routes: config.routes,
      channels: new Map(config.channels.map((c) => [c.id, c])),
      configDir: config.dir,
    };
    const dispatcher = new Agent({ connections: 2, keepAliveTimeout: 30_000 });
    const deps: PollDeps = {
      store,
      routing,
      logger: createLogger({ pretty: false }),
      now: () => new Date(),
      random: Math.random,
      dispatcher,
      fetchTimeoutMs: config.defaults.fetchTimeout,
    };
    // As the daemon polls (poll-scheduler.ts): the source's state (on PostgreSQL, a claim hands it
    // back), then the poll and its save.
    const poll = async (source: ResolvedSource): Promise<PollReport> => {
      const state = store.replicated ? await store.claimPoll(source.id, 'bench', new Date(), 30_000, true) : await store.getSourceState(source.id);
      return pollSource(source, deps, { state });
    };
    const setRound = async (r: number): Promise<void> => {
      await fetch(`${options.url}/_round/${r}`);
    };
    const all = config.sources.map((_, i) => i);

    // The first round: every source's first poll (records what is there, posts nothing).
    let round = options.startRound;
    await setRound(round);
    let cpu = process.cpuUsage();
    let wall = performance.now();
    const first = await runLanes(config.sources, LANES, poll);
    const firstPoll = { cpuMsPerPoll: cpuMsSince(cpu) / first.length, wallMs: performance.now() - wall };
    expect(first.every((r) => r.result === 'ingested'), `first polls failed: ${describe(first)}`);

    // Cost rounds: the 90 % that answer 304 and the 10 % that changed, timed separately. The first
    // is not counted: it compiles the 304 path (a daemon pays that once, in its first minute).
    const rounds: RoundCost[] = [];
    for (let k = -1; k < options.costRounds; k++) {
      round += 1;
      await setRound(round);
      const unchanged = all.filter((i) => !changedIn(i, round)).map((i) => config.sources[i] as ResolvedSource);
      const changed = all.filter((i) => changedIn(i, round)).map((i) => config.sources[i] as ResolvedSource);
      wall = performance.now();
      cpu = process.cpuUsage();
      const r304 = await runLanes(unchanged, LANES, poll);
      const split304 = process.cpuUsage(cpu);
      const cpu304 = (split304.user + split304.system) / 1000;
      cpu = process.cpuUsage();
      const rChanged = await runLanes(changed, LANES, poll);
      const cpuChanged = cpuMsSince(cpu);
      const wallMs = performance.now() - wall;
      expect(r304.every((r) => r.result === 'not-modified'), `expected 304s: ${describe(r304)}`);
      expect(
        rChanged.every((r) => r.result === 'ingested' && r.counts.recorded === 1 && r.counts.deliveriesCreated === 3),
        `expected one new article (3 deliveries) per changed feed: ${describe(rChanged)}`,
      );
      if (k >= 0) rounds.push({
        round,
        polls: r304.length + rChanged.length,
        notModified: r304.length,
        changed: rChanged.length,
        cpuMsPer304: cpu304 / r304.length,
        // Kernel time is mostly the loopback TCP round trip (both ends' network stack work).
        cpuMsPer304User: split304.user / 1000 / r304.length,
        cpuMsPer304System: split304.system / 1000 / r304.length,
        cpuMsPerChanged: cpuChanged / rChanged.length,
        cpuMsPerPoll: (cpu304 + cpuChanged) / (r304.length + rChanged.length),
        wallMs,
        pollsPerMinute: ((r304.length + rChanged.length) * 60_000) / wallMs,
      });
    }

    // Paced: the target rate, round-robin over the sources; a new round each time around.
    let memoryAtPeak = process.memoryUsage();
    const windows = await paced(
      options.ratePerMinute,
      options.pacedWindows,
      options.pacedWindowMs,
      LANES * 4,
      async (k) => {
        const i = k % options.feeds;
        if (i === 0) {
          round += 1;
          await setRound(round);
        }
        const report = await poll(config.sources[i] as ResolvedSource);
        if (report.result === 'error') throw new Error(report.error);
      },
      () => {
        const memory = process.memoryUsage();
        if (memory.rss > memoryAtPeak.rss) memoryAtPeak = memory;
      },
    );
    const maxRssBytes = process.resourceUsage().maxRSS * 1024;

    await dispatcher.close();
    await store.close();
    return {
      lastRound: round,
      firstPoll,
      rounds,
      paced: windows,
      memoryAtPeak,
      maxRssBytes,
      summary: {
        cpuMsPer304: median(rounds.map((r) => r.cpuMsPer304)),
        cpuMsPerChanged: median(rounds.map((r) => r.cpuMsPerChanged)),
        cpuMsPerPoll: median(rounds.map((r) => r.cpuMsPerPoll)),
        maxPollsPerMinute: median(rounds.map((r) => r.pollsPerMinute)),
        pacedPollsPerMinute: median(windows.map((w) => w.pollsPerMinute)),
        pacedCpuPercent: median(windows.map((w) => w.cpuPercent)),
      },
    };
  } finally {
    dir.remove();
  }
}

function expect(ok: boolean, message: string): void {
  if (!ok) throw new Error(message);
}

function describe(reports: readonly PollReport[]): string {
  const counts = new Map<string, number>();
  for (const r of reports) {
    const key = r.result === 'error' ? `error: ${r.error}` : r.result === 'ingested' ? `ingested ${JSON.stringify(r.counts)}` : r.result;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n}× ${k}`).join('; ').slice(0, 2000);
}

childMain(main);

import Parser from 'rss-parser';
import { childMain } from './child.js';
import { paced, runLanes } from './lanes.js';
import type { NaiveResult, PollerOptions } from './poller-types.js';
import { cpuMsSince, median } from './stats.js';

/**
 * The baseline: what a quick script does. rss-parser's parseURL on every poll (no ETag, no
 * If-Modified-Since, so every poll downloads and parses the whole feed), new items found by
 * comparing GUIDs in memory. Same server, same 16 polls in flight, same rates as Crier.
 */
const LANES = 16;

async function main(): Promise<NaiveResult> {
  const options = JSON.parse(process.argv[2] ?? '{}') as PollerOptions;
  const parser = new Parser({ timeout: 20_000 });
  const seen = new Map<string, Set<string>>();
  const urls = Array.from({ length: options.feeds }, (_, i) => `${options.url}/feeds/${i}/feed/`);
  const poll = async (url: string): Promise<number> => {
    const feed = await parser.parseURL(url);
    const known = seen.get(url) ?? new Set<string>();
    seen.set(url, known);
    let fresh = 0;
    for (const item of feed.items) {
      const id = item.guid ?? item.link ?? item.title ?? '';
      if (!known.has(id)) {
        known.add(id);
        fresh += 1;
      }
    }
    return fresh;
  };
  const setRound = async (r: number): Promise<void> => {
    await fetch(`${options.url}/_round/${r}`);
  };

  let round = options.startRound;
  await setRound(round);
  await runLanes(urls.slice(0, 100), LANES, poll); // warm-up (JIT), as Crier's first polls are

  const rounds: NaiveResult['rounds'] = [];
  for (let k = 0; k < options.costRounds; k++) {
    round += 1;
    await setRound(round);
    const wall = performance.now();
    const cpu = process.cpuUsage();
    const fresh = await runLanes(urls, LANES, poll);
    const cpuMs = cpuMsSince(cpu);
    const wallMs = performance.now() - wall;
    rounds.push({
      polls: urls.length,
      cpuMsPerPoll: cpuMs / urls.length,
      wallMs,
      pollsPerMinute: (urls.length * 60_000) / wallMs,
      newItems: fresh.reduce((a, b) => a + b, 0),
    });
  }

  const windows = await paced(options.ratePerMinute, options.pacedWindows, options.pacedWindowMs, LANES * 4, async (k) => {
    const i = k % options.feeds;
    if (i === 0) {
      round += 1;
      await setRound(round);
    }
    await poll(urls[i] ?? '');
  });
  const maxRssBytes = process.resourceUsage().maxRSS * 1024;

  return {
    lastRound: round,
    rounds,
    paced: windows,
    maxRssBytes,
    summary: {
      cpuMsPerPoll: median(rounds.map((r) => r.cpuMsPerPoll)),
      maxPollsPerMinute: median(rounds.map((r) => r.pollsPerMinute)),
      pacedPollsPerMinute: median(windows.map((w) => w.pollsPerMinute)),
      pacedCpuPercent: median(windows.map((w) => w.cpuPercent)),
    },
  };
}

childMain(main);

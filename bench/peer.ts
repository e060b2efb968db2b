import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { feedServerStats, pollWindow } from './support/feed-stats.js';
import { benchFile, startChild } from './support/child.js';
import { manyFeedsConfig, tempDir, writeConfig, type TempDir } from './support/config.js';
import { childrenCpuMs, CRIER_BIN, processMemory, startDaemon } from './support/daemon.js';
import { sleep } from './support/lanes.js';
import { median } from './support/stats.js';
import type { PartResult, Row } from './support/table.js';

/**
 * Crier against its peer, Debian's feed2toot (Python, run by cron once per cycle), in one run on
 * the same 200 unchanged feeds: a loopback server (its own process) that sends ETag and
 * Last-Modified. Per cycle (every feed looked at once): feed2toot as a whole process, `crier poll`
 * as a whole process (start-up counts), and the `crier run` daemon (CPU over whole cycles).
 * feed2toot: `apt-get install feed2toot`; without it the rows say so.
 */
const FEEDS = 200;
const RUNS = 3;
const B = 'peer';
const MB = 1024 * 1024;
/** The daemon's interval (the floor without unsafeMinInterval) and how many cycles are measured. */
const DAEMON_INTERVAL_S = 10;
const DAEMON_CYCLES = 3;
const WARM_CYCLES = 3;
const FEED2TOOT = '/usr/bin/feed2toot';

function env(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, CRIER_LOG_LEVEL: 'warn' };
}

/** CPU (user + system) of one whole process run to its end, from this process's children counters. */
function cpuOf(command: string, args: string[], label: string): number {
  const before = childrenCpuMs();
  const result = spawnSync(command, args, { env: env(), stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  if (result.status !== 0) throw new Error(`${label} exited ${result.status ?? result.signal}\n${result.stdout.toString()}${result.stderr.toString()}`);
  return childrenCpuMs() - before;
}

function hasFeed2toot(): boolean {
  return spawnSync(FEED2TOOT, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** feed2toot's own config: the same feeds in a uri_list, a cache it fills on its first run. */
function feed2tootConfig(dir: TempDir, url: string): string {
  writeFileSync(dir.file('uris.txt'), `${Array.from({ length: FEEDS }, (_, i) => `${url}/feeds/${i}/feed/`).join('\n')}\n`);
  const ini = dir.file('feed2toot.ini');
  writeFileSync(
    ini,
    [
      '[mastodon]',
      // Never reached: the measured runs are dry runs of feeds whose every entry is already cached.
      'instance_url=http://127.0.0.1:9',
      `user_credentials=${dir.file('user.txt')}`,
      `client_credentials=${dir.file('client.txt')}`,
      '[cache]',
      `cachefile=${dir.file('cache.db')}`,
      'cache_limit=100000',
      '[lock]',
      `lock_file=${dir.file('feed2toot.lock')}`,
      '[rss]',
      `uri_list=${dir.file('uris.txt')}`,
      'toot={title} {link}',
      '[feedparser]',
      'accept_bozo_exceptions=true',
      '',
    ].join('\n'),
  );
  return ini;
}

interface DaemonCycle {
  cpuMsPerCycle: number;
  cycles: number;
  rssBytes: number;
  peakRssBytes: number;
  idleCpuPercent: number;
}

/** The daemon on its interval: CPU over whole cycles, counted as polls ÷ sources at the feed server. */
async function daemonCycles(url: string, configFile: string): Promise<DaemonCycle> {
  const daemon = startDaemon(configFile, { CRIER_LOG_LEVEL: 'warn' });
  try {
    // Its first cycles (everything is known from `crier poll`: 304s) while start-up settles
    // (compiling, loading, collecting its garbage on V8's threads): not counted.
    const start = await feedServerStats(url);
    for (const t0 = Date.now(); ; ) {
      if ((await feedServerStats(url)).requests - start.requests >= WARM_CYCLES * FEEDS) break;
      if (Date.now() - t0 > 90_000) throw new Error(`daemon: fewer than ${WARM_CYCLES * FEEDS} polls in 90 s\n${daemon.stderr()}`);
      await sleep(200);
    }
    const { polls, cpuMs, windowMs } = await pollWindow(url, daemon.pid, DAEMON_CYCLES * DAEMON_INTERVAL_S * 1000);
    const cycles = polls / FEEDS;
    return { cpuMsPerCycle: cpuMs / cycles, cycles, ...processMemory(daemon.pid), idleCpuPercent: (100 * cpuMs) / windowMs };
  } finally {
    await daemon.stop();
  }
}

export async function runPeer(): Promise<PartResult> {
  const dir = tempDir('peer');
  const server = startChild(benchFile(import.meta.url, './support/feed-server.ts'), [String(FEEDS), '1024']);
  try {
    const { url } = (await server.next('ready', 60_000)) as { url: string };
    const config = writeConfig(
      dir,
      // Recorded, routed nowhere: what is measured is looking at feeds, as feed2toot's dry runs do.
      { ...manyFeedsConfig({ serverUrl: url, feeds: FEEDS, interval: `${DAEMON_INTERVAL_S}s`, storePath: dir.file('crier.db') }), routes: [{ id: 'nowhere', sources: [], channels: ['x-dry'] }] },
    );
    // First looks: Crier records what the feeds hold, feed2toot caches every entry (-p).
    cpuOf(process.execPath, [CRIER_BIN, '--config', config, 'poll'], 'crier poll (first)');
    const crierPoll = Array.from({ length: RUNS }, () => cpuOf(process.execPath, [CRIER_BIN, '--config', config, 'poll'], 'crier poll'));
    let feed2toot: number[] | undefined;
    if (hasFeed2toot()) {
      const ini = feed2tootConfig(dir, url);
      cpuOf(FEED2TOOT, ['-c', ini, '-p'], 'feed2toot -p');
      feed2toot = Array.from({ length: RUNS }, () => cpuOf(FEED2TOOT, ['-c', ini, '-n'], 'feed2toot -n'));
    }
    const daemon = await daemonCycles(url, config);

    const poll = median(crierPoll);
    const peer = feed2toot === undefined ? undefined : median(feed2toot);
    const missing = 'feed2toot is not installed (apt-get install feed2toot): no comparison';
    const ratioRow = (metric: string, crier: number, bar: number): Row =>
      peer === undefined
        ? { benchmark: B, metric, crier: 'n/a', unit: '', bar: `≥ ${bar}×`, note: missing }
        : { benchmark: B, metric, crier: peer / crier, unit: '×', bar: `≥ ${bar}×`, met: peer / crier >= bar };
    const rows: Row[] = [
      {
        benchmark: B,
        metric: `feed2toot, whole process: CPU per cycle of ${FEEDS} unchanged feeds`,
        crier: peer ?? 'not installed',
        unit: peer === undefined ? '' : 'ms',
        note: peer === undefined ? missing : `median of ${RUNS} dry runs (-n) after one -p run cached every entry; user + system; it has no conditional GET, so every feed is downloaded and parsed`,
      },
      {
        benchmark: B,
        metric: '`crier poll`, whole process: CPU per cycle',
        crier: poll,
        unit: 'ms',
        baseline: peer,
        note: `median of ${RUNS} processes (start-up, config, store, ${FEEDS} conditional GETs answered 304); user + system`,
      },
      ratioRow('feed2toot CPU ÷ `crier poll` CPU', poll, 2.5),
      {
        benchmark: B,
        metric: '`crier run` daemon: CPU per cycle',
        crier: daemon.cpuMsPerCycle,
        unit: 'ms',
        baseline: peer,
        note: `${daemon.cycles.toFixed(1)} cycles of ${FEEDS} polls every ${DAEMON_INTERVAL_S} s, counted at the feed server; all its CPU over the window, idle time between polls included (${daemon.idleCpuPercent.toFixed(1)} % of a core)`,
      },
      ratioRow('feed2toot CPU ÷ `crier run` CPU', daemon.cpuMsPerCycle, 5),
      {
        benchmark: B,
        metric: `\`crier run\` daemon with ${FEEDS} sources: RSS`,
        crier: daemon.rssBytes / MB,
        unit: 'MB',
        bar: '≤ 100 MB',
        met: daemon.rssBytes / MB <= 100,
        note: `VmRSS after ${DAEMON_CYCLES + WARM_CYCLES} cycles; peak (VmHWM) ${(daemon.peakRssBytes / MB).toFixed(0)} MB`,
      },
    ];
    return { rows, details: { feeds: FEEDS, runs: RUNS, crierPoll, feed2toot, daemon } };
  } finally {
    await server.stop();
    dir.remove();
  }
}

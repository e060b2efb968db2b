import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { pollWindow } from './support/feed-stats.js';
import { benchFile, startChild } from './support/child.js';
import { manyFeedsConfig, tempDir, writeConfig, type TempDir } from './support/config.js';
import { CRIER_BIN, startDaemon } from './support/daemon.js';
import { sleep } from './support/lanes.js';
import type { PartResult, Row } from './support/table.js';

/**
 * Is the daemon's cost per poll flat in the number of sources? The real `crier run` polls 100, 1,000
 * and 5,000 unchanged feeds (every poll a 304) at the same rate, 100 polls/s, from a warm store whose
 * due times are spread over the interval as in a daemon long running; CPU per poll is its CPU over a
 * window divided by the polls the feed server counted.
 */
const SIZES = [100, 1000, 5000] as const;
const POLLS_PER_SECOND = 100;
const WARM_MS = 5_000;
const WINDOW_MS = 15_000;
const B = 'scaling';

interface Scale {
  sources: number;
  intervalMs: number;
  polls: number;
  notModified: number;
  cpuMs: number;
  cpuMsPerPoll: number;
  windowMs: number;
}

function configFor(dir: TempDir, url: string, sources: number, intervalMs: number): string {
  const config = manyFeedsConfig({ serverUrl: url, feeds: sources, interval: `${intervalMs}ms`, storePath: dir.file('crier.db') });
  // Looking at feeds is what is measured: what they hold is recorded and routed nowhere.
  return writeConfig(dir, { ...config, routes: [{ id: 'nowhere', sources: [], channels: ['x-dry'] }] }, `crier-${sources}.yaml`);
}

/** Every configured source due at a random point of its interval from now, as in a daemon running for long. */
function spreadDueTimes(dir: TempDir, sources: number, intervalMs: number): void {
  const db = new Database(dir.file('crier.db'));
  try {
    const now = Date.now();
    const update = db.prepare('UPDATE sources SET next_poll_at = ?, claimed_by = NULL, claimed_until = NULL WHERE source_id = ?');
    db.transaction(() => {
      for (let i = 0; i < sources; i++) update.run(now + Math.floor(Math.random() * intervalMs), `site-${i}`);
    })();
  } finally {
    db.close();
  }
}

async function measure(dir: TempDir, url: string, sources: number): Promise<Scale> {
  const intervalMs = (sources * 1000) / POLLS_PER_SECOND;
  const config = configFor(dir, url, sources, intervalMs);
  spreadDueTimes(dir, sources, intervalMs);
  const daemon = startDaemon(config, { CRIER_LOG_LEVEL: 'warn' });
  try {
    await sleep(WARM_MS);
    const window = await pollWindow(url, daemon.pid, WINDOW_MS);
    return { sources, intervalMs, ...window, cpuMsPerPoll: window.cpuMs / window.polls };
  } finally {
    await daemon.stop();
  }
}

export async function runScaling(): Promise<PartResult> {
  const largest = Math.max(...SIZES);
  const dir = tempDir('scaling');
  const server = startChild(benchFile(import.meta.url, './support/feed-server.ts'), [String(largest), '1024']);
  try {
    const { url } = (await server.next('ready', 60_000)) as { url: string };
    // One `crier poll` records every feed once: the store is warm, every later poll a 304.
    const warm = spawnSync(process.execPath, [CRIER_BIN, '--config', configFor(dir, url, largest, 60_000), 'poll'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, CRIER_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 600_000,
    });
    if (warm.status !== 0) throw new Error(`crier poll of ${largest} feeds exited ${warm.status ?? warm.signal}: ${warm.stderr.toString().slice(-2000)}`);
    const scales: Scale[] = [];
    for (const sources of SIZES) scales.push(await measure(dir, url, sources));

    const smallest = scales[0] as Scale;
    const biggest = scales[scales.length - 1] as Scale;
    const ratio = biggest.cpuMsPerPoll / smallest.cpuMsPerPoll;
    const rows: Row[] = scales.map((s) => ({
      benchmark: B,
      metric: `crier run, ${s.sources.toLocaleString('en-US')} sources: CPU per poll answered 304`,
      crier: s.cpuMsPerPoll,
      unit: 'ms',
      note: `${s.polls} polls (${s.notModified} answered 304) in ${(s.windowMs / 1000).toFixed(0)} s at one every ${s.intervalMs / 1000} s per source (${POLLS_PER_SECOND}/s in all); the daemon's whole CPU over the window`,
    }));
    rows.push({
      benchmark: B,
      metric: `CPU per poll at ${biggest.sources.toLocaleString('en-US')} sources ÷ at ${smallest.sources.toLocaleString('en-US')}`,
      crier: ratio,
      unit: '×',
      bar: '≤ 1.25×',
      met: ratio <= 1.25,
    });
    return { rows, details: { pollsPerSecond: POLLS_PER_SECOND, warmMs: WARM_MS, windowMs: WINDOW_MS, scales } };
  } finally {
    await server.stop();
    dir.remove();
  }
}

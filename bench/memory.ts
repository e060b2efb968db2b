import { benchFile, startChild } from './support/child.js';
import { manyFeedsConfig, tempDir, writeConfig } from './support/config.js';
import { processCpuMs, processMemory, startDaemon } from './support/daemon.js';
import { copyExampleConfig } from './support/demo-config.js';
import { sleep } from './support/lanes.js';
import { median } from './support/stats.js';
import { StoreReader, waitUntil } from './support/store-reader.js';
import type { PartResult, Row } from './support/table.js';

/**
 * RSS of the real daemon (`crier run`, its own process) once it has settled: with the example
 * config, and with 200 and 1,000 feed sources on a loopback server (the three dry-run channels).
 * Read from /proc/<pid>/status.
 */
const B = 'memory';
const MB = 1024 * 1024;
const SOURCES = 1000;
/** Issue 15 item 4: the daemon with 200 feed sources, against feed2toot's 50 MB. */
const FEW_SOURCES = 200;
const FEW_SOURCES_BAR_MB = 100;
const SETTLE_MS = 3_000;
const IDLE_WINDOW_MS = 5_000;

export interface SettledDaemon {
  startupMs: number;
  rssBytes: number;
  peakRssBytes: number;
  /** CPU while settled (no poll due), % of one core. */
  idleCpuPercent: number;
}

/** After `ready`, wait SETTLE_MS, then sample RSS over the idle window (median) and CPU. */
async function settle(pid: number, startedAt: number): Promise<SettledDaemon> {
  const startupMs = Date.now() - startedAt;
  await sleep(SETTLE_MS);
  const samples: number[] = [];
  const c0 = processCpuMs(pid);
  const t0 = performance.now();
  for (let k = 0; k < 5; k++) {
    samples.push(processMemory(pid).rssBytes);
    await sleep(IDLE_WINDOW_MS / 5);
  }
  const idleCpuPercent = (100 * (processCpuMs(pid) - c0)) / (performance.now() - t0);
  return { startupMs, rssBytes: median(samples), peakRssBytes: processMemory(pid).peakRssBytes, idleCpuPercent };
}

async function exampleDaemon(): Promise<SettledDaemon> {
  const dir = tempDir('mem-example');
  const reader = new StoreReader(dir.file('crier.db'));
  const daemon = startDaemon(copyExampleConfig(dir));
  try {
    const t0 = Date.now();
    // Settled: every source polled and nothing left to deliver.
    const ready = await waitUntil(() => {
      const all = reader.deliveries();
      return reader.initializedSources() > 0 && all.every((d) => d.state !== 'pending' && d.state !== 'sending');
    }, 30_000, 100);
    if (!ready) throw new Error(`example daemon did not settle in 30 s\n${daemon.stderr()}`);
    return await settle(daemon.pid, t0);
  } finally {
    await daemon.stop();
    reader.close();
    dir.remove();
  }
}

async function manySourcesDaemon(sources: number): Promise<SettledDaemon & { firstPollsMs: number }> {
  const server = startChild(benchFile(import.meta.url, './support/feed-server.ts'), [String(sources), '1000']);
  const dir = tempDir(`mem-${sources}`);
  try {
    const { url } = (await server.next('ready', 60_000)) as { url: string };
    const file = writeConfig(dir, manyFeedsConfig({ serverUrl: url, feeds: sources, interval: '60s' }));
    const reader = new StoreReader(dir.file('crier.db'));
    const daemon = startDaemon(file);
    try {
      const t0 = Date.now();
      const ready = await waitUntil(() => reader.initializedSources() === sources, 50_000, 250);
      if (!ready) throw new Error(`only ${reader.initializedSources()} of ${sources} sources polled in 50 s\n${daemon.stderr()}`);
      const settled = await settle(daemon.pid, t0);
      return { ...settled, firstPollsMs: settled.startupMs };
    } finally {
      await daemon.stop();
      reader.close();
    }
  } finally {
    await server.stop();
    dir.remove();
  }
}

export async function runMemory(): Promise<PartResult> {
  const example = await exampleDaemon();
  const few = await manySourcesDaemon(FEW_SOURCES);
  const many = await manySourcesDaemon(SOURCES);
  const fewMb = few.rssBytes / MB;
  const rows: Row[] = [
    {
      benchmark: B,
      metric: 'idle daemon, example config: RSS',
      crier: example.rssBytes / MB,
      unit: 'MB',
      note: `VmRSS ${SETTLE_MS / 1000} s after its first poll and deliveries; peak (VmHWM) ${Math.round(example.peakRssBytes / MB)} MB; idle CPU ${example.idleCpuPercent.toFixed(1)} % of one core`,
    },
    {
      benchmark: B,
      metric: `idle daemon, ${FEW_SOURCES} feed sources: RSS`,
      crier: fewMb,
      unit: 'MB',
      bar: `≤ ${FEW_SOURCES_BAR_MB} MB`,
      met: fewMb <= FEW_SOURCES_BAR_MB,
      note: `three dry-run channels; VmRSS after every source's first poll (${(few.firstPollsMs / 1000).toFixed(1)} s from start); peak (VmHWM) ${Math.round(few.peakRssBytes / MB)} MB`,
    },
    {
      benchmark: B,
      metric: `idle daemon, ${SOURCES.toLocaleString('en-US')} feed sources: RSS`,
      crier: many.rssBytes / MB,
      unit: 'MB',
      note: `after every source's first poll (${(many.firstPollsMs / 1000).toFixed(1)} s from start); peak (VmHWM) ${Math.round(many.peakRssBytes / MB)} MB`,
    },
    {
      benchmark: B,
      metric: `idle daemon, ${SOURCES.toLocaleString('en-US')} feed sources: CPU between polls`,
      crier: many.idleCpuPercent,
      unit: '%',
      note: `% of one core over ${IDLE_WINDOW_MS / 1000} s with no poll due (60 s interval): the scheduler's own cost`,
    },
  ];
  return { rows, details: { example, fewSources: few, manySources: many } };
}

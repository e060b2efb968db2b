import { spawnSync } from 'node:child_process';
import { tempDir } from './support/config.js';
import { childrenCpuMs, CRIER_BIN } from './support/daemon.js';
import { copyExampleConfig } from './support/demo-config.js';
import { median } from './support/stats.js';
import { StoreReader } from './support/store-reader.js';
import { notBuilt, type PartResult, type Row } from './support/table.js';

/**
 * Cold start of the CLI: a new `node bin/crier.js …` process per run, timed from spawn to exit
 * (spawnSync), one warm-up run (file cache) then the median of RUNS.
 */
const RUNS = 10;
const B = 'cli';
/** Issue 15 item 8: the cold-start bars (`node -e 0` itself is ~75 ms on an idle machine). */
const HELP_BAR_MS = 120;
const STATUS_BAR_MS = 300;

interface Timing {
  args: string[];
  runsMs: number[];
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** CPU time of each process (user + system), 10 ms resolution. */
  cpuMs: number[];
  medianCpuMs: number;
}

function env(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, CRIER_LOG_LEVEL: 'warn' };
}

function run(command: string[], label: string): { ms: number; cpuMs: number } {
  const cpu0 = childrenCpuMs();
  const t0 = process.hrtime.bigint();
  const result = spawnSync(process.execPath, command, { env: env(), stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${label} exited ${result.status ?? result.signal}\n${result.stdout.toString()}${result.stderr.toString()}`);
  }
  return { ms, cpuMs: childrenCpuMs() - cpu0 };
}

function time(command: string[], label: string): Timing {
  run(command, label);
  const runs = Array.from({ length: RUNS }, () => run(command, label));
  const runsMs = runs.map((r) => r.ms);
  const cpuMs = runs.map((r) => r.cpuMs);
  return {
    args: command.slice(1),
    runsMs,
    medianMs: median(runsMs),
    minMs: Math.min(...runsMs),
    maxMs: Math.max(...runsMs),
    cpuMs,
    medianCpuMs: median(cpuMs),
  };
}

function supports(command: string): boolean {
  return spawnSync(process.execPath, [CRIER_BIN, command, '--help'], { env: env(), stdio: 'ignore' }).status === 0;
}

function row(metric: string, timing: Timing, barMs: number): Row {
  return {
    benchmark: B,
    metric,
    crier: timing.medianMs,
    unit: 'ms',
    bar: `≤ ${barMs} ms`,
    met: timing.medianMs <= barMs,
    note: `median of ${RUNS} processes (min ${Math.round(timing.minMs)}, max ${Math.round(timing.maxMs)} ms); CPU per process ${Math.round(timing.medianCpuMs)} ms (user + system, unaffected by other load)`,
  };
}

export async function runCli(): Promise<PartResult> {
  const timings: Record<string, Timing> = {};
  const rows: Row[] = [];
  timings.node = time(['-e', '0'], 'node -e 0');
  rows.push({
    benchmark: B,
    metric: 'node -e 0 (Node.js itself, for scale)',
    crier: timings.node.medianMs,
    unit: 'ms',
    note: `CPU per process ${Math.round(timings.node.medianCpuMs)} ms`,
  });
  timings.help = time([CRIER_BIN, '--help'], 'crier --help');
  rows.push(row('crier --help', timings.help, HELP_BAR_MS));

  const hasStatus = supports('status');
  const hasPreview = supports('preview');
  if (!hasStatus || !hasPreview) {
    if (!hasStatus) rows.push(notBuilt(B, 'crier status (demo config)', `≤ ${STATUS_BAR_MS} ms`));
    if (!hasPreview) rows.push(notBuilt(B, 'crier preview <url> (demo config)', '≤ 800 ms'));
  }
  if (hasStatus || hasPreview) {
    // The demo config with its store in a temp dir, filled by one `crier poll` (what the demo
    // feed holds), so status has history to show and preview finds the article in the store.
    const dir = tempDir('cli');
    try {
      const config = copyExampleConfig(dir);
      run([CRIER_BIN, '--config', config, 'poll'], 'crier poll');
      if (hasStatus) {
        timings.status = time([CRIER_BIN, '--config', config, 'status'], 'crier status');
        rows.push(row('crier status (demo config)', timings.status, STATUS_BAR_MS));
      }
      if (hasPreview) {
        const reader = new StoreReader(dir.file('crier.db'));
        const url = reader.articleUrls(1)[0];
        reader.close();
        if (!url) throw new Error('crier poll recorded no article from the demo feed');
        timings.preview = time([CRIER_BIN, '--config', config, 'preview', url], 'crier preview');
        rows.push(row('crier preview <url> (demo config)', timings.preview, 800));
      }
    } finally {
      dir.remove();
    }
  }
  return { rows, details: { runs: RUNS, timings } };
}

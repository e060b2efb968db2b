import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli.js';
import { runDelivery } from './delivery.js';
import { runLatency } from './latency.js';
import { runMemory } from './memory.js';
import { runPolling } from './polling.js';
import { runPushLatency } from './push-latency.js';
import { runReplicas } from './replicas.js';
import { formatNotes, formatTable, type PartResult, type Row } from './support/table.js';

/**
 * `npm run bench [-- --only polling,cli] [-- --profile]`: every benchmark on loopback, one table,
 * every number in bench/results/latest.json. Never part of `npm test`.
 */
interface Part {
  name: string;
  run: () => Promise<PartResult>;
  /**
   * Runs beside the parts after it instead of before them. Only the latency part: it is ~100 s
   * of daemons sleeping between polls (under 1 % of a core), and its bars are in seconds.
   */
  background?: boolean;
}

// Order matters: polling (the CPU-rate bars) runs alone, first.
const PARTS: readonly Part[] = [
  { name: 'polling', run: runPolling },
  // CPU per poll with 100, 1,000 and 5,000 sources at one rate: flat, or the scheduler is not linear.
  { name: 'scaling', run: async () => (await import('./scaling.js')).runScaling() },
  // Against Debian's feed2toot on the same 200 unchanged feeds: whole processes and the daemon.
  { name: 'peer', run: async () => (await import('./peer.js')).runPeer() },
  { name: 'latency', run: runLatency, background: true },
  // Webhook and WebSub publish → enqueued → posted; ~25 s of mostly idle daemons beside latency.
  { name: 'push', run: runPushLatency },
  { name: 'delivery', run: runDelivery },
  { name: 'cli', run: runCli },
  { name: 'memory', run: runMemory },
  // Several daemons on one PostgreSQL store: throughput with 1 and 3 replicas, failover after a kill.
  { name: 'replicas', run: runReplicas },
  { name: 'stall', run: async () => (await import('./stall.js')).runStall() },
];

interface Args {
  parts: Part[];
  profile: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const names: string[] = [];
  let profile = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--only') names.push(...(argv[++i] ?? '').split(','));
    else if (arg.startsWith('--only=')) names.push(...arg.slice('--only='.length).split(','));
    else if (arg === '--profile') profile = true;
    else throw new Error(`unknown argument ${arg}; use --only ${PARTS.map((p) => p.name).join(',')} and/or --profile`);
  }
  const wanted = new Set(names.map((n) => n.trim()).filter((n) => n !== ''));
  for (const name of wanted) {
    if (!PARTS.some((p) => p.name === name)) throw new Error(`unknown benchmark "${name}"; choose from ${PARTS.map((p) => p.name).join(', ')}`);
  }
  return { parts: PARTS.filter((p) => wanted.size === 0 || wanted.has(p.name)), profile };
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

async function main(): Promise<void> {
  const { parts, profile } = parseArgs(process.argv.slice(2));
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  if (profile) {
    const dir = `${resultsDir}profiles/`;
    mkdirSync(dir, { recursive: true });
    process.env.CRIER_BENCH_PROFILE_DIR = dir;
    log(`CPU profiles of every measured process go to ${dir}`);
  }
  const startedAt = new Date();
  const loadBefore = loadavg();
  const results = new Map<string, PartResult>();
  const timings: Record<string, number> = {};
  const overlapped: Record<string, string[]> = {};
  const background: Promise<void>[] = [];
  const t0 = performance.now();

  const runPart = async (part: Part): Promise<void> => {
    log(`${part.name}…`);
    const start = performance.now();
    results.set(part.name, await part.run());
    const ms = Math.round(performance.now() - start);
    timings[part.name] = ms;
    log(`${part.name} done in ${(ms / 1000).toFixed(1)} s`);
  };
  const inBackground: string[] = [];
  for (const part of parts) {
    for (const name of inBackground) overlapped[name]?.push(part.name);
    if (part.background && parts.some((p) => p !== part && parts.indexOf(p) > parts.indexOf(part))) {
      overlapped[part.name] = [];
      inBackground.push(part.name);
      background.push(runPart(part));
      continue;
    }
    await runPart(part);
  }
  await Promise.all(background);
  const totalMs = Math.round(performance.now() - t0);

  // Rows in the order of PARTS, whatever order they finished in.
  const rows: Row[] = parts.flatMap((p) => results.get(p.name)?.rows ?? []);
  const cpu = cpus()[0];
  const machine = {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpu?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    loadAverageBefore: loadBefore.map((l) => Number(l.toFixed(2))),
    loadAverageAfter: loadavg().map((l) => Number(l.toFixed(2))),
  };
  process.stdout.write(
    `\nCrier benchmarks · ${startedAt.toISOString()} · Node ${machine.node} · ${machine.cpus} × ${machine.cpuModel} · ` +
      `load average ${machine.loadAverageBefore[0]} before, ${machine.loadAverageAfter[0]} after\n\n`,
  );
  process.stdout.write(`${formatTable(rows)}\n\n`);
  const notes = formatNotes(rows);
  if (notes) process.stdout.write(`Notes:\n${notes}\n`);
  for (const [name, others] of Object.entries(overlapped)) {
    if (others.length > 0) process.stdout.write(`- ${name} ran beside ${others.join(', ')} (\`--only ${name}\` runs it alone)\n`);
  }

  mkdirSync(resultsDir, { recursive: true });
  const file = `${resultsDir}latest.json`;
  const details = Object.fromEntries(parts.map((p) => [p.name, results.get(p.name)?.details]));
  writeFileSync(
    file,
    `${JSON.stringify({ startedAt: startedAt.toISOString(), parts: parts.map((p) => p.name), machine, durationMs: { ...timings, total: totalMs }, overlapped, rows, details }, null, 2)}\n`,
  );
  process.stdout.write(`\nAll numbers: ${file} (${(totalMs / 1000).toFixed(0)} s in all)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});

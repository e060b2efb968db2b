import { Agent, request } from 'undici';
import { startChangingBigFeed, type ChangingBigFeed } from './support/changing-big-feed.js';
import { DRY_RUN_CHANNELS, tempDir, writeConfig } from './support/config.js';
import { startDaemon } from './support/daemon.js';
import { sleep } from './support/lanes.js';
import { median, percentile, round } from './support/stats.js';
import { waitUntil } from './support/store-reader.js';
import type { PartResult, Row } from './support/table.js';
import { freePort } from '../tests/support/free-port.js';
import { postWebhook, signWebhook } from '../tests/support/webhook-client.js';

/**
 * No stall while a big feed is parsed (issue 15 item 5). The real daemon (`crier run`, built
 * dist/) polls a ~4 MB feed that changes at every fetch, and has a webhook source. From outside,
 * the bench asks GET /healthz every 10 ms and pushes a signed webhook every 100 ms (each one an article and three dry-run deliveries), open loop (a
 * request goes out on time whether or not the previous one was answered), and times each answer.
 * A request sent while the daemon's event loop is blocked is answered only when it is free again,
 * so the answer time of /healthz is the loop's lag as a client sees it (plus a loopback round
 * trip), and a push's is what a CMS sees. Counted: the requests sent while a poll of the big feed
 * runs, from the moment the feed server gets the GET to the time on the daemon's "first poll
 * recorded" / "new articles" log line (fetch, decode, parse, plan, store, all of it).
 *
 * Baseline, same run: the same daemon with CRIER_PARSE_THREAD_MIN=Infinity, which parses every
 * body on its main thread as before issue 15.
 */
const B = 'stall';
const POLLS = 5;
const ROUNDS = 2;
const PING_EVERY_MS = 10;
const PUSH_EVERY_MS = 100;
const SECRET = 'bench-stall-secret';
const WARM_UP_PUSHES = 3;
const BIG_BYTES = 4 * 1024 * 1024;

interface Probe {
  /** Date.now() when sent: the daemon's log times are on the same clock. */
  sentAt: number;
  ms: number;
  /** Why it failed (a status, an error); undefined when answered as expected. */
  failed?: string | undefined;
}

interface PollWindow {
  start: number;
  end: number;
  message: string;
  /** The slowest /healthz answer to a request sent in this window, ms. */
  maxPingMs?: number;
}

interface DaemonRun {
  pings: Probe[];
  pushes: Probe[];
  windows: PollWindow[];
}

interface LogLine {
  time?: number;
  msg?: string;
  source?: string;
  level?: number;
}

function inWindows(probes: readonly Probe[], windows: readonly PollWindow[]): Probe[] {
  return probes.filter((p) => windows.some((w) => p.sentAt >= w.start && p.sentAt <= w.end));
}

async function runDaemon(feed: ChangingBigFeed, env: NodeJS.ProcessEnv, run: number): Promise<DaemonRun> {
  feed.reset();
  const port = await freePort();
  const dir = tempDir('stall');
  const file = writeConfig(dir, {
    store: { path: 'crier.db' },
    server: { listen: `127.0.0.1:${port}`, publicUrl: `http://127.0.0.1:${port}` },
    // Polls every ~3 s (below the 10 s floor on purpose: the feed server is the bench's own).
    defaults: { interval: '3s', unsafeMinInterval: '1s', maxAge: '24h' },
    sources: [
      { id: 'big', kind: 'feed', url: feed.url },
      { id: 'cms', kind: 'webhook', secret: '${HOOK_SECRET}' },
    ],
    channels: DRY_RUN_CHANNELS,
    routes: [{ id: 'everything', channels: DRY_RUN_CHANNELS.map((c) => c.id) }],
  });
  const daemon = startDaemon(file, { HOOK_SECRET: SECRET, ...env });
  const polls: LogLine[] = [];
  const failures: string[] = [];
  let posted = 0;
  let partial = '';
  daemon.child.stderr?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const text of lines) {
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as LogLine;
      if (line.msg === 'posted') posted += 1;
      if (line.source !== 'big') continue;
      if (line.msg === 'first poll recorded' || line.msg === 'new articles') polls.push(line);
      else if ((line.level ?? 0) >= 40) failures.push(line.msg ?? text);
    }
  });
  const agent = new Agent({ keepAliveTimeout: 30_000 });
  const pings: Probe[] = [];
  const pushes: Probe[] = [];
  const inFlight = new Set<Promise<void>>();
  const timers: NodeJS.Timeout[] = [];
  try {
    const base = `http://127.0.0.1:${port}`;
    const healthy = async (): Promise<boolean> => {
      try {
        const answer = await request(`${base}/healthz`, { dispatcher: agent });
        await answer.body.text();
        return answer.statusCode === 200;
      } catch {
        return false;
      }
    };
    let up = false;
    const started = Date.now();
    while (!up && Date.now() - started < 30_000) {
      up = await healthy();
      if (!up) await sleep(100);
    }
    if (!up) throw new Error(`the daemon did not answer /healthz within 30 s\n${daemon.stderr()}`);

    // Warm up first: the first push loads what a delivery needs (templates, the dry-run adapter,
    // the text rules), once per process, and that is not what this measures.
    for (let k = 0; k < WARM_UP_PUSHES; k++) {
      const body = JSON.stringify({ title: `Warm-up story ${k}`, url: `https://news.example.org/warm-${run}-${k}/`, summary: 'Warm-up.' });
      const answer = await postWebhook(`${base}/hooks/cms`, signWebhook(SECRET, body));
      if (answer.status !== 202) throw new Error(`warm-up webhook answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    }
    const warm = await waitUntil(() => posted >= WARM_UP_PUSHES * DRY_RUN_CHANNELS.length, 60_000, 50);
    if (!warm) throw new Error(`the warm-up pushes were not all posted within 60 s (${posted})\n${daemon.stderr()}`);

    const track = (work: Promise<void>): void => {
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    };
    const probe = (into: Probe[], send: () => Promise<string | undefined>): void => {
      const sentAt = Date.now();
      const t0 = performance.now();
      track(
        send().then(
          (failed) => void into.push({ sentAt, ms: performance.now() - t0, failed }),
          (error: unknown) => void into.push({ sentAt, ms: performance.now() - t0, failed: error instanceof Error ? error.message : String(error) }),
        ),
      );
    };
    const ping = async (): Promise<string | undefined> => {
      const answer = await request(`${base}/healthz`, { dispatcher: agent });
      await answer.body.text();
      return answer.statusCode === 200 ? undefined : `HTTP ${answer.statusCode}`;
    };
    let pushed = 0;
    timers.push(setInterval(() => probe(pings, ping), PING_EVERY_MS));
    timers.push(
      setInterval(() => {
        const k = pushed++;
        const url = `https://news.example.org/stall-${run}-${k}/`;
        const body = JSON.stringify({ title: `Pushed while polling, number ${k}`, url, summary: `Story ${k}.` });
        probe(pushes, async () => {
          const answer = await postWebhook(`${base}/hooks/cms`, signWebhook(SECRET, body));
          return answer.status === 202 ? undefined : `HTTP ${answer.status} ${JSON.stringify(answer.json).slice(0, 200)}`;
        });
      }, PUSH_EVERY_MS),
    );
    // Some answers with nothing else going on first (the idle median), then the daemon may fetch the feed.
    await sleep(1_500);
    feed.open();
    const done = await waitUntil(() => polls.length >= POLLS || failures.length > 0, 120_000, 50);
    if (failures.length > 0) throw new Error(`the daemon failed to poll the big feed: ${failures.join('; ')}\n${daemon.stderr()}`);
    if (!done) throw new Error(`the daemon polled the big feed ${polls.length} times in 120 s, not ${POLLS}\n${daemon.stderr()}`);
    for (const timer of timers.splice(0)) clearInterval(timer);
    await Promise.all([...inFlight]);
    const windows = polls.slice(0, POLLS).map((line, i): PollWindow => {
      const window = { start: feed.servedAt[i] ?? Number.NaN, end: line.time ?? Number.NaN, message: line.msg ?? '' };
      return { ...window, maxPingMs: round(Math.max(...inWindows(pings, [window]).map((p) => p.ms)), 1) };
    });
    return { pings, pushes, windows };
  } finally {
    for (const timer of timers) clearInterval(timer);
    await daemon.stop();
    await agent.close();
    dir.remove();
  }
}

interface Summary {
  lagP99Ms: number;
  lagMaxMs: number;
  pushP99Ms: number;
  pings: number;
  pushes: number;
  failed: number;
  failures: string[];
  idlePingMedianMs: number;
  /** /healthz p99 for requests sent outside every poll window (pushes still going): the machine's own noise floor. */
  outsideP99Ms: number;
  pollMs: number[];
  firstPollMaxMs: number;
}

function summarise(runs: readonly DaemonRun[]): Summary {
  const pings = runs.flatMap((r) => inWindows(r.pings, r.windows));
  const pushes = runs.flatMap((r) => inWindows(r.pushes, r.windows));
  const idle = runs.flatMap((r) => r.pings.filter((p) => p.sentAt < (r.windows[0]?.start ?? 0)));
  const first = runs.flatMap((r) => inWindows(r.pings, r.windows.slice(0, 1)));
  const outside = runs.flatMap((r) => {
    const during = new Set(inWindows(r.pings, r.windows));
    return r.pings.filter((p) => !during.has(p));
  });
  return {
    lagP99Ms: round(percentile(pings.map((p) => p.ms), 99), 1),
    lagMaxMs: round(Math.max(...pings.map((p) => p.ms)), 1),
    pushP99Ms: round(percentile(pushes.map((p) => p.ms), 99), 1),
    pings: pings.length,
    pushes: pushes.length,
    failed: [...pings, ...pushes].filter((p) => p.failed !== undefined).length,
    failures: [...new Set([...pings, ...pushes].flatMap((p) => (p.failed === undefined ? [] : [p.failed])))].slice(0, 5),
    idlePingMedianMs: round(median(idle.map((p) => p.ms)), 1),
    outsideP99Ms: round(percentile(outside.map((p) => p.ms), 99), 1),
    pollMs: runs.flatMap((r) => r.windows.map((w) => Math.round(w.end - w.start))),
    firstPollMaxMs: round(Math.max(...first.map((p) => p.ms)), 1),
  };
}

export async function runStall(): Promise<PartResult> {
  const feed = await startChangingBigFeed({ bytes: BIG_BYTES, versions: POLLS });
  const worker: DaemonRun[] = [];
  const baseline: DaemonRun[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      worker.push(await runDaemon(feed, {}, r));
      baseline.push(await runDaemon(feed, { CRIER_PARSE_THREAD_MIN: 'Infinity' }, r));
    }
  } finally {
    await feed.close();
  }
  const c = summarise(worker);
  const b = summarise(baseline);
  const mb = round(feed.bytes / 1024 ** 2, 1);
  const what = `${ROUNDS} daemons × ${POLLS} polls (the first records ${feed.items} items, each next one finds 3 new), GET /healthz every ${PING_EVERY_MS} ms and a webhook every ${PUSH_EVERY_MS} ms, open loop`;
  const rows: Row[] = [
    {
      benchmark: B,
      metric: `event-loop lag p99 while a ${mb} MB feed is fetched + parsed`,
      crier: c.lagP99Ms,
      unit: 'ms',
      baseline: b.lagP99Ms,
      bar: '≤ 50 ms',
      met: c.failed === 0 && c.lagP99Ms <= 50,
      note:
        `/healthz answer time (a loopback round trip included: ${c.idlePingMedianMs} ms median before the polls) of ${c.pings} requests sent during the polls, ${what}; ` +
        `max ${c.lagMaxMs} ms (first poll ${c.firstPollMaxMs} ms), poll ${median(c.pollMs)} ms median fetch to logged; ` +
        `outside the polls (pushes only) p99 ${c.outsideP99Ms} ms, the load's own share; ` +
        `baseline = CRIER_PARSE_THREAD_MIN=Infinity (every parse on the main thread): max ${b.lagMaxMs} ms (first poll ${b.firstPollMaxMs} ms), poll ${median(b.pollMs)} ms`,
    },
    {
      benchmark: B,
      metric: 'push answered during it: p99',
      crier: c.pushP99Ms,
      unit: 'ms',
      baseline: b.pushP99Ms,
      note: `signed webhook POST → 202 (its article and deliveries committed), ${c.pushes} pushes sent during the polls; failed requests: ${c.failed} (baseline ${b.failed}${b.failures.length > 0 ? `: ${b.failures.join('; ')}` : ''})${c.failures.length > 0 ? `; failures: ${c.failures.join('; ')}` : ''}`,
    },
  ];
  return { rows, details: { bytes: feed.bytes, items: feed.items, crier: c, baseline: b, windows: { crier: worker.map((r) => r.windows), baseline: baseline.map((r) => r.windows) } } };
}

import cron, { type ScheduledTask } from 'node-cron';
import { Agent } from 'undici';
import type { CrierConfig } from '../config/load.js';
import type { Worker } from '../delivery/worker.js';
import type { ReadBack } from '../delivery/read-back.js';
import type { Alarms } from '../delivery/alarms.js';
import type { RoutingTable } from '../ingest/route-article.js';
import type { Logger } from '../log/logger.js';
import type { Article } from '../articles/article.js';
import type { NetworkPolicy } from '../http/network-policy.js';
import type { Route } from '../server/http-server.js';
import { ingestPushed, pollSource, type PollDeps } from '../sources/poll-source.js';
import { isPolled } from '../sources/source-configs.js';
import type { PullRequest, PullResult, PushIngest } from '../sources/source-kind.js';
import { pullSourceArticle } from '../delivery/pull-article.js';
import { pulledAfterPosting } from '../delivery/pulled-after-posting.js';
import { createHeartbeat } from './heartbeat.js';
import { createPushSources } from './push-sources.js';
import { createTickFailures } from './tick-failures.js';
import { createPollHolds } from '../sources/poll-holds.js';
import { createPollScheduler } from './poll-scheduler.js';
import type { Observer } from '../observe/observer.js';
import type { SourceState, Store } from '../store/store.js';

export interface DaemonDeps {
  config: CrierConfig;
  store: Store;
  worker: Worker;
  routing: RoutingTable;
  logger: Logger;
  now: () => Date;
  random: () => number;
  observer: Observer;
  /** This replica's name in the store's claims (one replica polls a source per due time). */
  owner: string;
  /** Fetches a push asks for (a webhook's page) keep to this policy; feeds use the daemon's own agent. */
  network: NetworkPolicy;
  /** Reads posts back and settles unknown outcomes after each delivery run; none: never (`crier poll --watch`). */
  readBack?: ReadBack | undefined;
  /** Silent-failure alarms, checked as the daemon runs; none: never. */
  alarms?: Alarms | undefined;
  /**
   * Receive pushes (WebSub, webhooks): given when the HTTP server runs. Without it WebSub sources
   * are polled like feeds and webhook sources receive nothing.
   */
  push?: { publicUrl?: string | undefined } | undefined;
}

export interface Daemon {
  /** The push sources' routes (WebSub callbacks, webhooks), for the HTTP server; before start(). */
  pushRoutes(): Route[];
  /** Polls one source now, never alongside another poll of it, then delivers what it found. */
  pollNow(sourceId: string): Promise<void>;
  start(): Promise<void>;
  /** Stops scheduling, lets in-flight polls and deliveries finish, then resolves. */
  stop(): Promise<void>;
}

/** The longest the daemon sleeps, so a CLI change (pause, a queued post) is seen promptly. */
const MAX_SLEEP_MS = 1000;
/** A new source polls within this window after start: soon, but not all sources at once. */
const FIRST_POLL_SPREAD_MS = 3000;

/**
 * The daemon: polls run on their own schedule (poll-scheduler.ts: due times from the store, kept in
 * memory), and deliveries, read-backs and alarms in a loop that wakes when work arrives or falls
 * due. Due times are all stored, so a restart picks up where the last run stopped. node-cron only
 * serves sources with a calendar schedule.
 */
export function createDaemon(deps: DaemonDeps): Daemon {
  const dispatcher = new Agent({ connections: 2, keepAliveTimeout: 30_000 });
  const abort = new AbortController();
  const cronTasks: ScheduledTask[] = [];
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const heartbeat = createHeartbeat(deps.store, deps.now);
  let ticking = false;
  let unwatch: (() => Promise<void>) | undefined;
  let wakeSoon = false;
  /** Per source, the tail of its polls and pushes: one at a time, in arrival order. */
  const sourceQueues = new Map<string, Promise<unknown>>();
  /** A poll asked for by a push and not begun yet: later pushes join it. */
  const queuedPolls = new Map<string, Promise<void>>();
  const background = new Set<Promise<unknown>>();
  /** Failures of polls whose state could not be saved, so their backoff keeps doubling (poll-holds.ts). */
  const holds = createPollHolds();
  const tickFailures = createTickFailures(deps.now);
  const push = deps.push
    ? createPushSources({
        sources: deps.config.sources,
        store: deps.store,
        logger: deps.logger,
        now: deps.now,
        publicUrl: deps.push.publicUrl,
        dispatcher,
        network: deps.network,
        fetchTimeoutMs: deps.config.defaults.fetchTimeout,
        pollNow,
        ingest,
        pull,
      })
    : undefined;

  // A story pulled after it was posted: its posts are retracted or a person is told (onUnpublish).
  const pulledPosts = pulledAfterPosting({
    store: deps.store,
    observer: deps.observer,
    logger: deps.logger,
    now: deps.now,
    onUnpublish: (routeId) => deps.config.routes.find((r) => r.id === routeId)?.onUnpublish ?? 'keep',
  });

  function pollDeps(): PollDeps {
    return {
      store: deps.store,
      routing: deps.routing,
      logger: deps.logger,
      now: deps.now,
      random: deps.random,
      dispatcher,
      fetchTimeoutMs: deps.config.defaults.fetchTimeout,
      observer: deps.observer,
      intervalFor: (source) => push?.pollInterval(source.id),
      onPulled: (sourceId, keys) => pulledPosts.followKeys(sourceId, keys),
      holds,
      signal: abort.signal,
    };
  }

  const polledSources = new Map(deps.config.sources.filter(isPolled).map((source) => [source.id, source]));
  const polls = createPollScheduler({
    sources: polledSources,
    store: deps.store,
    owner: deps.owner,
    now: deps.now,
    logger: deps.logger,
    defaultFetchTimeoutMs: deps.config.defaults.fetchTimeout,
    signal: abort.signal,
    poll: async (source, known) => {
      const report = await pollSource(source, pollDeps(), { state: known });
      // New deliveries (or a pulled story's retractions) are work for the delivery loop now.
      if (report.result === 'ingested' && (report.counts.deliveriesCreated > 0 || report.counts.pulled > 0)) wake();
      return report;
    },
    serialized,
  });

  function serialized<T>(sourceId: string, fn: () => Promise<T>): Promise<T> {
    const run = (sourceQueues.get(sourceId) ?? Promise.resolve()).then(fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    sourceQueues.set(sourceId, tail);
    void tail.then(() => {
      if (sourceQueues.get(sourceId) === tail) sourceQueues.delete(sourceId);
    });
    return run;
  }

  function track<T>(work: Promise<T>): Promise<T> {
    background.add(work);
    const done = () => background.delete(work);
    work.then(done, done);
    return work;
  }

  function pollNow(sourceId: string): Promise<void> {
    const source = deps.config.sources.find((s) => s.id === sourceId);
    if (!source || !isPolled(source) || abort.signal.aborted) return Promise.resolve();
    // A push during a poll may mean the feed changed after that poll read it: one more poll
    // follows it, and every push until that one begins shares it.
    const queued = queuedPolls.get(sourceId);
    if (queued) return queued;
    const run = serialized(sourceId, async () => {
      queuedPolls.delete(sourceId);
      if (abort.signal.aborted) return;
      const { granted, state } = await polls.claim(source, true);
      if (granted) polls.polled(source, await pollSource(source, pollDeps(), { state }), state?.initializedAt !== undefined);
    }).then(wake);
    queuedPolls.set(sourceId, run);
    return track(run);
  }

  async function ingest(sourceId: string, articles: readonly Article[]): Promise<PushIngest> {
    const source = deps.config.sources.find((s) => s.id === sourceId);
    if (!source) throw new Error(`unknown source ${sourceId}`);
    const result = await track(serialized(sourceId, () => ingestPushed(source, articles, deps)));
    wake();
    return result;
  }

  /** A source took a story back: after its earlier pushes, the article's pending deliveries are cancelled. */
  function pull(sourceId: string, request: PullRequest): Promise<PullResult> {
    return track(
      serialized(sourceId, async () => {
        const pulled = await pullSourceArticle(deps.store, sourceId, request, deps.now());
        if (pulled.article !== undefined) {
          await pulledPosts.follow(pulled.article, sourceId).catch((error: unknown) => deps.logger.error({ err: error, source: sourceId }, 'pulled story: could not look at its posts'));
          wake();
        }
        return pulled;
      }),
    );
  }

  /** Runs the loop now rather than at its next wake-up, so a pushed article goes out at once. */
  function wake(): void {
    if (abort.signal.aborted) return;
    if (ticking) wakeSoon = true;
    else schedule(0);
  }

  async function tick(): Promise<void> {
    ticking = true;
    wakeSoon = false;
    let ok = true;
    try {
      await heartbeat.beat();
      await push?.maintain();
      await deps.worker.runDue(abort.signal);
      await deps.readBack?.runDue(abort.signal);
      await deps.alarms?.runDue();
    } catch (error) {
      ok = false;
      tickFailed(error, 'daemon tick failed');
    }
    let delay = MAX_SLEEP_MS;
    try {
      if (!abort.signal.aborted) delay = await nextWake();
    } catch (error) {
      ok = false;
      tickFailed(error, 'daemon could not plan its next wake-up');
    }
    if (ok) tickFailures.succeeded();
    // A failing tick waits (longer while it keeps failing), whatever woke it: it cannot spin.
    const wait = tickFailures.minWaitMs();
    // No await from here to schedule(): a wake() in between would start a second loop.
    ticking = false;
    if (!abort.signal.aborted) schedule(Math.max(wait, wakeSoon ? 0 : delay));
  }

  function tickFailed(error: unknown, what: string): void {
    const { log, suppressed } = tickFailures.failed(error);
    const wait = tickFailures.minWaitMs();
    if (log) deps.logger.error({ err: error, ...(suppressed > 0 ? { suppressed } : {}) }, `${what}; retrying in ${wait / 1000} s`);
  }

  async function nextWake(): Promise<number> {
    const now = deps.now().getTime();
    let wake = now + MAX_SLEEP_MS;
    // The delivery layer knows its queue and its holds: it says when it next has work.
    const deliveryDue = await deps.worker.nextDueAt();
    if (deliveryDue) wake = Math.min(wake, deliveryDue.getTime());
    // A post's read-back (or an unknown outcome's settling) is work to wake for too.
    const checkDue = await deps.readBack?.nextDueAt();
    if (checkDue) wake = Math.min(wake, checkDue.getTime());
    return Math.max(0, wake - now);
  }

  function schedule(delayMs: number): void {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      current = tick();
    }, delayMs);
  }

  return {
    pushRoutes: () => push?.routes() ?? [],
    pollNow,
    async start() {
      await heartbeat.beat();
      const recovered = await deps.worker.recover();
      if (recovered > 0) deps.logger.warn({ recovered }, 'settled deliveries left sending by the last run');
      // Every source's state in one read; a source never polled gets its first due time.
      const states = new Map((await deps.store.listSourceStates()).map((state) => [state.sourceId, state]));
      for (const source of polledSources.values()) {
        const state = states.get(source.id);
        if (!state?.nextPollAt) {
          const first: SourceState = {
            ...(state ?? { sourceId: source.id, consecutiveFailures: 0 }),
            nextPollAt: new Date(deps.now().getTime() + Math.floor(deps.random() * Math.min(FIRST_POLL_SPREAD_MS, source.interval))),
          };
          await deps.store.saveSourceState(first);
          states.set(source.id, first);
        }
        if (source.schedule) cronTasks.push(cron.schedule(source.schedule, () => polls.force(source.id)));
      }
      polls.load([...states.values()]);
      await push?.start();
      // Another replica took a push or an editor queued a post: wake now, not at the next tick.
      unwatch = await deps.store.watch?.(wake);
      deps.logger.info(
        { sources: deps.config.sources.length, channels: deps.config.channels.length },
        'crier is running; Ctrl-C to stop',
      );
      polls.start();
      current = tick();
    },
    async stop() {
      abort.abort();
      if (timer) clearTimeout(timer);
      for (const task of cronTasks) await task.stop();
      await push?.stop();
      await polls.stop();
      await current;
      await Promise.allSettled(background);
      await unwatch?.();
      await deps.worker.stop();
      await dispatcher.close();
      await heartbeat.stop();
    },
  };
}

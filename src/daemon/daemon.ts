import cron, { type ScheduledTask } from 'node-cron';
import { Agent } from 'undici';
import type { CrierConfig, ResolvedSource } from '../config/load.js';
import type { Worker } from '../delivery/worker.js';
import type { RoutingTable } from '../ingest/route-article.js';
import type { Logger } from '../log/logger.js';
import { clearHold, heldChannels, readHold } from '../delivery/channel-holds.js';
import { pollSource } from '../sources/poll-source.js';
import { createHeartbeat } from './heartbeat.js';
import type { Observer } from '../observe/observer.js';
import type { Store } from '../store/store.js';

export interface DaemonDeps {
  config: CrierConfig;
  store: Store;
  worker: Worker;
  routing: RoutingTable;
  logger: Logger;
  now: () => Date;
  random: () => number;
  observer: Observer;
}

export interface Daemon {
  start(): Promise<void>;
  /** Stops scheduling, lets in-flight polls and deliveries finish, then resolves. */
  stop(): Promise<void>;
}

/** The longest the daemon sleeps, so a CLI change (pause, a queued post) is seen promptly. */
const MAX_SLEEP_MS = 1000;
/** A new source polls within this window after start: soon, but not all sources at once. */
const FIRST_POLL_SPREAD_MS = 3000;
/** Concurrent polls in all; undici's per-origin cap keeps it at 2 per host. */
const MAX_CONCURRENT_POLLS = 16;

/**
 * The scheduler: poll due times and delivery due times both live in the store, so a restart
 * picks up where the last run stopped. node-cron only serves sources with a calendar schedule.
 */
export function createDaemon(deps: DaemonDeps): Daemon {
  const dispatcher = new Agent({ connections: 2, keepAliveTimeout: 30_000 });
  const abort = new AbortController();
  const cronTasks: ScheduledTask[] = [];
  const forcedDue = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const heartbeat = createHeartbeat(deps.store, deps.now);

  async function dueSources(): Promise<ResolvedSource[]> {
    const now = deps.now().getTime();
    const due: ResolvedSource[] = [];
    for (const source of deps.config.sources) {
      const state = await deps.store.getSourceState(source.id);
      if (forcedDue.delete(source.id)) due.push(source);
      else if (source.schedule && state?.initializedAt) continue;
      else if (!state?.nextPollAt || state.nextPollAt.getTime() <= now) due.push(source);
    }
    return due;
  }

  async function pollAll(sources: ResolvedSource[]): Promise<void> {
    const queue = [...sources];
    const lane = async () => {
      for (let source = queue.shift(); source && !abort.signal.aborted; source = queue.shift()) {
        await pollSource(source, {
          store: deps.store,
          routing: deps.routing,
          logger: deps.logger,
          now: deps.now,
          random: deps.random,
          dispatcher,
          fetchTimeoutMs: deps.config.defaults.fetchTimeout,
          observer: deps.observer,
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(MAX_CONCURRENT_POLLS, queue.length) }, lane));
  }

  async function tick(): Promise<void> {
    try {
      await heartbeat.beat();
      await pollAll(await dueSources());
      await deps.worker.runDue(abort.signal);
    } catch (error) {
      deps.logger.error({ err: error }, 'daemon tick failed; retrying shortly');
    }
    if (!abort.signal.aborted) schedule(await nextWake());
  }

  async function nextWake(): Promise<number> {
    const now = deps.now().getTime();
    let wake = now + MAX_SLEEP_MS;
    const held = await heldChannels(deps.store, deps.config.channels.map((c) => c.id), deps.now());
    const deliveryDue = await deps.store.nextDueAt(held);
    if (deliveryDue) wake = Math.min(wake, deliveryDue.getTime());
    for (const source of deps.config.sources) {
      const next = (await deps.store.getSourceState(source.id))?.nextPollAt;
      if (next && !source.schedule) wake = Math.min(wake, next.getTime());
    }
    return Math.max(0, wake - now);
  }

  function schedule(delayMs: number): void {
    timer = setTimeout(() => {
      current = tick();
    }, delayMs);
  }

  return {
    async start() {
      await heartbeat.beat();
      // Credentials may have been fixed before this start: give auth-held channels a new try.
      for (const channel of deps.config.channels) {
        if ((await readHold(deps.store, channel.id, deps.now()))?.kind === 'auth') await clearHold(deps.store, channel.id);
      }
      const recovered = await deps.worker.recover();
      if (recovered > 0) deps.logger.warn({ recovered }, 'settled deliveries left sending by the last run');
      for (const source of deps.config.sources) {
        const state = await deps.store.getSourceState(source.id);
        if (!state?.nextPollAt) {
          await deps.store.saveSourceState({
            ...(state ?? { sourceId: source.id, consecutiveFailures: 0 }),
            nextPollAt: new Date(deps.now().getTime() + Math.floor(deps.random() * Math.min(FIRST_POLL_SPREAD_MS, source.interval))),
          });
        }
        if (source.schedule) {
          cronTasks.push(
            cron.schedule(source.schedule, () => {
              forcedDue.add(source.id);
            }),
          );
        }
      }
      deps.logger.info(
        { sources: deps.config.sources.length, channels: deps.config.channels.length },
        'crier is running; Ctrl-C to stop',
      );
      current = tick();
    },
    async stop() {
      abort.abort();
      if (timer) clearTimeout(timer);
      for (const task of cronTasks) await task.stop();
      await current;
      await dispatcher.close();
      await heartbeat.stop();
    },
  };
}

import { setImmediate } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { Article } from '../articles/article.js';
import { withUsableUrls } from '../articles/url-policy.js';
import type { ResolvedSource } from '../config/load.js';
import { planIngest, planPulled } from '../ingest/plan-ingest.js';
import type { RoutingTable } from '../ingest/route-article.js';
import type { Logger } from '../log/logger.js';
import type { IngestResult, SourceState, Store } from '../store/store.js';
import { sourceKindFor } from './registry.js';
import { ALERT_AFTER_FAILURES } from './alert-threshold.js';
import { busyUntil } from './server-busy.js';
import type { PollHolds } from './poll-holds.js';
import type { PushIngest } from './source-kind.js';
import { silentObserver, type Observer } from '../observe/observer.js';

export interface PollDeps {
  store: Store;
  routing: RoutingTable;
  logger: Logger;
  now: () => Date;
  random: () => number;
  dispatcher?: Dispatcher;
  fetchTimeoutMs: number;
  observer?: Observer;
  /** The interval to the next poll when not the source's own (a WebSub safety poll). */
  intervalFor?: (source: ResolvedSource) => number | undefined;
  /** Failures counted in memory when the store cannot save a source's state (the daemon's). */
  holds?: PollHolds | undefined;
  /** Aborted when the daemon stops: the fetch in flight ends at once and nothing is recorded. */
  signal?: AbortSignal | undefined;
  /**
   * Told the keys of stories the poll found pulled, after their pending deliveries were cancelled,
   * so posts already up are looked at (a route's `onUnpublish`). Its failure never fails the poll.
   */
  onPulled?: ((sourceId: string, keys: readonly string[]) => Promise<void>) | undefined;
}

/** `nextPollAt`: when the source is due again, as recorded (or held in memory when the store failed). */
export type PollReport =
  | { result: 'not-modified'; nextPollAt: Date }
  | { result: 'ingested'; counts: IngestResult; found: number; nextPollAt: Date }
  | { result: 'error'; error: string; failures: number; nextPollAt: Date }
  /** The daemon stopped mid-poll: nothing recorded, the source is still due at the next start. */
  | { result: 'stopped' };

const MAX_BACKOFF_MS = 30 * 60_000;

/** The next poll, ±10 % so sources configured alike drift apart instead of polling in a burst. */
export function nextPollAt(now: Date, intervalMs: number, random: () => number): Date {
  return new Date(now.getTime() + Math.round(intervalMs * (0.9 + 0.2 * random())));
}

/**
 * One poll of one source: ask its kind for what changed, plan and ingest atomically. A failure never throws out of here: it is recorded on the source, logged, and the
 * source backs off (capped) and keeps trying; other sources are unaffected. `known`: the source's
 * state as the caller already read it (its poll claim), undefined inside for a source never polled;
 * without it, the state is read here.
 */
export async function pollSource(source: ResolvedSource, deps: PollDeps, known?: { state: SourceState | undefined }): Promise<PollReport> {
  let report: PollReport;
  try {
    report = await pollOnce(source, deps, known);
  } catch (error) {
    if (deps.signal?.aborted) return { result: 'stopped' };
    // The store failed outside the fetch (reading the state, or saving a failure): the source
    // backs off in memory exactly as a failed fetch would, so it is not fetched again at once.
    report = holdUnsaved(source, error, (deps.holds?.failures(source.id) ?? 0) + 1, deps);
  }
  const observer = deps.observer ?? silentObserver;
  if (report.result === 'error') {
    observer.pollFinished(source.id, 'error', { found: 0, failures: report.failures, error: report.error, needsPerson: report.failures === ALERT_AFTER_FAILURES });
  }
  else if (report.result === 'not-modified') observer.pollFinished(source.id, 'not-modified', { found: 0, failures: 0 });
  else if (report.result === 'stopped') return report;
  else observer.pollFinished(source.id, 'ok', { found: report.found, failures: 0 });
  return report;
}

/** A source's logger, made only when something is logged: a 304 logs nothing and makes none. */
function sourceLogger(deps: Pick<PollDeps, 'logger'>, sourceId: string): () => Logger {
  let child: Logger | undefined;
  return () => (child ??= deps.logger.child({ source: sourceId }));
}

async function pollOnce(source: ResolvedSource, deps: PollDeps, known: { state: SourceState | undefined } | undefined): Promise<PollReport> {
  const logger = sourceLogger(deps, source.id);
  const previous = known ? known.state : await deps.store.getSourceState(source.id);
  const state: SourceState = previous ?? { sourceId: source.id, consecutiveFailures: 0 };
  const failuresBefore = Math.max(state.consecutiveFailures, deps.holds?.failures(source.id) ?? 0);
  const startedAt = deps.now();
  try {
    const fetched = await sourceKindFor(source).fetch(source, {
      state: previous,
      now: deps.now,
      deadlineMs: source.fetchTimeout ?? deps.fetchTimeoutMs,
      get logger() {
        return logger();
      },
      dispatcher: deps.dispatcher,
      signal: deps.signal,
    });
    const due = nextPollAt(deps.now(), deps.intervalFor?.(source) ?? source.interval, deps.random);
    const ok: SourceState = {
      ...state,
      ...fetched.cursor,
      lastPollAt: startedAt,
      lastOkAt: deps.now(),
      consecutiveFailures: 0,
      lastError: undefined,
      nextPollAt: due,
    };
    if (state.consecutiveFailures >= ALERT_AFTER_FAILURES) logger().info('source recovered');
    if (fetched.kind === 'unchanged') {
      await deps.store.saveSourceState({ ...ok, initializedAt: state.initializedAt ?? deps.now() });
      deps.holds?.clear(source.id);
      return { result: 'not-modified', nextPollAt: due };
    }
    const next = { ...ok, initializedAt: state.initializedAt ?? deps.now() };
    const { counts } = await ingestArticles(source, fetched.articles, previous, next, deps, fetched.pulled);
    deps.holds?.clear(source.id);
    if (counts.pulled > 0) logger().info({ pulled: fetched.pulled?.length, cancelled: counts.pulled }, 'pulled stories: pending deliveries cancelled');
    if (fetched.pulled?.length && deps.onPulled) {
      await deps.onPulled(source.id, fetched.pulled).catch((error: unknown) => logger().error({ err: error }, `pulled stories: could not look at their posts: ${errorMessage(error)}`));
    }
    if (counts.deliveriesCreated > 0 || counts.recorded > 0) {
      logger().info({ found: fetched.articles.length, ...counts }, previous?.initializedAt ? 'new articles' : 'first poll recorded');
    }
    return { result: 'ingested', counts, found: fetched.articles.length, nextPollAt: due };
  } catch (error) {
    // Stopping is not the source's failure: no backoff, no log, the poll simply did not happen.
    if (deps.signal?.aborted) return { result: 'stopped' };
    const failures = failuresBefore + 1;
    const { message, next } = afterFailure(source, error, failures, deps);
    try {
      await deps.store.saveSourceState({
        ...state,
        lastPollAt: startedAt,
        consecutiveFailures: failures,
        lastError: message,
        nextPollAt: next,
      });
    } catch (saveError) {
      return holdUnsaved(source, new Error(`${message}; and its state could not be saved: ${errorMessage(saveError)}`, { cause: saveError }), failures, deps);
    }
    deps.holds?.clear(source.id);
    if (failures === ALERT_AFTER_FAILURES) {
      logger().error({ failures, nextPollAt: next }, `source ${source.id} failed ${failures} polls in a row: ${message}`);
    } else {
      logger().warn({ failures, nextPollAt: next }, message);
    }
    return { result: 'error', error: message, failures, nextPollAt: next };
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A poll whose outcome the store could not record: backed off in memory (poll-holds.ts), logged. */
function holdUnsaved(source: ResolvedSource, error: unknown, failures: number, deps: PollDeps): PollReport {
  const { message, next } = afterFailure(source, error, failures, deps);
  deps.holds?.hold(source.id, failures);
  deps.logger.child({ source: source.id }).error({ failures, nextPollAt: next }, `source ${source.id}: the store failed (${message}); not polled again before ${next.toISOString()}`);
  return { result: 'error', error: message, failures, nextPollAt: next };
}

/**
 * When a failed source is polled next, and what its lastError says. Failures back off, doubling
 * (capped). A server that answered 429 or 503 with Retry-After is taken at its word instead: not
 * polled before the time it named (capped like the backoff), nor sooner than the source's own
 * interval, so a server saying "1 second" is not hammered.
 */
function afterFailure(source: ResolvedSource, error: unknown, failures: number, deps: PollDeps): { message: string; next: Date } {
  const message = errorMessage(error);
  const now = deps.now();
  const busy = busyUntil(error, now, MAX_BACKOFF_MS);
  if (busy === undefined) {
    const delay = Math.min(MAX_BACKOFF_MS, source.interval * 2 ** Math.min(failures - 1, 10));
    return { message, next: nextPollAt(now, delay, deps.random) };
  }
  const soonest = nextPollAt(now, Math.min(MAX_BACKOFF_MS, source.interval), deps.random);
  const next = busy.until > soonest ? busy.until : soonest;
  const server = source.kind === 'wordpress' ? "the site's server" : "the feed's server";
  const cap = busy.capped ? ` (it asked for longer; waits are capped at ${MAX_BACKOFF_MS / 60_000} min)` : '';
  return { message: `${message}; rate limited by ${server} until ${busy.until.toISOString()}${cap}`, next };
}

/** URL checks (withUsableUrls: a URL parse or two each) between two yields to the event loop. */
const URL_CHECKS_PER_TURN = 200;

/**
 * What ingesting means, for a poll and a push alike: plan every article (first poll, backfill,
 * maxAge, routing; routing only for what the store finds new or retitled), then one atomic
 * store.ingest that also saves `next` as the source's state.
 */
export async function ingestArticles(
  source: ResolvedSource,
  articles: readonly Article[],
  previous: SourceState | undefined,
  next: SourceState,
  deps: Pick<PollDeps, 'store' | 'routing' | 'now'> & { logger?: Logger | undefined },
  pulled: readonly string[] = [],
): Promise<PushIngest> {
  // Feeds count maxAge from first sight for items dated before the first poll (plan-ingest.ts).
  const maxAgeFrom = source.kind === 'feed' || source.kind === 'websub' ? 'first-seen' : 'date';
  const usable: Article[] = [];
  for (const found of articles) {
    // A big feed's URLs are checked a chunk per event-loop turn (issue 15 item 5); a push's one article, at once.
    if (usable.length > 0 && usable.length % URL_CHECKS_PER_TURN === 0) await setImmediate();
    // The article boundary: whatever a source produced, only http(s) URLs go further.
    const { article, dropped } = withUsableUrls(found);
    for (const drop of dropped) {
      deps.logger?.warn({ source: source.id, field: drop.field, value: drop.value.slice(0, 200) }, `article URL dropped: ${drop.field} ${drop.reason}`);
    }
    usable.push(article);
  }
  const items = planIngest(usable, previous, { backfill: source.backfill, maxAgeMs: source.maxAge, maxAgeFrom }, deps.routing, deps.now());
  const counts = await deps.store.ingest(source.id, items, next, deps.now(), planPulled(pulled));
  return { counts, items };
}

/**
 * Articles a source pushed (a webhook body): the same rules as a poll's, and the source's poll
 * state (validators, due time, failures) left as it is.
 */
export async function ingestPushed(
  source: ResolvedSource,
  articles: readonly Article[],
  deps: Pick<PollDeps, 'store' | 'routing' | 'now' | 'logger'>,
): Promise<PushIngest> {
  const previous = await deps.store.getSourceState(source.id);
  const state: SourceState = previous ?? { sourceId: source.id, consecutiveFailures: 0 };
  // A due time is never left empty: an empty one reads as "due now" at every tick.
  const next = { ...state, initializedAt: state.initializedAt ?? deps.now(), nextPollAt: state.nextPollAt ?? deps.now() };
  const result = await ingestArticles(source, articles, previous, next, deps);
  const { counts } = result;
  if (counts.deliveriesCreated > 0 || counts.recorded > 0) {
    deps.logger.child({ source: source.id }).info({ found: articles.length, ...counts }, 'pushed articles');
  }
  return result;
}

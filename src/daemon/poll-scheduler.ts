import type { ResolvedSource } from '../config/load.js';
import type { Logger } from '../log/logger.js';
import type { PollReport } from '../sources/poll-source.js';
import type { SourceState, Store } from '../store/store.js';
import { isDeadHere } from '../delivery/replica-name.js';
import { createDueQueue } from './due-queue.js';
import { createTickFailures } from './tick-failures.js';

export interface PollSchedulerDeps {
  /** The polled sources (feeds, WordPress, WebSub), by id. */
  sources: ReadonlyMap<string, ResolvedSource>;
  store: Store;
  /** This replica's name in poll claims. */
  owner: string;
  now: () => Date;
  logger: Logger;
  defaultFetchTimeoutMs: number;
  /** Aborted when the daemon stops: nothing new starts. */
  signal: AbortSignal;
  /**
   * Runs one poll of a claimed source, never alongside another poll or push of it, with its state
   * as the claim read it (undefined: a source never polled), so the poll reads it no second time.
   */
  poll(source: ResolvedSource, known: SourceState | undefined): Promise<PollReport>;
  /** Runs fn after the source's earlier polls and pushes (the daemon's per-source queue). */
  serialized<T>(sourceId: string, fn: () => Promise<T>): Promise<T>;
}

export interface PollScheduler {
  /** Due times from the store, read once at start; a calendar-scheduled source waits for its cron. */
  load(states: readonly SourceState[]): void;
  start(): void;
  /** Polls the source as soon as a poll slot is free, due or not (a calendar schedule fired). */
  force(sourceId: string): void;
  /** A poll made outside the schedule (a push asked for it) moved the source's due time. */
  polled(source: ResolvedSource, report: PollReport, wasInitialized: boolean): void;
  /**
   * Claims a poll of the source for this replica (see Store.claimPoll), voiding a dead local
   * replica's claim; on a store only one daemon runs on, granted when the source is due.
   */
  claim(source: ResolvedSource, force: boolean): Promise<ClaimAttempt>;
  /** Stops starting polls and waits for those in flight. */
  stop(): Promise<void>;
}

/** A claim's outcome, with the source's state as read: the poll's starting point, or (refused) when it is due. */
export type ClaimAttempt = { granted: true; state: SourceState | undefined } | { granted: false; state: SourceState | undefined };

/** Concurrent polls in all; undici's per-origin cap keeps it at 2 per host. */
const MAX_CONCURRENT_POLLS = 16;
/**
 * A poll claim outlives the fetch deadline by this much, for the parse and the store write. Should
 * a poll outlast it, another replica may poll the source too: harmless (ingest is atomic per
 * article), only wasted work.
 */
const POLL_CLAIM_MARGIN_MS = 10_000;
/** A source another replica is polling right now is looked at again this much later. */
const CLAIMED_ELSEWHERE_RECHECK_MS = 1000;
/** Node's timers hold at most 2^31-1 ms; a due time further off is re-armed on the way. */
const LONGEST_TIMER_MS = 3_600_000;

/**
 * Which source to poll when: due times live in a heap in memory (due-queue.ts), read from the store
 * once at start and moved by each poll's own report, so a wake-up touches only what is due rather
 * than every source's row (at 1,000 sources that read was a quarter of the daemon's CPU). The
 * store stays the judge between replicas: a poll starts only with a claim, and a refused claim
 * re-reads that one source's due time (another replica polled it).
 */
export function createPollScheduler(deps: PollSchedulerDeps): PollScheduler {
  const queue = createDueQueue();
  const forced = new Set<string>();
  const running = new Set<Promise<void>>();
  const failures = createTickFailures(deps.now);
  let timer: NodeJS.Timeout | undefined;
  let started = false;

  const now = (): number => deps.now().getTime();
  const stopped = (): boolean => deps.signal.aborted;

  function disarm(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
  }

  function arm(): void {
    disarm();
    if (!started || stopped() || running.size >= MAX_CONCURRENT_POLLS) return;
    const next = queue.next();
    if (next === undefined) return;
    timer = setTimeout(pump, Math.min(LONGEST_TIMER_MS, Math.max(0, next - now())));
  }

  /** Starts what is due, as far as the poll slots go, and sleeps until the next due time. */
  function pump(): void {
    // Called by the timer and whenever a poll ends: either way the one timer is re-armed below.
    disarm();
    if (!started || stopped()) return;
    for (const id of queue.takeDue(now(), MAX_CONCURRENT_POLLS - running.size)) {
      const source = deps.sources.get(id);
      if (source) begin(source, forced.delete(id));
    }
    arm();
  }

  function begin(source: ResolvedSource, force: boolean): void {
    const run = deps
      .serialized(source.id, () => pollOnce(source, force))
      .catch((error: unknown) => deps.logger.error({ err: error, source: source.id }, 'poll scheduling failed'))
      .finally(() => {
        running.delete(run);
        pump();
      });
    running.add(run);
  }

  async function pollOnce(source: ResolvedSource, force: boolean): Promise<void> {
    if (stopped()) return;
    let attempt: ClaimAttempt;
    try {
      attempt = await tryClaim(source, force);
      failures.succeeded();
    } catch (error) {
      // The store cannot be asked: this source waits (longer while it keeps failing), the rest go on.
      const { log, suppressed } = failures.failed(error);
      const wait = failures.minWaitMs();
      if (log) deps.logger.error({ err: error, source: source.id, ...(suppressed > 0 ? { suppressed } : {}) }, `could not claim a poll of ${source.id}; retrying in ${wait / 1000} s`);
      reschedule(source.id, now() + wait);
      return;
    }
    if (!attempt.granted) {
      // Another replica holds the source or polled it first: it is due when that replica said.
      const soonest = now() + CLAIMED_ELSEWHERE_RECHECK_MS;
      reschedule(source.id, Math.max(soonest, attempt.state?.nextPollAt?.getTime() ?? soonest));
      return;
    }
    const report = await deps.poll(source, attempt.state);
    polled(source, report, attempt.state?.initializedAt !== undefined);
  }

  function reschedule(sourceId: string, at: number): void {
    // A calendar schedule that fired meanwhile keeps its place at the front.
    if (!forced.has(sourceId)) queue.set(sourceId, at);
  }

  function polled(source: ResolvedSource, report: PollReport, wasInitialized: boolean): void {
    if (report.result === 'stopped') return;
    // A calendar-scheduled source is polled by its cron once it has its first poll behind it.
    if (source.schedule && (wasInitialized || report.result !== 'error')) return;
    reschedule(source.id, report.nextPollAt.getTime());
    arm();
  }

  async function tryClaim(source: ResolvedSource, force: boolean): Promise<ClaimAttempt> {
    if (!deps.store.replicated) {
      // The only daemon on this store: the state is read, and due is judged here, nothing written.
      const state = await deps.store.getSourceState(source.id);
      const due = force || state?.nextPollAt === undefined || state.nextPollAt.getTime() <= now();
      return { granted: due, state };
    }
    const ttl = (source.fetchTimeout ?? deps.defaultFetchTimeoutMs) + POLL_CLAIM_MARGIN_MS;
    const claimed = await deps.store.claimPoll(source.id, deps.owner, deps.now(), ttl, force);
    if (claimed) return { granted: true, state: claimed };
    // A replica killed on this machine mid-poll leaves its claim behind: void, not waited out.
    const seen = await deps.store.getSourceState(source.id);
    const holder = seen?.claimedBy;
    if (holder === undefined || !isDeadHere(holder)) return { granted: false, state: seen };
    const taken = await deps.store.claimPoll(source.id, deps.owner, deps.now(), ttl, force, [holder]);
    return taken ? { granted: true, state: taken } : { granted: false, state: seen };
  }

  return {
    load(states) {
      const byId = new Map(states.map((state) => [state.sourceId, state]));
      for (const source of deps.sources.values()) {
        const state = byId.get(source.id);
        if (source.schedule && state?.initializedAt) continue;
        queue.set(source.id, state?.nextPollAt?.getTime() ?? now());
      }
    },
    start() {
      started = true;
      pump();
    },
    force(sourceId) {
      if (!deps.sources.has(sourceId) || stopped()) return;
      forced.add(sourceId);
      queue.set(sourceId, Number.NEGATIVE_INFINITY);
      pump();
    },
    polled,
    claim: tryClaim,
    async stop() {
      disarm();
      await Promise.allSettled(running);
    },
  };
}

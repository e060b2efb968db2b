/** The first wait after a failed tick; each failure in a row doubles it, up to the cap. */
const FIRST_WAIT_MS = 1000;
const MAX_WAIT_MS = 30_000;
/** The same error is logged at most once in this window: a broken store must not flood the log. */
const LOG_WINDOW_MS = 60_000;

/**
 * What the scheduler does when a tick fails (the store is unreachable, the disk is full): wait
 * before the next tick, longer while it keeps failing, and log each distinct error once a minute
 * rather than a stack trace per tick.
 */
export interface TickFailures {
  /** Records a failure; says whether to log it now (its message was not logged in the last minute). */
  failed(error: unknown): { log: boolean; suppressed: number };
  /** A tick ran through: the wait starts again from the first step. */
  succeeded(): void;
  /** The least the loop waits before its next tick (0 after a tick that ran through). */
  minWaitMs(): number;
}

export function createTickFailures(now: () => Date): TickFailures {
  let inARow = 0;
  const lastLogged = new Map<string, { at: number; suppressed: number }>();
  return {
    failed(error) {
      inARow += 1;
      const key = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const at = now().getTime();
      const seen = lastLogged.get(key);
      if (seen && at - seen.at < LOG_WINDOW_MS) {
        seen.suppressed += 1;
        return { log: false, suppressed: seen.suppressed };
      }
      for (const [other, entry] of lastLogged) if (at - entry.at >= LOG_WINDOW_MS) lastLogged.delete(other);
      lastLogged.set(key, { at, suppressed: 0 });
      return { log: true, suppressed: seen?.suppressed ?? 0 };
    },
    succeeded() {
      inARow = 0;
    },
    minWaitMs: () => (inARow === 0 ? 0 : Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (inARow - 1))),
  };
}

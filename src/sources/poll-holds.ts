/**
 * Backoff the store could not record. A poll whose state cannot be saved (disk full, a read-only
 * file, the database gone) leaves the source's stored due time in the past: without this memory
 * the daemon would fetch that source again at once, for ever (issue 14: 657 fetches in 10 s).
 * The daemon keeps one of these for its lifetime; a poll whose state is saved clears its entry.
 */
export interface PollHolds {
  /** When the source may be polled again, if its last state could not be saved. */
  until(sourceId: string): Date | undefined;
  /** Failures in a row counted here, beyond what the store knows. */
  failures(sourceId: string): number;
  hold(sourceId: string, until: Date, failures: number): void;
  clear(sourceId: string): void;
}

export function createPollHolds(): PollHolds {
  const holds = new Map<string, { until: Date; failures: number }>();
  return {
    until: (sourceId) => holds.get(sourceId)?.until,
    failures: (sourceId) => holds.get(sourceId)?.failures ?? 0,
    hold: (sourceId, until, failures) => {
      holds.set(sourceId, { until, failures });
    },
    clear: (sourceId) => {
      holds.delete(sourceId);
    },
  };
}

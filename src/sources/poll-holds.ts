/**
 * Failures the store could not record. A poll whose state cannot be saved (disk full, a read-only
 * file, the database gone) leaves the stored failure count behind: this memory keeps counting, so
 * the backoff still doubles (issue 14: 657 fetches in 10 s). When the source is polled again is
 * the poll report's `nextPollAt`, which the daemon's scheduler keeps. The daemon keeps one of
 * these for its lifetime; a poll whose state is saved clears its entry.
 */
export interface PollHolds {
  /** Failures in a row counted here, beyond what the store knows. */
  failures(sourceId: string): number;
  hold(sourceId: string, failures: number): void;
  clear(sourceId: string): void;
}

export function createPollHolds(): PollHolds {
  const holds = new Map<string, number>();
  return {
    failures: (sourceId) => holds.get(sourceId) ?? 0,
    hold: (sourceId, failures) => {
      holds.set(sourceId, failures);
    },
    clear: (sourceId) => {
      holds.delete(sourceId);
    },
  };
}

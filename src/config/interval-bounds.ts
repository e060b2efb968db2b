/**
 * Poll intervals an admin may write. Below the floor a typo (`interval: 0`, `1ms`) polls a feed
 * thousands of times a minute (issue 14: 2,368 fetches in 8 s); past the ceiling a due time falls
 * outside what a Date can hold, and a source polled less than weekly is not news.
 */
export const MIN_INTERVAL_MS = 10_000;
export const MAX_INTERVAL_MS = 7 * 86_400_000;
/**
 * `defaults.unsafeMinInterval` lowers the floor for tests and demos, never below this: even
 * then the daemon cannot spin on one source.
 */
export const UNSAFE_MIN_INTERVAL_FLOOR_MS = 100;

/** One config field wrong about intervals: what to say, and where. */
export interface IntervalProblem {
  message: string;
  path: PropertyKey[];
}

interface IntervalInput {
  defaults: { interval: number; unsafeMinInterval?: number | undefined };
  sources: readonly { interval?: number | undefined }[];
}

function describe(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** The first interval in the config that is too short or too long, if any. */
export function intervalProblem(config: IntervalInput): IntervalProblem | undefined {
  const unsafe = config.defaults.unsafeMinInterval;
  if (unsafe !== undefined && (unsafe < UNSAFE_MIN_INTERVAL_FLOOR_MS || unsafe > MIN_INTERVAL_MS)) {
    return {
      message: `unsafeMinInterval lowers the ${describe(MIN_INTERVAL_MS)} floor for tests: write between ${describe(UNSAFE_MIN_INTERVAL_FLOOR_MS)} and ${describe(MIN_INTERVAL_MS)}`,
      path: ['defaults', 'unsafeMinInterval'],
    };
  }
  const floor = unsafe ?? MIN_INTERVAL_MS;
  const check = (ms: number, path: PropertyKey[]): IntervalProblem | undefined => {
    if (ms < floor) {
      const escape = unsafe === undefined ? ' (tests may set defaults.unsafeMinInterval)' : '';
      return { message: `an interval of ${describe(ms)} would hammer the server: write at least ${describe(floor)}${escape}`, path };
    }
    if (ms > MAX_INTERVAL_MS) {
      return { message: `an interval of ${describe(ms)} is longer than ${describe(MAX_INTERVAL_MS)}: write at most ${describe(MAX_INTERVAL_MS)}, or use schedule: for calendar polls`, path };
    }
    return undefined;
  };
  const problem = check(config.defaults.interval, ['defaults', 'interval']);
  if (problem) return problem;
  for (const [index, source] of config.sources.entries()) {
    const found = source.interval === undefined ? undefined : check(source.interval, ['sources', index, 'interval']);
    if (found) return found;
  }
  return undefined;
}

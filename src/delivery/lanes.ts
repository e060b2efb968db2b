/**
 * One lane per channel: a channel's deliveries go out one at a time (an account is never sent two
 * posts at once), while channels go out side by side, at most `max` at a time, so one slow or
 * hanging platform delays only its own channel. A lane drains its channel's due work and ends;
 * whoever starts lanes never waits for one (a hanging platform would hold the daemon's loop).
 */
export interface Lanes<T> {
  /**
   * Runs a lane for `key` with `first` as its first batch, unless one is running: that one is
   * asked to look for work once more before it ends (so work queued while it drained is never
   * left behind). Beyond the bound the key waits for a lane to end. True when a lane started.
   */
  offer(key: string, first?: readonly T[]): boolean;
  /** Keys with a lane running or waiting for one: their due work is already taken care of. */
  taken(): ReadonlySet<string>;
  /** How many lanes are running. */
  running(): number;
  /** Runs `task` while no lane runs for `key`, holding the key's lane meanwhile. */
  exclusive<R>(key: string, task: () => Promise<R>): Promise<R>;
  /** Resolves once no lane runs or waits (lanes started meanwhile included). */
  idle(): Promise<void>;
  /** The errors lanes ended with since the last call (a lane that fails ends; the next offer retries). */
  takeErrors(): unknown[];
}

interface Lane {
  again: boolean;
  done: Promise<void>;
}

/**
 * `drain(key, first)` does one pass over the key's due work (it loops until nothing is due);
 * it is called again while someone offered the key during the pass.
 */
export function createLanes<T>(max: number, drain: (key: string, first: readonly T[] | undefined) => Promise<void>): Lanes<T> {
  const lanes = new Map<string, Lane>();
  const waiting = new Map<string, readonly T[] | undefined>();
  const errors: unknown[] = [];

  function start(key: string, first: readonly T[] | undefined): void {
    const lane: Lane = { again: false, done: Promise.resolve() };
    lanes.set(key, lane);
    lane.done = (async () => {
      let batch = first;
      try {
        do {
          lane.again = false;
          await drain(key, batch);
          batch = undefined;
        } while (lane.again);
      } catch (error) {
        errors.push(error);
      } finally {
        // No await between the last look at `again` and leaving the map: an offer either set
        // `again` before that look or finds no lane and starts one.
        lanes.delete(key);
        next();
      }
    })();
  }

  function next(): void {
    for (const [key, first] of waiting) {
      if (lanes.size >= max) return;
      waiting.delete(key);
      if (!lanes.has(key)) start(key, first);
    }
  }

  function offer(key: string, first?: readonly T[]): boolean {
    const lane = lanes.get(key);
    if (lane) {
      lane.again = true;
      return false;
    }
    if (lanes.size >= max) {
      if (!waiting.has(key)) waiting.set(key, first);
      return false;
    }
    waiting.delete(key);
    start(key, first);
    return true;
  }

  return {
    offer,
    taken: () => new Set([...lanes.keys(), ...waiting.keys()]),
    running: () => lanes.size,
    async exclusive(key, task) {
      for (let lane = lanes.get(key); lane; lane = lanes.get(key)) await lane.done;
      let release: () => void = () => undefined;
      const hold: Lane = { again: false, done: new Promise<void>((resolve) => (release = resolve)) };
      lanes.set(key, hold);
      try {
        return await task();
      } finally {
        lanes.delete(key);
        release();
        // Work offered while the task ran (`again`) is looked at by a lane of its own.
        next();
        if (hold.again) offer(key);
      }
    },
    async idle() {
      while (lanes.size > 0 || waiting.size > 0) {
        if (lanes.size === 0) next();
        await Promise.all([...lanes.values()].map((lane) => lane.done));
      }
    },
    takeErrors: () => errors.splice(0),
  };
}

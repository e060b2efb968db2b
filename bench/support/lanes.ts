/** Runs fn over items with at most `concurrency` in flight, like the daemon's poll lanes. */
export async function runLanes<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface PacedWindow {
  polls: number;
  wallMs: number;
  cpuMs: number;
  /** CPU time as a share of one core over the window, in percent. */
  cpuPercent: number;
  pollsPerMinute: number;
}

/**
 * Starts poll(k) for k = 0, 1, 2, … at `perMinute`, never more than `maxInFlight` at once, for
 * `windows` back-to-back windows of `windowMs`; measures each window's achieved rate and CPU.
 * A window counts the polls that completed inside it.
 */
export async function paced(
  perMinute: number,
  windows: number,
  windowMs: number,
  maxInFlight: number,
  poll: (k: number) => Promise<unknown>,
  onTick?: () => void,
): Promise<PacedWindow[]> {
  const perMs = perMinute / 60_000;
  const start = performance.now();
  let started = 0;
  let completed = 0;
  let inFlight = 0;
  const running = new Set<Promise<unknown>>();
  const results: PacedWindow[] = [];
  let windowStart = start;
  let windowCpu = process.cpuUsage();
  let windowCompleted = 0;
  while (results.length < windows) {
    const now = performance.now();
    const due = Math.floor((now - start) * perMs);
    while (started < due && inFlight < maxInFlight) {
      const k = started++;
      inFlight += 1;
      const p: Promise<unknown> = poll(k).finally(() => {
        inFlight -= 1;
        completed += 1;
        running.delete(p);
      });
      running.add(p);
    }
    onTick?.();
    if (now - windowStart >= windowMs) {
      const cpu = process.cpuUsage(windowCpu);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const wallMs = now - windowStart;
      const polls = completed - windowCompleted;
      results.push({ polls, wallMs, cpuMs, cpuPercent: (100 * cpuMs) / wallMs, pollsPerMinute: (polls * 60_000) / wallMs });
      windowStart = now;
      windowCpu = process.cpuUsage();
      windowCompleted = completed;
    }
    await sleep(5);
  }
  await Promise.all(running);
  return results;
}

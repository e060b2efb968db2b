import { describe, expect, it } from 'vitest';
import { createTickFailures } from '../../src/daemon/tick-failures.js';

describe('a failing daemon tick', () => {
  it('waits 1 s, then doubling up to 30 s, and from the start again once a tick runs through', () => {
    const clock = { now: new Date('2026-12-02T00:00:00Z') };
    const failures = createTickFailures(() => clock.now);
    expect(failures.minWaitMs()).toBe(0);
    const waits = Array.from({ length: 8 }, () => {
      failures.failed(new Error('disk full'));
      return failures.minWaitMs();
    });
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    failures.succeeded();
    expect(failures.minWaitMs()).toBe(0);
  });

  it('logs each distinct error once a minute, counting the ones it left out', () => {
    const clock = { now: new Date('2026-12-02T00:00:00Z') };
    const failures = createTickFailures(() => clock.now);
    expect(failures.failed(new Error('disk full')).log).toBe(true);
    expect(failures.failed(new Error('disk full')).log).toBe(false);
    expect(failures.failed(new Error('database is locked')).log).toBe(true);
    clock.now = new Date(clock.now.getTime() + 59_999);
    expect(failures.failed(new Error('disk full'))).toEqual({ log: false, suppressed: 2 });
    clock.now = new Date(clock.now.getTime() + 1);
    expect(failures.failed(new Error('disk full'))).toEqual({ log: true, suppressed: 2 });
  });
});

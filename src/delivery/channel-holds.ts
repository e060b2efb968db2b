import type { HeldChannel, Priority } from '../store/store.js';

/** Whether holds stop a delivery of this priority: schedule holds let breaking posts through. */
export function holdsStop(holds: readonly HeldChannel[], priority: Priority): boolean {
  return holds.some((hold) => !(hold.kind === 'schedule' && priority === 'breaking'));
}

/** The hold that explains a channel's state to a person: a person's first, then the longest. */
export function mainHold(holds: readonly HeldChannel[]): HeldChannel | undefined {
  const rank = { paused: 0, auth: 1, 'rate-limited': 2, schedule: 3 } as const;
  return [...holds].sort((a, b) => rank[a.kind] - rank[b.kind])[0];
}

import type { AccountInfo, BudgetReading } from '../platforms/contract.js';

/** A passed credentials check, worded as a check: who the platform says we are, then what else it said. */
export interface AccountCheck {
  /** "ok as @newsroom: the configured credentials were accepted". */
  detail: string;
  /** One line per rate budget the platform reported and per note, for the lines under it. */
  lines: string[];
}

export function accountCheck(info: AccountInfo, now: Date): AccountCheck {
  const lines = [
    ...(info.budget ?? []).map((reading) => `rate budget: ${budgetText(reading, now)}`),
    ...(info.notes ?? []).map((note) => `note: ${note}`),
  ];
  return { detail: `ok as ${info.account}: the configured credentials were accepted`, lines };
}

/** "899 of 900 requests to GET /2/users/me per 15 min left, resets in 15 min (12:15:00Z)". */
export function budgetText(reading: BudgetReading, now: Date): string {
  const of = reading.limit === undefined ? '' : ` of ${reading.limit}`;
  const reset = reading.resetAt
    ? `, resets in ${Math.max(0, Math.ceil((reading.resetAt.getTime() - now.getTime()) / 60_000))} min (${reading.resetAt.toISOString()})`
    : '';
  return `${reading.remaining}${of} ${reading.label} left${reset}`;
}

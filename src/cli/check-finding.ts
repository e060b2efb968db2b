import { isPublishError, type PublishErrorCode } from '../platforms/errors.js';

/** One channel's failed account check, worded as a check: the adapters' errors speak of posts. */
export interface CheckFinding {
  code: PublishErrorCode;
  /** What the check found, e.g. "X refused the credentials (HTTP 401)". */
  finding: string;
  /** What to do about it. */
  hint: string;
  /** The adapter's own message, for --json and for support. */
  error: string;
}

/** What to do about a failed verification, by error code: the finding says what, this says how. */
const HINTS: Record<PublishErrorCode, string> = {
  auth: 'renew them (README → Platforms) and update the environment variables or files the config references',
  'rate-limited': 'the platform is rate limiting this account; check again after the reset',
  transient: 'check the URL in the config and this machine’s network',
  'unknown-outcome': 'check again; if it persists, look at the platform’s status page',
  rejected: 'check the account and the channel’s settings in the config',
};

/** The network error code an adapter's message names, e.g. "(ECONNREFUSED)". */
const NETWORK_CODE = /\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+)\b/;

export function checkFinding(platform: string, error: unknown, now: Date): CheckFinding {
  const code: PublishErrorCode = isPublishError(error) ? error.code : 'unknown-outcome';
  const message = error instanceof Error ? error.message : String(error);
  const status = isPublishError(error) && error.status !== undefined ? ` (HTTP ${error.status})` : '';
  const network = NETWORK_CODE.exec(message)?.[1];
  const findings: Record<PublishErrorCode, string> = {
    auth: `${platform} refused the credentials${status}`,
    'rate-limited': `${platform} rate limited the check${status}${isPublishError(error) && error.resetAt ? ` until ${error.resetAt.toISOString()} (${Math.ceil((error.resetAt.getTime() - now.getTime()) / 60_000)} min)` : ''}`,
    transient: `${platform} could not be reached${network ? ` (${network})` : status}`,
    'unknown-outcome': `${platform} gave no clear answer to the check${network ? ` (${network})` : status}`,
    rejected: `${platform} refused the check${status}`,
  };
  return { code, finding: findings[code], hint: HINTS[code], error: message };
}

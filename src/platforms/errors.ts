/**
 * Every adapter maps every library error to one PublishError so the delivery worker can decide
 * what to do without knowing which platform answered.
 *
 * - rate-limited: the platform said stop until `resetAt`.
 * - auth: credentials are wrong or revoked; retrying burns nothing but helps nothing.
 * - rejected: the platform refused this post (too long, invalid); retrying will not help.
 * - transient: the request certainly did not reach the platform (connection refused, DNS).
 * - unknown-outcome: the request may have gone out (timeout, reset, 5xx, a non-JSON body).
 */
export type PublishErrorCode = 'rate-limited' | 'auth' | 'rejected' | 'transient' | 'unknown-outcome';

export interface PublishErrorOptions {
  cause?: unknown;
  /** When the platform allows the next attempt (rate limits). */
  resetAt?: Date;
  /** The platform's HTTP status, when there was one. */
  status?: number;
  /**
   * The platform refused the post because this exact post is already on the account (X's
   * "duplicate content"): after an earlier attempt with an unknown outcome, it went out.
   */
  alreadyPosted?: boolean;
}

export class PublishError extends Error {
  readonly code: PublishErrorCode;
  readonly resetAt: Date | undefined;
  readonly status: number | undefined;
  readonly alreadyPosted: boolean;

  constructor(code: PublishErrorCode, message: string, options: PublishErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'PublishError';
    this.code = code;
    this.resetAt = options.resetAt;
    this.status = options.status;
    this.alreadyPosted = options.alreadyPosted ?? false;
  }
}

export function isPublishError(value: unknown): value is PublishError {
  return value instanceof PublishError;
}

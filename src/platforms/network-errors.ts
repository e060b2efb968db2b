/**
 * Socket-level error codes raised before a single byte of the request left: nothing can have
 * been posted, so a retry is always safe (`transient`). Everything else on the wire (a reset or
 * a timeout mid-request) may have reached the platform and is an unknown outcome. Read by the
 * one classification in http-outcome.ts.
 */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The error, its `cause`s and the members of AggregateErrors (a happy-eyeballs connect reports
 * one error per address tried), breadth first, each once. Libraries wrap the system error:
 * fetch as `cause` of TypeError("fetch failed"), @atproto/xrpc one level further.
 */
export function causeChain(error: unknown): unknown[] {
  const seen: unknown[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && seen.length < 20) {
    const next = queue.shift();
    if (next === undefined || next === null || seen.includes(next)) continue;
    seen.push(next);
    if (next instanceof AggregateError) queue.push(...next.errors);
    if (typeof next === 'object' && 'cause' in next) queue.push(next.cause);
  }
  return seen;
}

/** Every Node/undici system error code (a string `code`) in the error's cause chain. */
export function errorCodes(error: unknown): string[] {
  return causeChain(error).flatMap((item) => {
    if (typeof item !== 'object' || item === null || !('code' in item)) return [];
    return typeof item.code === 'string' ? [item.code] : [];
  });
}

/** The outermost system error code of an error ("ECONNREFUSED"), for messages. */
export function errorCode(error: unknown): string | undefined {
  return errorCodes(error)[0];
}

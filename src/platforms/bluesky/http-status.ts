/**
 * @atproto/xrpc 0.x keeps only the statuses of its ResponseType list on an XRPCError and folds
 * the others into a neighbour (`httpResponseCodeToEnum`): 408, 409, 422 and 425 arrive as 400,
 * 505 as 500, a 3xx as 404. The headers of the answer do reach the error, so the adapter's fetch
 * copies the real status into this header of every non-2xx answer, and the error mapper reads
 * it back: a PDS's 408 is then read as a 408 (safe to resend), like on X and Mastodon.
 */
export const HTTP_STATUS_HEADER = 'x-crier-http-status';

/** `fetch`, with the real status of every non-2xx answer copied into HTTP_STATUS_HEADER. */
export function keepHttpStatus(fetchImpl: typeof globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    if (response.status < 300) return response;
    const headers = new Headers(response.headers);
    headers.set(HTTP_STATUS_HEADER, String(response.status));
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  };
}

/** The real HTTP status behind an XRPCError: the copied header, else the library's `status`. */
export function httpStatusOf(error: { status: number; headers?: Record<string, string | undefined> | undefined }): number {
  const copied = Number(error.headers?.[HTTP_STATUS_HEADER]);
  return Number.isInteger(copied) && copied >= 100 && copied <= 599 ? copied : error.status;
}

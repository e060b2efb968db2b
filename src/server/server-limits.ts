/**
 * What one client may take of the HTTP server. Its callers are a reverse proxy, WebSub hubs and
 * CMS webhooks, each sending a small request and waiting for a short answer: nothing legitimate
 * needs long, many or idle connections, and a slow-header client (slowloris) must not hold one.
 * Node's own defaults (nodejs.org/api/http.html: headersTimeout 60 s, requestTimeout 300 s,
 * no connection cap, timeouts checked every 30 s) are built for general servers.
 */
export interface ServerLimits {
  /** The whole header block must arrive within this, counted from the first byte (408 after). */
  headersTimeoutMs: number;
  /** The whole request, body included (408 after). */
  requestTimeoutMs: number;
  /** Open connections at most; those past it are closed at once by Node. */
  maxConnections: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** Requests served on one keep-alive connection; the last answer says Connection: close. */
  maxRequestsPerSocket: number;
  /** How often Node looks for connections past their header or request deadline. */
  checkIntervalMs: number;
  /** After a 413, the rest of an over-limit body is read and discarded up to this many bytes, so the client reads the answer rather than a reset. */
  drainBytes: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  maxConnections: 256,
  keepAliveTimeoutMs: 5_000,
  maxRequestsPerSocket: 100,
  checkIntervalMs: 1_000,
  drainBytes: 1024 * 1024,
};

/** The limits in force: the defaults, with what the caller set. Node needs requestTimeout ≥ headersTimeout. */
export function serverLimits(given: Partial<ServerLimits> = {}): ServerLimits {
  const limits = { ...DEFAULT_SERVER_LIMITS, ...given };
  return { ...limits, requestTimeoutMs: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs) };
}

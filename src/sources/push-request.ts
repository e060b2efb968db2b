import type { IncomingHttpHeaders } from 'node:http';

/**
 * What a push source reads of a request and answers: the sources hand their handlers up, and
 * whatever serves HTTP (src/server/) mounts them. Only what pushes need, so sources stay free of
 * the server.
 */
export interface PushRequest {
  method: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw body: signatures are computed over these exact bytes. */
  body: Buffer;
}

export interface PushResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

import type { ParseFeedContext, ParsedFeed } from './parse-feed.js';

/**
 * What the parse pool (parse-pool.ts) and its worker (parse-worker.ts) send each other. A body
 * goes in parts, one per event-loop turn: cloning a 4 MB string for postMessage takes 30–50 ms,
 * itself a stall; 256 Ki characters take a few.
 */
export type ParseRequest =
  | { kind: 'start'; id: number; ctx: ParseFeedContext; parts: number }
  | { kind: 'part'; id: number; text: string }
  /** Undecoded bytes (transferred when they own their buffer, else copied): decoded in the worker as fetchFeed would. */
  | { kind: 'bytes'; id: number; ctx: ParseFeedContext; bytes: Uint8Array; contentType: string | undefined };

/** How bytes were decoded (charset.ts), as fetchFeed reports it. */
export interface DecodedFeed {
  feed: ParsedFeed;
  encoding: string;
  /** Set when the feed declared no charset, or a wrong one: a warning naming the feed. */
  charsetWarning?: string | undefined;
}

/** An error as data: classes do not survive postMessage, so the receiver rebuilds it. */
export type SentError =
  | { kind: 'feed-parse'; message: string; feedUrl: string; cause?: { name: string; message: string } }
  | { kind: 'other'; name: string; message: string; stack?: string };

export type ParseReply = { id: number; threadId: number; parseMs: number } & ({ ok: true; result: DecodedFeed } | { ok: false; error: SentError });

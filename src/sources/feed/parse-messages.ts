import type { ParseFeedContext, ParsedFeed } from './parse-feed.js';

/** What the parse pool (parse-pool.ts) and its worker (parse-worker.ts) send each other. */
export interface ParseRequest {
  id: number;
  body: string;
  ctx: ParseFeedContext;
}

/** An error as data: classes do not survive postMessage, so the receiver rebuilds it. */
export type SentError =
  | { kind: 'feed-parse'; message: string; feedUrl: string; cause?: { name: string; message: string } }
  | { kind: 'other'; name: string; message: string; stack?: string };

export type ParseReply = { id: number; threadId: number; parseMs: number } & ({ ok: true; feed: ParsedFeed } | { ok: false; error: SentError });

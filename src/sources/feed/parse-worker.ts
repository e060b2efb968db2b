import { parentPort, threadId } from 'node:worker_threads';
import { FeedParseError, parseFeed } from './parse-feed.js';
import type { ParseReply, ParseRequest, SentError } from './parse-messages.js';

/**
 * The parse pool's worker thread (parse-pool.ts): the same parseFeed as the main thread, its
 * result sent back as plain data (Dates survive the structured clone; a FeedParseError does not
 * keep its class, so it travels as its fields and is rebuilt on the other side).
 */
const port = parentPort;
if (port === null) throw new Error('parse-worker.ts runs only as a worker thread (parse-pool.ts starts it)');

let pending: { id: number; ctx: ParseRequest & { kind: 'start' }; parts: string[] } | undefined;

port.on('message', (request: ParseRequest) => {
  if (request.kind === 'start') {
    pending = { id: request.id, ctx: request, parts: [] };
  } else if (pending?.id === request.id) {
    pending.parts.push(request.text);
  }
  if (pending === undefined || pending.parts.length < pending.ctx.parts) return;
  const { id, ctx, parts } = pending;
  pending = undefined;
  const started = performance.now();
  let reply: ParseReply;
  try {
    const feed = parseFeed(parts.join(''), ctx.ctx);
    reply = { id, ok: true, feed, threadId, parseMs: performance.now() - started };
  } catch (error) {
    reply = { id, ok: false, error: sent(error), threadId, parseMs: performance.now() - started };
  }
  port.postMessage(reply);
});

function sent(error: unknown): SentError {
  if (error instanceof FeedParseError) {
    const cause = error.cause instanceof Error ? { name: error.cause.name, message: error.cause.message } : undefined;
    return { kind: 'feed-parse', message: error.message, feedUrl: error.feedUrl, ...(cause ? { cause } : {}) };
  }
  if (error instanceof Error) return { kind: 'other', name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { kind: 'other', name: 'Error', message: String(error) };
}

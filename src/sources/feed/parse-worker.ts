import { parentPort, threadId } from 'node:worker_threads';
import { FeedParseError, parseFeed } from './parse-feed.js';
import { decodeAndParse } from './decode-and-parse.js';
import type { DecodedFeed, ParseReply, ParseRequest, SentError } from './parse-messages.js';

/**
 * The parse pool's worker thread (parse-pool.ts): the same parseFeed as the main thread, its
 * result sent back as plain data (Dates survive the structured clone; a FeedParseError does not
 * keep its class, so it travels as its fields and is rebuilt on the other side).
 */
const port = parentPort;
if (port === null) throw new Error('parse-worker.ts runs only as a worker thread (parse-pool.ts starts it)');

let pending: { id: number; start: ParseRequest & { kind: 'start' }; parts: string[] } | undefined;

port.on('message', (request: ParseRequest) => {
  if (request.kind === 'bytes') {
    const { id, bytes, contentType, ctx } = request;
    return reply(id, () => decodeAndParse(parseFeed, bytes, contentType, ctx));
  }
  if (request.kind === 'start') {
    pending = { id: request.id, start: request, parts: [] };
  } else if (pending?.id === request.id) {
    pending.parts.push(request.text);
  }
  if (pending === undefined || pending.parts.length < pending.start.parts) return;
  const { id, start, parts } = pending;
  pending = undefined;
  reply(id, () => ({ feed: parseFeed(parts.join(''), start.ctx), encoding: 'utf-16' }));
});

function reply(id: number, work: () => DecodedFeed): void {
  const started = performance.now();
  let message: ParseReply;
  try {
    message = { id, ok: true, result: work(), threadId, parseMs: performance.now() - started };
  } catch (error) {
    message = { id, ok: false, error: sent(error), threadId, parseMs: performance.now() - started };
  }
  port?.postMessage(message);
}

function sent(error: unknown): SentError {
  if (error instanceof FeedParseError) {
    const cause = error.cause instanceof Error ? { name: error.cause.name, message: error.cause.message } : undefined;
    return { kind: 'feed-parse', message: error.message, feedUrl: error.feedUrl, ...(cause ? { cause } : {}) };
  }
  if (error instanceof Error) return { kind: 'other', name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { kind: 'other', name: 'Error', message: String(error) };
}

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { setImmediate } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { ParseFeedContext, ParsedFeed } from './parse-feed.js';
import { FeedParseError } from './feed-parse-error.js';
import { decodeAndParse, type ParseFeed } from './decode-and-parse.js';
import type { DecodedFeed, ParseReply, ParseRequest, SentError } from './parse-messages.js';

/**
 * Big feed bodies are parsed off the event loop. Parsing a 4 MB feed takes 300–400 ms of CPU,
 * all in one synchronous call: on the daemon's thread that is 300–400 ms in which no push is
 * answered, no delivery is sent and no timer fires (issue 15 item 5). A body of at least
 * `minChars` goes to a worker thread running the same parseFeed; smaller ones, nearly every
 * poll, are parsed where they are, without the cost of a thread hop.
 */
export interface ParsePoolOptions {
  /** Bodies at least this long (characters, or bytes for parseBytes) go to a worker. Default 512 Ki; Infinity: never. */
  minChars?: number;
  /** Worker threads at most. Default: 1, or 2 with 4+ cores (parsing is CPU: more than the cores helps nothing). */
  size?: number;
  /** An idle worker is ended after this long (its heap held the last big feed). Default 30 s. */
  idleMs?: number;
}

export interface ParsePoolStats {
  /** Bodies sent to a worker thread. */
  dispatched: number;
  /** Bodies parsed on the calling thread (under the threshold). */
  inline: number;
  /** threadId of the worker that parsed the last dispatched body. */
  lastThreadId?: number | undefined;
}

export interface ParsePool {
  /** parseFeed, off the event loop for a big body: same articles, same FeedParseError (message and feedUrl). */
  parse(body: string, ctx: ParseFeedContext): Promise<ParsedFeed>;
  /**
   * A body as fetched, decoded (charset.ts: declared charset, else detection, with its warning)
   * and parsed: both off the event loop for a big body. Decoding 4 MB of UTF-8 to a JS string is
   * itself 30–50 ms. Bytes that are a view of a whole ArrayBuffer are transferred to the thread,
   * not copied: `bytes` is then detached (empty) for the caller.
   */
  parseBytes(bytes: Uint8Array, contentType: string | undefined, ctx: ParseFeedContext): Promise<DecodedFeed>;
  readonly stats: Readonly<ParsePoolStats>;
  /** Bodies at least this long go to a worker: what fetchFeed's `bytesFrom` should be. */
  readonly minChars: number;
  /** Ends every worker; parses still queued or running are rejected. */
  close(): Promise<void>;
}

export const DEFAULT_PARSE_THREAD_MIN = 512 * 1024;
const DEFAULT_IDLE_MS = 30_000;

interface Task {
  id: number;
  input: { body: string } | { bytes: Uint8Array; contentType: string | undefined };
  ctx: ParseFeedContext;
  resolve: (result: DecodedFeed) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
  idleTimer: NodeJS.Timeout | undefined;
}

export function createParsePool(options: ParsePoolOptions = {}): ParsePool {
  const minChars = options.minChars ?? DEFAULT_PARSE_THREAD_MIN;
  const size = Math.max(1, options.size ?? (availableParallelism() >= 4 ? 2 : 1));
  const idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  const stats: ParsePoolStats = { dispatched: 0, inline: 0 };
  const slots: Slot[] = [];
  const queue: Task[] = [];
  let nextId = 1;
  let closed = false;

  const run = (slot: Slot, task: Task): void => {
    clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    slot.task = task;
    // Busy, the worker holds the process open (a poll is waiting for it); idle, it never does.
    slot.worker.ref();
    sendInParts(slot.worker, task).catch((error: unknown) => {
      if (slot.task !== task) return;
      slot.task = undefined;
      task.reject(error instanceof Error ? error : new Error(String(error)));
      retire(slot);
    });
  };

  const idle = (slot: Slot): void => {
    slot.task = undefined;
    const next = queue.shift();
    if (next) return run(slot, next);
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => retire(slot), idleMs);
    slot.idleTimer.unref();
  };

  const retire = (slot: Slot): void => {
    const index = slots.indexOf(slot);
    if (index >= 0) slots.splice(index, 1);
    clearTimeout(slot.idleTimer);
    void slot.worker.terminate();
  };

  const spawn = (): Slot => {
    const worker = new Worker(workerScript());
    const slot: Slot = { worker, task: undefined, idleTimer: undefined };
    worker.on('message', (reply: ParseReply) => {
      const task = slot.task;
      if (task?.id !== reply.id) return;
      stats.lastThreadId = reply.threadId;
      if (reply.ok) task.resolve(reply.result);
      else task.reject(rebuilt(reply.error));
      idle(slot);
    });
    // A worker that dies (out of memory, a crash) fails only the parse it had; the next gets a new one.
    const lost = (error: Error): void => {
      const task = slot.task;
      slot.task = undefined;
      const index = slots.indexOf(slot);
      if (index < 0) return;
      slots.splice(index, 1);
      clearTimeout(slot.idleTimer);
      task?.reject(new Error(`feed parse worker failed: ${error.message}`, { cause: error }));
      const next = queue.shift();
      if (next) dispatch(next);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`worker exited with code ${code}`)));
    slots.push(slot);
    return slot;
  };

  const dispatch = (task: Task): void => {
    const free = slots.find((slot) => slot.task === undefined);
    if (free) return run(free, task);
    if (slots.length < size) return run(spawn(), task);
    queue.push(task);
  };

  const submit = (length: number, input: Task['input'], ctx: ParseFeedContext, here: () => Promise<DecodedFeed>): Promise<DecodedFeed> => {
    if (closed || length < minChars) {
      stats.inline += 1;
      return here();
    }
    stats.dispatched += 1;
    return new Promise<DecodedFeed>((resolve, reject) => {
      try {
        dispatch({ id: nextId++, input, ctx, resolve, reject });
      } catch {
        // No thread could be started (a resource limit): the feed is still parsed, here.
        stats.dispatched -= 1;
        stats.inline += 1;
        resolve(here());
      }
    });
  };

  return {
    stats,
    minChars,
    async parse(body, ctx) {
      const here = async (): Promise<DecodedFeed> => ({ feed: (await parser()).parseFeed(body, ctx), encoding: 'utf-16' });
      return (await submit(body.length, { body }, ctx, here)).feed;
    },
    parseBytes(bytes, contentType, ctx) {
      return submit(bytes.byteLength, { bytes, contentType }, ctx, async () => decodeAndParse((await parser()).parseFeed, bytes, contentType, ctx));
    },
    async close() {
      closed = true;
      for (const task of queue.splice(0)) task.reject(new Error('feed parse pool closed'));
      const all = slots.splice(0);
      for (const slot of all) {
        clearTimeout(slot.idleTimer);
        slot.task?.reject(new Error('feed parse pool closed'));
        slot.task = undefined;
      }
      await Promise.all(all.map((slot) => slot.worker.terminate()));
    },
  };
}

let parserModule: Promise<{ parseFeed: ParseFeed }> | undefined;

/** The parser, loaded on the first body to parse: a process whose polls all answer 304 never loads it. */
function parser(): Promise<{ parseFeed: ParseFeed }> {
  parserModule ??= import('./parse-feed.js');
  return parserModule;
}

/** Characters per message: a few milliseconds of cloning each (parse-messages.ts). */
const PART_CHARS = 256 * 1024;

/** The body in parts, one per event-loop turn, so that handing it over is no stall of its own. */
async function sendInParts(worker: Worker, task: Task): Promise<void> {
  const { id, input, ctx } = task;
  const send = (message: ParseRequest): void => worker.postMessage(message);
  if ('bytes' in input) {
    const { bytes, contentType } = input;
    // Transferred when the view is its whole buffer (fetchFeed's are): no 4 MB copy on this thread.
    const whole = bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    worker.postMessage({ kind: 'bytes', id, ctx, bytes, contentType } satisfies ParseRequest, whole ? [bytes.buffer] : []);
    return;
  }
  const { body } = input;
  const cuts: number[] = [];
  for (let at = 0; at < body.length; ) {
    let end = Math.min(body.length, at + PART_CHARS);
    // Never between the two halves of a surrogate pair (each part is a string of its own).
    const last = body.charCodeAt(end - 1);
    if (end < body.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    cuts.push(end);
    at = end;
  }
  send({ kind: 'start', id, ctx, parts: cuts.length });
  let from = 0;
  for (const cut of cuts) {
    if (from > 0) await setImmediate();
    send({ kind: 'part', id, text: body.slice(from, cut) });
    from = cut;
  }
}

/**
 * The worker next to this file: parse-worker.js when running the build (dist/); parse-worker.ts
 * under tsx or vitest. Node 20 gives a worker none of the process's module hooks (neither tsx's
 * nor vitest's transform) and ignores `--import` in its execArgv, so a .ts worker starts as a
 * one-line module that imports it through tsx's API.
 */
function workerScript(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./parse-worker.js', import.meta.url);
  const worker = new URL('./parse-worker.ts', import.meta.url).href;
  const tsx = tsxEsmApi();
  const code = `import { tsImport } from ${JSON.stringify(tsx)}; await tsImport(${JSON.stringify(worker)}, import.meta.url);`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/** tsx's ESM API as its package exports it for `import` (require.resolve would give the CommonJS one). */
function tsxEsmApi(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import?: { default?: string } } | string> };
  const entry = exports['./esm/api'];
  const file = typeof entry === 'object' ? entry.import?.default : undefined;
  if (file === undefined) throw new Error('tsx has no ESM API export (tsx/esm/api): the .ts feed parse worker cannot start');
  return new URL(file, pathToFileURL(manifest)).href;
}

function rebuilt(sent: SentError): Error {
  if (sent.kind === 'feed-parse') {
    const cause = sent.cause && Object.assign(new Error(sent.cause.message), { name: sent.cause.name });
    return new FeedParseError(sent.feedUrl, sent.message, cause ? { cause } : {});
  }
  const error = new Error(sent.message);
  error.name = sent.name;
  if (sent.stack !== undefined) error.stack = sent.stack;
  return error;
}

/**
 * The threshold as the environment sets it: CRIER_PARSE_THREAD_MIN (characters; `Infinity` keeps
 * every parse on the main thread, which is how the stall benchmark measures the baseline).
 */
export function parseThreadMinFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.CRIER_PARSE_THREAD_MIN?.trim();
  if (raw === undefined || raw === '') return DEFAULT_PARSE_THREAD_MIN;
  const value = Number(raw);
  return Number.isNaN(value) || value < 0 ? DEFAULT_PARSE_THREAD_MIN : value;
}

let shared: ParsePool | undefined;

/**
 * The process's one pool, created at the first big body. Module state, unlike the rest of the
 * code: the source kinds are static registry values (registry.ts) that receive no collaborators
 * but a FetchContext, and threads are a per-process resource anyway. Tests build their own with
 * createParsePool.
 */
export function sharedParsePool(): ParsePool {
  shared ??= createParsePool({ minChars: parseThreadMinFromEnv(process.env) });
  return shared;
}

import { parseFields, stringField, stringList } from './fake-body.js';
import {
  rateWindow,
  startFakeServer,
  type FakeFault,
  type FakeRequest,
  type RateWindow,
  type Reply,
} from './fake-server.js';

export type { FakeFault } from './fake-server.js';

export interface FakeXCredentials {
  appKey: string;
  appSecret: string;
  accessToken: string;
  accessSecret: string;
}

export interface FakeXOptions {
  /** The OAuth 1.0a keys accepted (by consumer key and token; signatures are not checked). */
  credentials?: FakeXCredentials;
  /** The fake's clock: rate-limit and duplicate windows run on it. Default real time. */
  now?: () => Date;
  /** POST /2/tweets requests per window. Default 100 per 15 min per user. */
  postLimit?: { limit: number; windowMs: number };
  /** Posts per 24 h for the user (the plan's cap; the free tier allowed 17). Default 17. */
  dailyLimit?: number;
  /** How long an identical text counts as a duplicate. Default 24 h (X documents none). */
  duplicateWindowMs?: number;
}

export interface FakeTweet {
  id: string;
  createdAt: Date;
  text: string;
  /** Attached images, with the alt text set through /2/media/metadata. */
  media: { id: string; altText: string | undefined }[];
  /** The post this one replies to (`reply.in_reply_to_tweet_id`), only on replies. */
  replyTo?: string;
}

export interface FakeX {
  url: string;
  credentials: FakeXCredentials;
  /** The user's id, for GET /2/users/:id/tweets. */
  userId: string;
  /** Every post on the account, oldest first (deleted ones are gone, as on X). */
  posts(): FakeTweet[];
  /** Every DELETE that removed a post, in order: a post deleted twice would show twice. */
  deletions(): { id: string; at: Date }[];
  /** Deletes a post as a person would on x.com, outside the API. */
  deleteOutside(id: string): void;
  requests(): number;
  setFault(fault: FakeFault | undefined): void;
  close(): Promise<void>;
}

interface FakeUpload {
  id: string;
  totalBytes: number;
  received: number;
  finalized: boolean;
  altText?: string;
}

const USER = { id: '2244994945', name: 'Newsroom', username: 'newsroom' };
const MINUTE_MS = 60 * 1000;
const DAY_MS = 24 * 60 * MINUTE_MS;
const IMAGE_MAX_BYTES = 5_000_000;
const ALT_TEXT_MAX = 1000;

/** The v2 problem shape (https://docs.x.com/x-api/fundamentals/response-codes-and-errors). */
function problem(status: number, title: string, detail: string, type = 'about:blank'): object {
  return { title, detail, type, status };
}

const SERVER_ERROR_TITLES: Readonly<Record<number, string>> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

const INVALID_REQUEST_TYPE = 'https://api.twitter.com/2/problems/invalid-request';

/**
 * X's v2 API for one user over loopback HTTP: posting (https://docs.x.com/x-api/posts/create-post),
 * the user lookup, the v2 chunked media upload and media metadata, with X's rate-limit headers
 * and its refusal of duplicate text.
 */
export async function startFakeX(options: FakeXOptions = {}): Promise<FakeX> {
  const now = options.now ?? (() => new Date());
  const credentials = options.credentials ?? {
    appKey: 'fake-app-key',
    appSecret: 'fake-app-secret',
    accessToken: '2244994945-fake-access-token',
    accessSecret: 'fake-access-secret',
  };
  const duplicateWindowMs = options.duplicateWindowMs ?? DAY_MS;
  const postWindow = rateWindow(options.postLimit?.limit ?? 100, options.postLimit?.windowMs ?? 15 * MINUTE_MS, now);
  const dailyWindow = rateWindow(options.dailyLimit ?? 17, DAY_MS, now);
  // Every other endpoint has its own 15-minute window; X's numbers vary by endpoint and plan.
  const otherWindows = new Map<string, RateWindow>();
  const posts: FakeTweet[] = [];
  const deletions: { id: string; at: Date }[] = [];
  const uploads = new Map<string, FakeUpload>();
  let sequence = 0n;

  function nextId(): string {
    sequence += 1n;
    return String(1890000000000000000n + sequence);
  }

  /** https://docs.x.com/x-api/fundamentals/rate-limits: reset in epoch seconds. */
  function limitHeaders(window: RateWindow): Record<string, string> {
    return {
      'x-rate-limit-limit': String(window.limit),
      'x-rate-limit-remaining': String(window.remaining()),
      'x-rate-limit-reset': String(Math.ceil(window.resetAt().getTime() / 1000)),
    };
  }

  function dailyHeaders(): Record<string, string> {
    return {
      'x-user-limit-24hour-limit': String(dailyWindow.limit),
      'x-user-limit-24hour-remaining': String(dailyWindow.remaining()),
      'x-user-limit-24hour-reset': String(Math.ceil(dailyWindow.resetAt().getTime() / 1000)),
    };
  }

  function tooManyRequests(headers: Record<string, string>): Reply {
    return { status: 429, body: problem(429, 'Too Many Requests', 'Too Many Requests'), headers };
  }

  function invalid(message: string, headers: Record<string, string>): Reply {
    const body = {
      errors: [{ message }],
      ...problem(400, 'Invalid Request', 'One or more parameters to your request was invalid.', INVALID_REQUEST_TYPE),
    };
    return { status: 400, body, headers };
  }

  async function route(request: FakeRequest): Promise<Reply> {
    const { method } = request;
    const path = request.url.pathname;
    const isPost = method === 'POST' && path === '/2/tweets';
    let window = postWindow;
    if (!isPost) {
      const key = `${method} ${path.replace(/\/\d+(?=\/|$)/g, '/:id')}`;
      window = otherWindows.get(key) ?? rateWindow(900, 15 * MINUTE_MS, now);
      otherWindows.set(key, window);
    }
    if (!authorized(request)) {
      return { status: 401, body: problem(401, 'Unauthorized', 'Unauthorized'), headers: limitHeaders(window) };
    }
    // Every request counts against the 15-minute window, refused ones included.
    if (!window.take()) return tooManyRequests({ ...limitHeaders(window), ...(isPost ? dailyHeaders() : {}) });
    const headers = limitHeaders(window);
    if (isPost) return createPost(request, headers);
    if (method === 'GET' && path === '/2/users/me') return { status: 200, body: { data: USER }, headers };
    const timeline = /^\/2\/users\/([^/]+)\/tweets$/.exec(path);
    if (method === 'GET' && timeline) return listPosts(timeline[1] ?? '', request.url, headers);
    if (method === 'POST' && path.startsWith('/2/media/')) return mediaRoute(request, path, headers);
    const single = /^\/2\/tweets\/([^/]+)$/.exec(path);
    if (method === 'DELETE' && single) return deletePost(single[1] ?? '', headers);
    if (method === 'GET' && single) return lookupPost(single[1] ?? '', request.url, headers);
    return { status: 404, body: problem(404, 'Not Found Error', `No route for ${method} ${path}`), headers };
  }

  /**
   * OAuth 1.0a user context: an `OAuth` header naming the app's consumer key and the user's
   * token, with a signature. The signature itself is not checked here; the nock tests check it.
   */
  function authorized(request: FakeRequest): boolean {
    const value = request.headers.authorization ?? '';
    if (!value.startsWith('OAuth ')) return false;
    const params = new Map<string, string>();
    for (const match of value.slice('OAuth '.length).matchAll(/([\w]+)="([^"]*)"/g)) {
      params.set(decodeURIComponent(match[1] ?? ''), decodeURIComponent(match[2] ?? ''));
    }
    return (
      params.get('oauth_consumer_key') === credentials.appKey &&
      params.get('oauth_token') === credentials.accessToken &&
      (params.get('oauth_signature') ?? '') !== ''
    );
  }

  async function createPost(request: FakeRequest, rateHeaders: Record<string, string>): Promise<Reply> {
    const headers = { ...rateHeaders, ...dailyHeaders() };
    const fields = /^application\/json/i.test(request.headers['content-type'] ?? '') ? parseFields(request) : undefined;
    const text = fields ? stringField(fields, 'text') : undefined;
    const mediaObject = fields?.media;
    const mediaIds =
      typeof mediaObject === 'object' && mediaObject !== null ? stringList(Reflect.get(mediaObject, 'media_ids')) : [];
    if (!fields || (text === undefined && mediaIds.length === 0)) return invalid('Invalid JSON body', headers);
    if (mediaIds.some((id) => !uploads.get(id)?.finalized)) return invalid('Your media IDs are invalid.', headers);
    // X refuses the exact text of a recent post of the same account; the detail is what
    // X answers (https://github.com/plhery/node-twitter-api-v2/issues/469).
    const since = now().getTime() - duplicateWindowMs;
    if (text && posts.some((post) => post.text === text && post.createdAt.getTime() > since)) {
      return {
        status: 403,
        body: problem(403, 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.'),
        headers,
      };
    }
    const reply = fields.reply;
    const replyTo = typeof reply === 'object' && reply !== null ? Reflect.get(reply, 'in_reply_to_tweet_id') : undefined;
    if (replyTo !== undefined && (typeof replyTo !== 'string' || !posts.some((post) => post.id === replyTo))) {
      // Replying to a post that is deleted or not visible is a 403 with this message (X code 385:
      // https://github.com/plhery/node-twitter-api-v2/issues/366, https://github.com/IBBoard/cawbird/issues/8).
      return {
        status: 403,
        body: problem(403, 'Forbidden', 'You attempted to reply to a Tweet that is deleted or not visible to you.'),
        headers,
      };
    }
    // The daily cap counts posts made: when it is spent, its reset is the one to wait for.
    if (!dailyWindow.take()) return tooManyRequests({ ...rateHeaders, ...dailyHeaders() });
    const media = mediaIds.map((id) => ({ id, altText: uploads.get(id)?.altText }));
    const post: FakeTweet = { id: nextId(), createdAt: now(), text: text ?? '', media, ...(replyTo ? { replyTo } : {}) };
    posts.push(post);
    return { status: 201, body: { data: render(post) }, headers: { ...rateHeaders, ...dailyHeaders() } };
  }

  /**
   * DELETE /2/tweets/:id answers `{ data: { deleted: true } }` (https://docs.x.com/x-api/posts/delete-post).
   * For a post that is not there the fake answers as v2 answers every missing resource: a 200
   * whose `errors` hold a "Not Found Error" problem
   * (https://gist.github.com/semifor/22e04b7dbe6e9ed16eabea7bfd6c5d37).
   */
  function deletePost(id: string, headers: Record<string, string>): Reply {
    const at = posts.findIndex((post) => post.id === id);
    if (at < 0) return { status: 200, body: { errors: [notFound(id)] }, headers };
    posts.splice(at, 1);
    deletions.push({ id, at: now() });
    return { status: 200, body: { data: { deleted: true } }, headers };
  }

  /**
   * GET /2/tweets/:id (https://docs.x.com/x-api/posts/get-post-by-id): a deleted or unknown post
   * is a 200 with no `data` and a resource-not-found problem, not a 404
   * (https://gist.github.com/semifor/22e04b7dbe6e9ed16eabea7bfd6c5d37,
   * https://github.com/HunterLarco/twitter-v2/issues/33).
   */
  function lookupPost(id: string, url: URL, headers: Record<string, string>): Reply {
    const post = posts.find((item) => item.id === id);
    if (!post) return { status: 200, body: { errors: [notFound(id)] }, headers };
    return { status: 200, body: { data: withFields(post, url) }, headers };
  }

  /**
   * https://docs.x.com/x-api/posts/get-posts-by-user (newest first; max_results 5–100;
   * start_time in ISO 8601; created_at, entities and referenced_tweets only when asked for in
   * tweet.fields).
   */
  function listPosts(userId: string, url: URL, headers: Record<string, string>): Reply {
    if (userId !== USER.id)
      return { status: 404, body: problem(404, 'Not Found Error', 'Could not find user'), headers };
    const max = Math.min(100, Math.max(5, Number(url.searchParams.get('max_results') ?? 10) || 10));
    const startParam = url.searchParams.get('start_time');
    const start = startParam === null ? Number.NEGATIVE_INFINITY : Date.parse(startParam);
    if (Number.isNaN(start)) return invalid(`Invalid start_time: ${startParam}`, headers);
    const page = [...posts]
      .reverse()
      .filter((post) => post.createdAt.getTime() >= start)
      .slice(0, max)
      .map((post) => withFields(post, url));
    const meta =
      page.length === 0
        ? { result_count: 0 }
        : { result_count: page.length, newest_id: page[0]?.id, oldest_id: page[page.length - 1]?.id };
    return { status: 200, body: page.length === 0 ? { meta } : { data: page, meta }, headers };
  }

  /**
   * The v2 chunked upload (initialize → append → finalize; https://docs.x.com/x-api/media/quickstart/media-upload-chunked)
   * and POST /2/media/metadata (alt text ≤ 1000, https://docs.x.com/x-api/media/create-media-metadata).
   * Images are processed at once, so finalize carries no processing_info.
   */
  async function mediaRoute(request: FakeRequest, path: string, headers: Record<string, string>): Promise<Reply> {
    const fields = parseFields(request);
    if (!fields) return invalid('Unreadable request body', headers);
    if (path === '/2/media/upload/initialize') {
      const type = stringField(fields, 'media_type') ?? '';
      const totalBytes = fields.total_bytes;
      if (!/^image\//.test(type) || typeof totalBytes !== 'number' || totalBytes <= 0 || totalBytes > IMAGE_MAX_BYTES) {
        return invalid('media_type or total_bytes is invalid', headers);
      }
      const upload: FakeUpload = { id: nextId(), totalBytes, received: 0, finalized: false };
      uploads.set(upload.id, upload);
      return { status: 200, body: { data: mediaData(upload) }, headers };
    }
    const step = /^\/2\/media\/upload\/(\d+)\/(append|finalize)$/.exec(path);
    if (step) {
      const upload = uploads.get(step[1] ?? '');
      if (!upload) return invalid('Your media IDs are invalid.', headers);
      if (step[2] === 'append') {
        const chunk = fields.media;
        if (!(chunk instanceof Blob)) return invalid('media is missing', headers);
        upload.received += chunk.size;
        return { status: 200, body: { data: { expires_at: Math.floor(now().getTime() / 1000) + 86_400 } }, headers };
      }
      if (upload.received !== upload.totalBytes)
        return invalid('Segments do not add up to provided total file size.', headers);
      upload.finalized = true;
      return { status: 200, body: { data: { ...mediaData(upload), size: upload.totalBytes } }, headers };
    }
    if (path === '/2/media/metadata') {
      const upload = uploads.get(stringField(fields, 'id') ?? '');
      const metadata = fields.metadata;
      const alt = typeof metadata === 'object' && metadata !== null ? Reflect.get(metadata, 'alt_text') : undefined;
      const altText = typeof alt === 'object' && alt !== null ? Reflect.get(alt, 'text') : undefined;
      if (!upload) return invalid('Your media IDs are invalid.', headers);
      if (typeof altText !== 'string' || [...altText].length > ALT_TEXT_MAX)
        return invalid('alt_text is invalid', headers);
      upload.altText = altText;
      return {
        status: 200,
        body: { data: { id: upload.id, associated_metadata: { alt_text: { text: altText } } } },
        headers,
      };
    }
    return { status: 404, body: problem(404, 'Not Found Error', `No route for POST ${path}`), headers };
  }

  function mediaData(upload: FakeUpload): object {
    return { id: upload.id, media_key: `3_${upload.id}`, expires_after_secs: 86_400 };
  }

  const server = await startFakeServer(
    {
      route,
      isPublish: (request) => request.method === 'POST' && request.url.pathname === '/2/tweets',
      rateLimited: (_request, resetAt) =>
        tooManyRequests({
          'x-rate-limit-limit': String(postWindow.limit),
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': String(Math.ceil(resetAt.getTime() / 1000)),
        }),
      serverErrorBody: (status) =>
        problem(status, SERVER_ERROR_TITLES[status] ?? 'Server Error', 'Please try again later.'),
    },
    now,
  );
  return {
    url: server.url,
    credentials,
    userId: USER.id,
    posts: () => posts.map((post) => ({ ...post, media: post.media.map((item) => ({ ...item })) })),
    deletions: () => deletions.map((item) => ({ ...item })),
    deleteOutside(id) {
      const at = posts.findIndex((post) => post.id === id);
      if (at >= 0) posts.splice(at, 1);
    },
    requests: server.requests,
    setFault: server.setFault,
    close: server.close,
  };
}

/**
 * A post as POST /2/tweets answers it. X wraps every link in t.co, so the text it returns is not
 * the text sent (https://docs.x.com/fundamentals/counting-characters).
 */
function render(post: FakeTweet): { id: string; text: string; edit_history_tweet_ids: string[] } {
  let links = 0;
  const text = post.text.replace(/https?:\/\/[^\s]+/g, () => {
    links += 1;
    return `https://t.co/${post.id.slice(-6)}${String(links).padStart(4, '0')}`;
  });
  return { id: post.id, text, edit_history_tweet_ids: [post.id] };
}

/** The v2 partial-error problem for a post that is not there. */
function notFound(id: string): object {
  return {
    value: id,
    detail: `Could not find tweet with id: [${id}].`,
    title: 'Not Found Error',
    resource_type: 'tweet',
    parameter: 'id',
    resource_id: id,
    type: 'https://api.twitter.com/2/problems/resource-not-found',
  };
}

/**
 * A post with the tweet.fields asked for: created_at, and entities.urls where each t.co link
 * in `text` maps back to the link as posted (`expanded_url`) with its place in the text
 * (https://docs.x.com/x-api/fundamentals/data-dictionary#tweet).
 */
function withFields(post: FakeTweet, url: URL): { id: string } & Record<string, unknown> {
  const fields = new Set((url.searchParams.get('tweet.fields') ?? '').split(',').filter(Boolean));
  const rendered = render(post);
  const extra: Record<string, unknown> = {};
  if (fields.has('created_at')) extra.created_at = post.createdAt.toISOString();
  if (fields.has('referenced_tweets') && post.replyTo) extra.referenced_tweets = [{ type: 'replied_to', id: post.replyTo }];
  if (fields.has('entities')) {
    const originals = post.text.match(/https?:\/\/[^\s]+/g) ?? [];
    const shortened = rendered.text.match(/https:\/\/t\.co\/[^\s]+/g) ?? [];
    const urls = shortened.map((short, index) => {
      const start = [...rendered.text.slice(0, rendered.text.indexOf(short))].length;
      const expanded = originals[index] ?? short;
      return { start, end: start + short.length, url: short, expanded_url: expanded, display_url: expanded.replace(/^https?:\/\//, '').slice(0, 26) };
    });
    if (urls.length) extra.entities = { urls };
  }
  return { ...rendered, ...extra };
}

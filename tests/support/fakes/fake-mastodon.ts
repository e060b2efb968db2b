import {
  FAKE_ACCOUNT,
  countStatusCharacters,
  mastodonTime,
  renderAccount,
  renderInstance,
  renderMedia,
  renderStatus,
  type FakeMedia,
  type FakeStatus,
} from './fake-mastodon-entities.js';
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
export type { FakeStatus } from './fake-mastodon-entities.js';

export interface FakeMastodonOptions {
  /** The only access token accepted. Default 'fake-mastodon-token'. */
  token?: string;
  /** The fake's clock: idempotency and rate-limit windows run on it. Default real time. */
  now?: () => Date;
  /** configuration.statuses in /api/v2/instance. Defaults 500 and 23, Mastodon's own. */
  maxCharacters?: number;
  charactersReservedPerUrl?: number;
  /** Statuses per account per window. Default 300 per 3 h (Mastodon's RateLimiter :statuses). */
  statusLimit?: { limit: number; windowMs: number };
  /** Requests per token per window. Default 300 per 5 min (rack-attack throttle_authenticated_api). */
  apiLimit?: { limit: number; windowMs: number };
  /** How long an Idempotency-Key is remembered. Default 1 h; 0 ignores the key, like GoToSocial. */
  idempotencyTtlMs?: number;
  /** How many GET /api/v1/media/:id answer 206 before an upload is processed. Default 0. */
  mediaProcessingPolls?: number;
}

export interface FakeMastodon {
  url: string;
  token: string;
  /** The account id, for GET /api/v1/accounts/:id/statuses. */
  accountId: string;
  /** Every status on the account, oldest first (deleted ones are gone, as on Mastodon). */
  statuses(): FakeStatus[];
  /** Every DELETE that removed a status, in order: a status deleted twice would show twice. */
  deletions(): { id: string; at: Date }[];
  /** Deletes a status as a person (or a moderator) would, outside the API. */
  deleteOutside(id: string): void;
  requests(): number;
  setFault(fault: FakeFault | undefined): void;
  close(): Promise<void>;
}

const HOUR_MS = 60 * 60 * 1000;

/**
 * A Mastodon server for one account, speaking the documented REST API over loopback HTTP
 * (https://docs.joinmastodon.org/methods/statuses/#create and neighbours), with Mastodon's
 * Idempotency-Key memory and rate limits.
 */
export async function startFakeMastodon(options: FakeMastodonOptions = {}): Promise<FakeMastodon> {
  const now = options.now ?? (() => new Date());
  const token = options.token ?? 'fake-mastodon-token';
  const maxCharacters = options.maxCharacters ?? 500;
  const reservedPerUrl = options.charactersReservedPerUrl ?? 23;
  const idempotencyTtlMs = options.idempotencyTtlMs ?? HOUR_MS;
  const statusLimit = options.statusLimit ?? { limit: 300, windowMs: 3 * HOUR_MS };
  const apiLimit = options.apiLimit ?? { limit: 300, windowMs: 5 * 60 * 1000 };
  const statusWindow = rateWindow(statusLimit.limit, statusLimit.windowMs, now);
  const apiWindow = rateWindow(apiLimit.limit, apiLimit.windowMs, now);
  const statuses: FakeStatus[] = [];
  const deletions: { id: string; at: Date }[] = [];
  const media = new Map<string, FakeMedia>();
  const idempotency = new Map<string, { statusId: string; at: number }>();
  let sequence = 0n;
  let base = '';

  function nextId(): string {
    sequence += 1n;
    return String(113000000000000000n + sequence);
  }

  /** X-RateLimit-* on every answer (https://docs.joinmastodon.org/api/rate-limits/). */
  function json(status: number, body: unknown, window: RateWindow = apiWindow): Reply {
    const headers = {
      'x-ratelimit-limit': String(window.limit),
      'x-ratelimit-remaining': String(window.remaining()),
      'x-ratelimit-reset': mastodonTime(window.resetAt()),
    };
    return { status, body, headers };
  }

  function error(status: number, message: string, window?: RateWindow): Reply {
    // Mastodon's Error entity (https://docs.joinmastodon.org/entities/Error/).
    return json(status, { error: message }, window);
  }

  function status(item: FakeStatus): object {
    return renderStatus(item, base, statuses.length);
  }

  async function route(request: FakeRequest): Promise<Reply> {
    const { method, url } = request;
    const path = url.pathname;
    if (method === 'GET' && path === '/api/v2/instance') {
      return json(200, renderInstance(base, maxCharacters, reservedPerUrl));
    }
    const authorization = request.headers.authorization;
    const authorized = authorization === `Bearer ${token}`;
    // A wrong token is refused even where anonymous access is allowed, as Doorkeeper does.
    if (authorization !== undefined && !authorized) return error(401, 'The access token is invalid');
    if (!apiWindow.take()) return error(429, 'Too many requests');
    const accountStatuses = /^\/api\/v1\/accounts\/([^/]+)\/statuses$/.exec(path);
    if (method === 'GET' && accountStatuses) return listStatuses(accountStatuses[1] ?? '', url, authorized);
    if (!authorized) return error(401, 'The access token is invalid');
    if (method === 'GET' && path === '/api/v1/accounts/verify_credentials') {
      const source = { privacy: 'public', sensitive: false, language: null, note: '' };
      return json(200, { ...renderAccount(base, statuses.length), source });
    }
    if (method === 'POST' && path === '/api/v1/statuses') return createStatus(request);
    const single = /^\/api\/v1\/statuses\/([^/]+)(\/history)?$/.exec(path);
    if (single) {
      const [, id = '', history] = single;
      if (method === 'GET' && history) return statusHistory(id);
      if (method === 'GET') return showStatus(id);
      if (method === 'DELETE' && !history) return deleteStatus(id);
      if (method === 'PUT' && !history) return editStatus(id, request);
    }
    if (method === 'POST' && path === '/api/v2/media') return uploadMedia(request);
    const mediaPath = /^\/api\/v1\/media\/([^/]+)$/.exec(path);
    if (method === 'GET' && mediaPath) return showMedia(mediaPath[1] ?? '');
    return error(404, 'Record not found');
  }

  /** https://docs.joinmastodon.org/methods/statuses/#create */
  async function createStatus(request: FakeRequest): Promise<Reply> {
    const rawKey = request.headers['idempotency-key'];
    const key = idempotencyTtlMs > 0 ? (Array.isArray(rawKey) ? rawKey[0] : rawKey) : undefined;
    if (key !== undefined) {
      // Checked first, like PostStatusService: a replay within the hour answers the status the
      // first request created, whatever this body says, and creates nothing.
      const seen = idempotency.get(`${FAKE_ACCOUNT.id}:${key}`);
      const earlier =
        seen && now().getTime() - seen.at < idempotencyTtlMs
          ? statuses.find((item) => item.id === seen.statusId)
          : undefined;
      if (earlier) return json(200, status(earlier), statusWindow);
    }
    const fields = parseFields(request);
    if (!fields) return error(422, 'Validation failed: unreadable request body', statusWindow);
    const text = stringField(fields, 'status') ?? '';
    const spoilerText = stringField(fields, 'spoiler_text') ?? '';
    const mediaIds = stringList(fields.media_ids);
    if (text.trim() === '' && mediaIds.length === 0) {
      return error(422, "Validation failed: Text can't be blank", statusWindow);
    }
    if (countStatusCharacters(text, spoilerText, reservedPerUrl) > maxCharacters) {
      return error(422, `Validation failed: Text character limit of ${maxCharacters} exceeded`, statusWindow);
    }
    const inReplyToId = stringField(fields, 'in_reply_to_id');
    if (inReplyToId !== undefined && !statuses.some((item) => item.id === inReplyToId)) {
      // StatusesController#set_thread: an in_reply_to_id that is not found (deleted, never
      // there) is a 404 (https://github.com/mastodon/mastodon/blob/main/app/controllers/api/v1/statuses_controller.rb).
      return error(404, 'The post you are trying to reply to does not appear to exist.', statusWindow);
    }
    const attached = mediaIds.flatMap((id) => media.get(id) ?? []);
    if (attached.length !== mediaIds.length) {
      return error(422, 'Validation failed: unknown media attachment', statusWindow);
    }
    if (attached.some((item) => item.pollsLeft > 0)) {
      return error(422, 'Cannot attach files that have not finished processing. Try again in a moment!', statusWindow);
    }
    // Only a created status counts against the statuses limit (a rate limit on Status creation).
    if (!statusWindow.take()) return error(429, 'Too many requests', statusWindow);
    const id = nextId();
    const created: FakeStatus = {
      id,
      createdAt: now(),
      text,
      visibility: stringField(fields, 'visibility') ?? 'public',
      language: stringField(fields, 'language'),
      spoilerText,
      media: attached.map((item) => ({ id: item.id, description: item.description })),
      idempotencyKey: key,
      url: `${base}/@${FAKE_ACCOUNT.username}/${id}`,
      ...(inReplyToId === undefined ? {} : { inReplyToId }),
    };
    statuses.push(created);
    if (key !== undefined) idempotency.set(`${FAKE_ACCOUNT.id}:${key}`, { statusId: id, at: now().getTime() });
    return json(200, status(created), statusWindow);
  }

  /** https://docs.joinmastodon.org/methods/statuses/#get: 404 Record not found once deleted. */
  function showStatus(id: string): Reply {
    const item = statuses.find((entry) => entry.id === id);
    return item ? json(200, status(item)) : error(404, 'Record not found');
  }

  /**
   * https://docs.joinmastodon.org/methods/statuses/#delete: the deleted status with its source
   * `text` (for "delete and redraft"); a status that is not there is 404 Record not found.
   */
  function deleteStatus(id: string): Reply {
    const at = statuses.findIndex((entry) => entry.id === id);
    const item = statuses[at];
    if (!item) return error(404, 'Record not found');
    statuses.splice(at, 1);
    deletions.push({ id, at: now() });
    return json(200, { ...status(item), text: item.text });
  }

  /**
   * https://docs.joinmastodon.org/methods/statuses/#edit: PUT with the new `status` text; the
   * earlier versions stay visible through GET /api/v1/statuses/:id/history. As in Mastodon, the
   * controller passes every field (absent ones as nil) and UpdateStatusService applies them all:
   * a PUT without spoiler_text clears the content warning and one without media_ids drops the
   * media (app/controllers/api/v1/statuses_controller.rb#update, app/services/update_status_service.rb).
   * An edit that changes nothing is no new version (NoChangesSubmittedError, swallowed).
   */
  function editStatus(id: string, request: FakeRequest): Reply {
    const item = statuses.find((entry) => entry.id === id);
    if (!item) return error(404, 'Record not found');
    const fields = parseFields(request);
    const text = fields ? stringField(fields, 'status') : undefined;
    if (!fields || text === undefined || text.trim() === '') return error(422, "Validation failed: Text can't be blank");
    const spoilerText = stringField(fields, 'spoiler_text') ?? '';
    if (countStatusCharacters(text, spoilerText, reservedPerUrl) > maxCharacters) {
      return error(422, `Validation failed: Text character limit of ${maxCharacters} exceeded`);
    }
    const mediaIds = stringList(fields.media_ids);
    const kept = item.media.filter((entry) => mediaIds.includes(entry.id));
    const changed = text !== item.text || spoilerText !== item.spoilerText || kept.length !== item.media.length;
    if (!changed) return json(200, status(item));
    item.history = [...(item.history ?? [{ text: item.text, at: item.createdAt }])];
    item.text = text;
    item.spoilerText = spoilerText;
    item.media = kept;
    item.editedAt = now();
    item.history.push({ text, at: item.editedAt });
    return json(200, status(item));
  }

  /** https://docs.joinmastodon.org/methods/statuses/#history: every version, oldest first. */
  function statusHistory(id: string): Reply {
    const item = statuses.find((entry) => entry.id === id);
    if (!item) return error(404, 'Record not found');
    const versions = item.history ?? [{ text: item.text, at: item.createdAt }];
    return json(
      200,
      versions.map((version) => ({ content: version.text, created_at: version.at.toISOString(), spoiler_text: item.spoilerText })),
    );
  }

  /** https://docs.joinmastodon.org/methods/accounts/#statuses: newest first, at most 40. */
  function listStatuses(accountId: string, url: URL, authorized: boolean): Reply {
    if (accountId !== FAKE_ACCOUNT.id) return error(404, 'Record not found');
    const limit = Math.min(40, Math.max(1, Number(url.searchParams.get('limit') ?? 20) || 20));
    const maxId = url.searchParams.get('max_id');
    const sinceId = url.searchParams.get('since_id') ?? url.searchParams.get('min_id');
    const visible = statuses
      .filter((item) => authorized || item.visibility === 'public' || item.visibility === 'unlisted')
      .filter((item) => maxId === null || BigInt(item.id) < BigInt(maxId))
      .filter((item) => sinceId === null || BigInt(item.id) > BigInt(sinceId))
      .reverse()
      .slice(0, limit);
    return json(200, visible.map(status));
  }

  /** https://docs.joinmastodon.org/methods/media/#v2: 200 when processed, 202 while not. */
  async function uploadMedia(request: FakeRequest): Promise<Reply> {
    const fields = parseFields(request);
    const file = fields?.file;
    if (!fields || !(file instanceof Blob)) return error(422, 'Validation failed: File must be present');
    if (!file.type.startsWith('image/')) return error(422, 'Validation failed: File content type is invalid');
    const item: FakeMedia = {
      id: nextId(),
      description: stringField(fields, 'description') ?? null,
      pollsLeft: options.mediaProcessingPolls ?? 0,
    };
    media.set(item.id, item);
    return json(item.pollsLeft > 0 ? 202 : 200, renderMedia(item, base));
  }

  /** https://docs.joinmastodon.org/methods/media/#get: 206 until processed. */
  function showMedia(id: string): Reply {
    const item = media.get(id);
    if (!item) return error(404, 'Record not found');
    if (item.pollsLeft > 0) {
      item.pollsLeft -= 1;
      return json(206, renderMedia({ ...item, pollsLeft: 1 }, base));
    }
    return json(200, renderMedia(item, base));
  }

  const server = await startFakeServer(
    {
      route,
      isPublish: (request) => request.method === 'POST' && request.url.pathname === '/api/v1/statuses',
      rateLimited: (_request, resetAt) => ({
        status: 429,
        body: { error: 'Too many requests' },
        headers: {
          'x-ratelimit-limit': String(statusWindow.limit),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': mastodonTime(resetAt),
        },
      }),
      serverErrorBody: () => ({ error: 'We are sorry, but something went wrong on our end.' }),
    },
    now,
  );
  base = server.url;
  return {
    url: server.url,
    token,
    accountId: FAKE_ACCOUNT.id,
    statuses: () => statuses.map((item) => ({ ...item, media: item.media.map((entry) => ({ ...entry })) })),
    deletions: () => deletions.map((item) => ({ ...item })),
    deleteOutside(id) {
      const at = statuses.findIndex((item) => item.id === id);
      if (at >= 0) statuses.splice(at, 1);
    },
    requests: server.requests,
    setFault: server.setFault,
    close: server.close,
  };
}

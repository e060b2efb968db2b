import type { IncomingMessage, ServerResponse } from 'node:http';
import { startServer } from './http-server.js';
import { postJson, rssFeed, type FakePost, type FakeSite } from './fake-wordpress-content.js';

export type { FakeMedia, FakePost, FakeSite, FakeTerm, FakeUser } from './fake-wordpress-content.js';

/**
 * How the REST API answers:
 * - `open`: the core REST API as shipped;
 * - `login-required`: a plugin demands authentication for every request (401 rest_not_logged_in);
 * - `disabled`: the web server or a security plugin blocks /wp-json/ (404 page, not WordPress JSON).
 */
export type RestMode = 'open' | 'login-required' | 'disabled';

export interface FakeRequest {
  path: string;
  query: URLSearchParams;
  authorization?: string | undefined;
}

export interface FakeWordPress {
  /** Where the fake listens: http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  site: FakeSite;
  /** The site's clock: the Date header of every answer. */
  now: Date;
  mode: RestMode;
  /** Application passwords by user login (WordPress ≥ 5.6); spaces are ignored, as WordPress does. */
  appPasswords: Map<string, string>;
  requests: FakeRequest[];
  restRequests(): FakeRequest[];
  feedRequests(): FakeRequest[];
  close(): Promise<void>;
}

const ORDERBY = new Set(['author', 'date', 'id', 'include', 'modified', 'parent', 'relevance', 'slug', 'include_slugs', 'title']);

/**
 * A loopback WordPress serving /wp-json/wp/v2/<type> and /feed/ from `site`, following the
 * documented list arguments (https://developer.wordpress.org/rest-api/reference/posts/#arguments),
 * pagination headers (https://developer.wordpress.org/rest-api/using-the-rest-api/pagination/)
 * and Basic authentication with application passwords.
 */
export async function startFakeWordPress(site: FakeSite, now: Date): Promise<FakeWordPress> {
  const fake: Omit<FakeWordPress, 'url' | 'close'> = {
    site,
    now,
    mode: 'open',
    appPasswords: new Map(),
    requests: [],
    restRequests: () => fake.requests.filter((r) => r.path.startsWith('/wp-json/')),
    feedRequests: () => fake.requests.filter((r) => r.path === '/feed/'),
  };
  const server = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    fake.requests.push({ path: url.pathname, query: url.searchParams, authorization: req.headers.authorization });
    res.setHeader('date', fake.now.toUTCString());
    if (url.pathname === '/feed/') {
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=UTF-8' }).end(rssFeed(site));
      return;
    }
    const route = /^\/wp-json\/wp\/v2\/([A-Za-z0-9_-]+)(?:\/(\d+))?$/.exec(url.pathname);
    if (!url.pathname.startsWith('/wp-json/') || fake.mode === 'disabled') {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>');
      return;
    }
    const user = authenticate(req, fake.appPasswords);
    if (user === 'invalid') return wpError(res, 401, 'incorrect_password', 'The provided password is an invalid application password.');
    if (user === undefined && fake.mode === 'login-required') {
      return wpError(res, 401, 'rest_not_logged_in', 'You are not currently logged in.');
    }
    const type = route?.[1];
    if (type === undefined || !['posts', 'pages', ...site.posts.map((p) => p.type)].includes(type)) {
      return wpError(res, 404, 'rest_no_route', 'No route was found matching the URL and request method.');
    }
    if (route?.[2] !== undefined) return getPost(fake, type, Number(route[2]), url.searchParams, user !== undefined, res, `${server.url}/wp-json`);
    listPosts(fake, type, url.searchParams, user !== undefined, res, `${server.url}/wp-json`);
  });
  return Object.assign(fake, { url: server.url, close: () => server.close() });
}

function listPosts(
  fake: Omit<FakeWordPress, 'url' | 'close'>,
  type: string,
  query: URLSearchParams,
  loggedIn: boolean,
  res: ServerResponse,
  apiBase: string,
): void {
  const perPage = Number(query.get('per_page') ?? 10);
  const page = Number(query.get('page') ?? 1);
  const orderby = query.get('orderby') ?? 'date';
  const order = query.get('order') ?? 'desc';
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100) return invalidParam(res, 'per_page');
  if (!ORDERBY.has(orderby)) return invalidParam(res, 'orderby');
  const statuses = (query.get('status') ?? 'publish').split(',');
  // Anything but published posts needs a user who may read it (sanitize_post_statuses).
  if (statuses.some((s) => s !== 'publish') && !loggedIn) {
    return wpError(res, 401, 'rest_forbidden_status', 'Status is forbidden.');
  }
  const include = query.has('include') ? (query.get('include') ?? '').split(',').map(Number) : undefined;
  if (include?.some((id) => !Number.isInteger(id) || id < 1)) return invalidParam(res, 'include');
  const after = dateParam(query.get('after'));
  const modifiedAfter = dateParam(query.get('modified_after'));
  if (after === null) return invalidParam(res, 'after');
  if (modifiedAfter === null) return invalidParam(res, 'modified_after');

  const key = (p: FakePost) => (orderby === 'modified' ? p.modifiedGmt.getTime() : orderby === 'id' ? p.id : p.dateGmt.getTime());
  const matching = fake.site.posts
    .filter((p) => p.type === type && statuses.includes(p.status))
    .filter((p) => include === undefined || include.includes(p.id))
    .filter((p) => after === undefined || p.dateGmt > after)
    .filter((p) => modifiedAfter === undefined || p.modifiedGmt > modifiedAfter)
    .sort((a, b) => (order === 'asc' ? 1 : -1) * (key(a) - key(b) || a.id - b.id));
  const totalPages = Math.ceil(matching.length / perPage);
  if (page > totalPages && matching.length > 0) {
    return wpError(res, 400, 'rest_post_invalid_page_number', 'The page number requested is larger than the number of pages available.');
  }
  const body = matching.slice((page - 1) * perPage, page * perPage).map((p) => shaped(fake, p, query, apiBase));
  res
    .writeHead(200, {
      'content-type': 'application/json; charset=UTF-8',
      'x-wp-total': String(matching.length),
      'x-wp-totalpages': String(totalPages),
    })
    .end(JSON.stringify(body));
}

/**
 * One post, GET /wp/v2/<type>/<id>: 404 rest_post_invalid_id when there is none (deleted for
 * good); a post that is not published (trash, draft, private, future) only for a user who may
 * edit it, else 401 rest_forbidden (WP_REST_Posts_Controller::get_item_permissions_check).
 */
function getPost(
  fake: Omit<FakeWordPress, 'url' | 'close'>,
  type: string,
  id: number,
  query: URLSearchParams,
  loggedIn: boolean,
  res: ServerResponse,
  apiBase: string,
): void {
  const post = fake.site.posts.find((p) => p.type === type && p.id === id);
  if (!post) return wpError(res, 404, 'rest_post_invalid_id', 'Invalid post ID.');
  if (post.status !== 'publish' && !loggedIn) return wpError(res, 401, 'rest_forbidden', 'Sorry, you are not allowed to do that.');
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(shaped(fake, post, query, apiBase)));
}

/**
 * A post as the query shapes it: `_embed` inlines the embeddable links; `_fields` keeps only the
 * named top-level fields (or one level nested, `content.protected`), and `_links`/`_embedded`
 * only when named (https://developer.wordpress.org/rest-api/using-the-rest-api/global-parameters/#_fields).
 */
function shaped(fake: Omit<FakeWordPress, 'url' | 'close'>, post: FakePost, query: URLSearchParams, apiBase: string): Record<string, unknown> {
  const fields = query.has('_fields') ? (query.get('_fields') ?? '').split(',').map((f) => f.trim()) : undefined;
  const embed = query.has('_embed') && (fields === undefined || fields.includes('_links') || fields.includes('_embedded'));
  const json = postJson(fake.site, post, apiBase, embed);
  if (fields === undefined) return json;
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const [top, nested] = field.split('.');
    if (top === undefined || !(top in json)) continue;
    const value = json[top];
    if (nested === undefined) out[top] = value;
    else if (typeof value === 'object' && value !== null && nested in value) {
      const previous = out[top];
      const kept = typeof previous === 'object' && previous !== null ? previous : {};
      out[top] = { ...kept, [nested]: new Map(Object.entries(value)).get(nested) };
    }
  }
  return out;
}

/**
 * WP-cron publishing a scheduled post, late or not: wp_publish_post flips post_status and
 * nothing else, so `date_gmt` stays the scheduled time and `modified_gmt` the last edit before it
 * (https://developer.wordpress.org/reference/functions/wp_publish_post/).
 */
export function cronPublish(site: FakeSite, id: number): void {
  const post = site.posts.find((p) => p.id === id);
  if (post?.status !== 'future') throw new Error(`post ${id} is not scheduled`);
  post.status = 'publish';
}

/**
 * A post created already published (importers, wire-copy plugins, REST clients, a back-dated
 * story): wp_insert_post sets post_modified to post_date on insert, so both can lie in the past.
 * Ids grow with every insert (AUTO_INCREMENT).
 */
export function insertPublished(site: FakeSite, post: Omit<FakePost, 'id' | 'modifiedGmt' | 'status'>): FakePost {
  const id = Math.max(0, ...site.posts.map((p) => p.id)) + 1;
  const inserted: FakePost = { ...post, id, status: 'publish', modifiedGmt: post.dateGmt };
  site.posts.push(inserted);
  return inserted;
}

/** RFC 3339 like rest_parse_date; a time without a zone is the site's local time (unused here). */
function dateParam(value: string | null): Date | undefined | null {
  if (value === null) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}(?::\d{2})?)$/.test(value)) return null;
  return new Date(value);
}

function authenticate(req: IncomingMessage, passwords: Map<string, string>): string | 'invalid' | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
  if (!match?.[1]) return 'invalid';
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const login = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1).replace(/\s/g, '');
  const expected = passwords.get(login)?.replace(/\s/g, '');
  return colon > 0 && expected !== undefined && expected === password ? login : 'invalid';
}

function invalidParam(res: ServerResponse, name: string): void {
  wpError(res, 400, 'rest_invalid_param', `Invalid parameter(s): ${name}`);
}

function wpError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify({ code, message, data: { status } }));
}

import { ApiResponseError, type TwitterApiv2 } from 'twitter-api-v2';
import type { AdapterDeps, OwnPost, PostedRef, ReadBack } from '../contract.js';
import { PublishError } from '../errors.js';
import { repeatable } from '../repeatable.js';
import { mapXError } from './errors.js';

/** channelState key caching the account's numeric user id (from GET /2/users/me). */
export const USER_ID_KEY = 'x-user-id';

/**
 * X v2 reports a post that is not there (deleted, or never existed) not as a 404 but as a 200
 * whose body has no `data` and an `errors` array of problems titled "Not Found Error", type
 * https://api.twitter.com/2/problems/resource-not-found
 * (https://gist.github.com/semifor/22e04b7dbe6e9ed16eabea7bfd6c5d37,
 * https://github.com/HunterLarco/twitter-v2/issues/33). A post of a suspended or protected
 * account comes back the same way as "Authorization Error" (not-authorized-for-resource).
 */
const GONE_PROBLEMS: ReadonlySet<string> = new Set([
  'https://api.twitter.com/2/problems/resource-not-found',
  'https://api.twitter.com/2/problems/not-authorized-for-resource',
]);

interface XProblem {
  title?: string;
  detail?: string;
  type?: string;
}

/** X's posts endpoints answer at most 100 posts per page (https://docs.x.com/x-api/posts/get-posts-by-user). */
const TIMELINE_PAGE = 100;

export interface XFollowUps {
  remove(post: PostedRef, signal?: AbortSignal): Promise<'deleted' | 'already-gone'>;
  readBack(post: PostedRef, signal?: AbortSignal): Promise<ReadBack>;
  recentPosts(since: Date, signal?: AbortSignal): Promise<OwnPost[]>;
}

/**
 * Deleting, reading back and listing the account's posts. All of them are safe to repeat, so
 * an answer that does not say what happened is `transient` (repeatable.ts), never unknown.
 * `call` is the adapter's abortable wrapper; `userId` gives the account's id.
 */
export function xFollowUps(
  v2: TwitterApiv2,
  deps: AdapterDeps,
  call: <T>(promise: Promise<T>, signal: AbortSignal | undefined) => Promise<T>,
  userId: (signal?: AbortSignal) => Promise<string>,
): XFollowUps {
  const fail = (error: unknown): PublishError => repeatable(mapXError(error, deps.now()));

  return {
    /**
     * DELETE /2/tweets/:id answers `{ data: { deleted: true } }`
     * (https://docs.x.com/x-api/posts/delete-post). A post already gone is read as gone however X
     * words it: a 404, a `resource-not-found` problem, or `deleted: false`.
     */
    async remove(post, signal) {
      let body: { data?: { deleted?: unknown }; errors?: XProblem[] };
      try {
        body = await call(v2.delete('tweets/:id', undefined, { params: { id: post.remoteId } }), signal);
      } catch (error) {
        if (error instanceof ApiResponseError && error.code === 404) return 'already-gone';
        throw fail(error);
      }
      if (body.data?.deleted === true) return 'deleted';
      if (body.data?.deleted === false || goneProblem(body.errors)) return 'already-gone';
      throw new PublishError('transient', `X answered the deletion of ${post.remoteId} without saying whether it was deleted`);
    },

    /** GET /2/tweets/:id (https://docs.x.com/x-api/posts/get-post-by-id); X bills each read. */
    async readBack(post, signal) {
      let body: { data?: { id?: unknown }; errors?: XProblem[] };
      try {
        body = await call(v2.get('tweets/:id', { 'tweet.fields': 'id' }, { params: { id: post.remoteId } }), signal);
      } catch (error) {
        if (error instanceof ApiResponseError && error.code === 404) return { found: false, reason: 'X answered 404' };
        throw fail(error);
      }
      if (body.data?.id === post.remoteId) return { found: true };
      const gone = goneProblem(body.errors);
      if (gone) return { found: false, reason: `X: ${gone.detail ?? gone.title ?? 'not found'}` };
      throw new PublishError('transient', `X answered the lookup of ${post.remoteId} with neither the post nor a reason`);
    },

    /**
     * GET /2/users/:id/tweets with start_time (https://docs.x.com/x-api/posts/get-posts-by-user),
     * newest first. X answers t.co links in `text`; `entities.urls[].expanded_url` is the link as
     * posted, so it is put back in the text and listed in `links` for a matcher.
     */
    async recentPosts(since, signal) {
      const id = await userId(signal);
      const query = {
        // X takes seconds precision (YYYY-MM-DDTHH:mm:ssZ); rounding down keeps `since` itself.
        start_time: new Date(Math.floor(since.getTime() / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        max_results: TIMELINE_PAGE,
        'tweet.fields': 'created_at,entities,referenced_tweets',
      };
      let body: { data?: TimelinePost[] };
      try {
        body = await call(v2.get('users/:id/tweets', query, { params: { id } }), signal);
      } catch (error) {
        throw fail(error);
      }
      return (body.data ?? []).map(ownPost);
    },
  };
}

interface TimelinePost {
  id: string;
  text: string;
  created_at?: string;
  entities?: { urls?: { url?: string; expanded_url?: string }[] };
  referenced_tweets?: { type?: string; id?: string }[];
}

function ownPost(item: TimelinePost): OwnPost {
  const urls = (item.entities?.urls ?? []).filter(
    (url): url is { url: string; expanded_url: string } => typeof url.url === 'string' && typeof url.expanded_url === 'string',
  );
  let text = item.text;
  for (const url of urls) text = text.split(url.url).join(url.expanded_url);
  const replyTo = item.referenced_tweets?.find((ref) => ref.type === 'replied_to')?.id;
  const created = item.created_at === undefined ? Number.NaN : Date.parse(item.created_at);
  return {
    remoteId: item.id,
    url: `https://x.com/i/web/status/${item.id}`,
    text,
    links: urls.map((url) => url.expanded_url),
    ...(Number.isNaN(created) ? {} : { createdAt: new Date(created) }),
    ...(replyTo === undefined ? {} : { replyTo }),
  };
}

function goneProblem(errors: XProblem[] | undefined): XProblem | undefined {
  return errors?.find((problem) => typeof problem.type === 'string' && GONE_PROBLEMS.has(problem.type));
}

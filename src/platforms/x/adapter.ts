import { globalAgent as httpGlobalAgent } from 'node:http';
import { TwitterApi, type ITwitterApiClientPlugin, type SendTweetV2Params } from 'twitter-api-v2';
import type { AccountInfo, AdapterDeps, OutboundPost, PlatformAdapter, Receipt } from '../contract.js';
import { PublishError } from '../errors.js';
import { articleImage, untrustedDispatcher } from '../fetch-image.js';
import type { XChannel } from './channel.js';
import { xAccount } from './account.js';
import { mapXError } from './errors.js';
import { xFollowUps } from './follow-ups.js';
import { uploadXImage } from './media.js';

export interface XAdapterOptions {
  /** Per HTTP request; twitter-api-v2 has no default and would wait forever. Default 30 000. */
  requestTimeoutMs?: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Posts to X with OAuth 1.0a user tokens (they never expire, so nothing is refreshed or stored).
 * X has no idempotency key: every failure that may have reached X is an unknown outcome, and
 * the worker must not resend it blindly (see errors.ts and isXDuplicate).
 */
export function createXAdapter(channel: XChannel, deps: AdapterDeps, options: XAdapterOptions = {}): PlatformAdapter {
  const credentials = requireCredentials(channel);
  const plugins = [requestTimeoutPlugin(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS)];
  if (channel.apiBaseUrl !== undefined) plugins.push(apiBaseUrlPlugin(new URL(channel.apiBaseUrl)));
  const client = new TwitterApi(credentials, { plugins });
  const v2 = client.v2;
  const logger = deps.logger.child({ platform: 'x' });
  const images = untrustedDispatcher(deps);
  const account = xAccount(v2, deps, abortable, credentials.accessToken);
  const followUps = xFollowUps(v2, deps, abortable, account.userId);

  return {
    ...followUps,

    async verify(signal?: AbortSignal): Promise<AccountInfo> {
      return account.verify(signal);
    },

    async publish(post: OutboundPost, signal?: AbortSignal): Promise<Receipt> {
      const log = logger.child({ delivery: post.deliveryId });
      const mediaId = await attachableImage(post, log, signal);
      const payload: SendTweetV2Params = { text: post.text };
      if (mediaId !== undefined) payload.media = { media_ids: [mediaId] };
      // A correction goes under the article's post (https://docs.x.com/x-api/posts/create-post).
      if (post.replyTo) payload.reply = { in_reply_to_tweet_id: post.replyTo.remoteId };
      if (signal?.aborted) {
        throw new PublishError('transient', 'cancelled before the post was sent to X', { cause: signal.reason });
      }
      let id: unknown;
      try {
        const result = await abortable(v2.tweet(payload), signal);
        id = result.data?.id;
      } catch (error) {
        throw mapXError(error, deps.now());
      }
      if (typeof id !== 'string' || id === '') {
        // A 2xx without a post id (a proxy page, a changed API): the post may exist.
        throw new PublishError('unknown-outcome', 'X answered without a post id; the post may have gone out');
      }
      return { remoteId: id, url: `https://x.com/i/web/status/${id}` };
    },
  };

  async function attachableImage(
    post: OutboundPost,
    log: AdapterDeps['logger'],
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    const found = await articleImage(post, channel, log, signal, images());
    if (!found) return undefined;
    return uploadXImage(v2, found.image, found.alt, log);
  }
}

function requireCredentials(channel: XChannel): {
  appKey: string;
  appSecret: string;
  accessToken: string;
  accessSecret: string;
} {
  const { appKey, appSecret, accessToken, accessSecret } = channel.credentials ?? {};
  if (!appKey || !appSecret || !accessToken || !accessSecret) {
    // Config validation requires all four unless dryRun; reaching here is a wiring bug.
    throw new Error(`channel ${channel.id}: X needs appKey, appSecret, accessToken and accessSecret`);
  }
  return { appKey, appSecret, accessToken, accessSecret };
}

/**
 * twitter-api-v2 only times out a request when `timeout` is passed per call, which helpers such
 * as tweet() and uploadMedia() do not expose; a plugin sets it on every request instead. A
 * timed-out request surfaces as an ApiRequestError ("Request timeout.") → unknown outcome.
 */
function requestTimeoutPlugin(timeoutMs: number): ITwitterApiClientPlugin {
  return {
    onBeforeRequestConfig({ params }) {
      params.timeout ??= timeoutMs;
    },
  };
}

/** The hosts twitter-api-v2 1.29.1 hard-codes (dist/esm/globals.js); no setting changes them. */
const X_API_HOSTS: ReadonlySet<string> = new Set(['api.x.com', 'upload.x.com']);

/**
 * Sends what twitter-api-v2 addresses to api.x.com / upload.x.com to `base` instead (an API
 * proxy, or a fake X in tests). The rewrite happens in onBeforeRequest, after the library has
 * built the request, so the body type (it picks JSON by the /2/ path) and the OAuth 1.0a
 * signature are still those of the real https://api.x.com URL: a forwarding proxy passes a
 * signature X accepts. The library always calls https.request; Node lets that speak plain HTTP
 * when the request carries an http agent, which is how an http: base URL works.
 */
function apiBaseUrlPlugin(base: URL): ITwitterApiClientPlugin {
  const prefix = base.pathname.replace(/\/+$/, '');
  return {
    onBeforeRequest({ computedParams, requestOptions }) {
      // computedParams.url is the very URL object the request is then sent to.
      const url = computedParams.url;
      if (!X_API_HOSTS.has(url.hostname)) return;
      url.protocol = base.protocol;
      url.host = base.host;
      url.pathname = `${prefix}${url.pathname}`;
      if (base.protocol === 'http:') requestOptions.agent = httpGlobalAgent;
    },
  };
}

/**
 * twitter-api-v2 takes no AbortSignal, so a cancelled call is abandoned rather than stopped:
 * the request may still land, which is why cancellation mid-flight is an unknown outcome.
 */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () =>
      reject(
        new PublishError('unknown-outcome', 'cancelled while waiting for X; the request may have gone out', {
          cause: signal.reason,
        }),
      );
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

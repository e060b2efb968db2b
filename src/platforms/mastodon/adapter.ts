import { createRestAPIClient, type mastodon } from 'masto';
import type { AccountInfo, AdapterDeps, OutboundPost, PlatformAdapter, Receipt } from '../contract.js';
import { postLanguage } from '../../render/post-language.js';
import { PublishError } from '../errors.js';
import { articleImage, untrustedDispatcher } from '../fetch-image.js';
import type { MastodonChannel } from './channel.js';
import { mastodonAccount } from './account.js';
import { mapMastodonError } from './errors.js';
import { mastodonFollowUps } from './follow-ups.js';
import { uploadMastodonImage, type MediaPolling } from './media.js';

export interface MastodonAdapterOptions {
  /** Per HTTP request (masto's `timeout`); a timeout is an unknown outcome. Default 30 000. */
  requestTimeoutMs?: number;
  /** How to wait for an uploaded image to be processed. Default every 1 s for up to 30 s. */
  mediaPolling?: MediaPolling;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_MEDIA_POLLING: MediaPolling = { intervalMs: 1_000, timeoutMs: 30_000 };

/**
 * Posts statuses with masto 7. Every attempt of one delivery carries the same Idempotency-Key
 * (post.idempotencyKey, stable per article × channel), so Mastodon answers a re-send within an
 * hour with the status it already created instead of a second one
 * (https://docs.joinmastodon.org/methods/statuses/#create).
 */
export function createMastodonAdapter(
  channel: MastodonChannel,
  deps: AdapterDeps,
  options: MastodonAdapterOptions = {},
): PlatformAdapter {
  const accessToken = channel.credentials?.accessToken;
  if (!accessToken) {
    // Config validation requires it unless dryRun; reaching here is a wiring bug.
    throw new Error(`channel ${channel.id}: Mastodon needs an accessToken`);
  }
  const client = createRestAPIClient({
    url: channel.instance,
    accessToken,
    timeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    // Failures reach the caller as PublishErrors and are logged there; masto's console logger
    // would only duplicate them outside pino.
    log: 'error',
  });
  const polling = options.mediaPolling ?? DEFAULT_MEDIA_POLLING;
  const account = mastodonAccount(client, channel.instance, accessToken, deps);
  const logger = deps.logger.child({ platform: 'mastodon' });
  const images = untrustedDispatcher(deps);

  return {
    ...mastodonFollowUps(client, deps, account.accountId),

    async verify(signal?: AbortSignal): Promise<AccountInfo> {
      return account.verify(signal);
    },

    async publish(post: OutboundPost, signal?: AbortSignal): Promise<Receipt> {
      const log = logger.child({ delivery: post.deliveryId });
      const mediaId = await attachableImage(post, log, signal);
      const params = {
        status: post.text,
        visibility: channel.visibility,
        // The article's, else detected, else the channel's (defaults.language folded in by the runtime).
        language: await postLanguage(post.article, channel.language),
        spoilerText: channel.spoilerText,
        ...(mediaId === undefined ? {} : { mediaIds: [mediaId] }),
        // A correction goes under the article's status (https://docs.joinmastodon.org/methods/statuses/#create).
        ...(post.replyTo ? { inReplyToId: post.replyTo.remoteId } : {}),
      } satisfies mastodon.rest.v1.CreateStatusParams;
      if (signal?.aborted) {
        throw new PublishError('transient', 'cancelled before the post was sent to Mastodon', { cause: signal.reason });
      }
      let status: mastodon.v1.Status | undefined;
      try {
        status = await client.v1.statuses.create(params, {
          requestInit: {
            // Per-request headers are merged over the client's (masto HttpConfigImpl); the
            // Authorization header is set after the merge, so it cannot be overridden here.
            headers: { 'Idempotency-Key': post.idempotencyKey },
            ...(signal ? { signal } : {}),
          },
        });
      } catch (error) {
        throw mapMastodonError(error, deps.now());
      }
      // A 2xx whose body is not a status (an HTML page from a proxy): the post may exist.
      if (typeof status?.id !== 'string' || status.id === '') {
        throw new PublishError('unknown-outcome', 'Mastodon answered without a status id; the post may have gone out');
      }
      return status.url ? { remoteId: status.id, url: status.url } : { remoteId: status.id };
    },
  };

  async function attachableImage(
    post: OutboundPost,
    log: AdapterDeps['logger'],
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    const found = await articleImage(post, channel, log, signal, images());
    if (!found) return undefined;
    return uploadMastodonImage(client, found.image, found.alt, polling, log, signal);
  }
}

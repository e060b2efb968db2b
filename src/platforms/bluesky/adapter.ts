import type { AtpAgent, BlobRef } from '@atproto/api';
import { TID } from '@atproto/common-web';
import type { Article } from '../../articles/article.js';
import type { AdapterDeps, OutboundPost, PlatformAdapter, Receipt } from '../contract.js';
import { postLanguage } from '../../render/post-language.js';
import { postLink } from '../../render/post-link.js';
import { PublishError } from '../errors.js';
import { untrustedDispatcher } from '../fetch-image.js';
import { repeatable } from '../repeatable.js';
import type { BlueskyChannel } from './channel.js';
import { isBlobNotFound, mapBlueskyError } from './errors.js';
import { blueskyFollowUps } from './follow-ups.js';
import { buildPostRecord, parsePrepared, POST_COLLECTION, withoutThumb } from './record.js';
import type { JsonBlob, PostRecord, PreparedPost } from './record.js';
import { replyRefs } from './reply-refs.js';
import { createSessionKeeper } from './session.js';
import type { SessionKeeper } from './session.js';
import { DEFAULT_THUMBNAIL_LIMITS, findThumbnailSource, loadThumbnail } from './thumbnail.js';
import type { ThumbnailLimits } from './thumbnail.js';

export interface BlueskyAdapterOptions {
  /** Deadline for each HTTP request to the PDS. Default 30 s. */
  requestTimeoutMs?: number;
  thumbnails?: ThumbnailLimits;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Posts to Bluesky with a record key and record chosen once in `prepare` and persisted by the
 * worker, then sent with putRecord on every attempt: re-sending the identical record to the same
 * key is a no-op, so a timeout, a crash or a 5xx can always be retried without a second post.
 */
export function createBlueskyAdapter(
  channel: BlueskyChannel,
  deps: AdapterDeps,
  options: BlueskyAdapterOptions = {},
): PlatformAdapter {
  const log = deps.logger;
  const limits = options.thumbnails ?? DEFAULT_THUMBNAIL_LIMITS;
  const images = untrustedDispatcher(deps);
  let keeper: SessionKeeper | undefined;

  function session(): SessionKeeper {
    if (keeper) return keeper;
    const identifier = channel.credentials?.identifier;
    const appPassword = channel.credentials?.appPassword;
    if (!identifier || !appPassword) {
      throw new PublishError('auth', `channel ${channel.id}: a Bluesky identifier and app password are required`);
    }
    keeper = createSessionKeeper(
      {
        service: channel.service,
        identifier,
        appPassword,
        requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      },
      deps,
    );
    return keeper;
  }

  /** Upload is keyed by content (CID), so uploading the same bytes again is harmless. */
  async function uploadThumb(agent: AtpAgent, source: string): Promise<JsonBlob> {
    const thumb = await loadThumbnail(source, limits, images());
    const uploaded = await agent.uploadBlob(thumb.bytes, { encoding: thumb.mimeType });
    return blobJson(uploaded.data.blob);
  }

  /** A card image is a nicety: any problem with it leaves the card without one, never the post. */
  async function prepareThumb(article: Article): Promise<{ blob: JsonBlob; source: string } | undefined> {
    if (channel.images === false) return undefined;
    let source: string | undefined;
    try {
      source = await findThumbnailSource(article, limits, images());
      if (!source) return undefined;
      const from = source;
      const blob = await session().run((agent) => uploadThumb(agent, from));
      return { blob, source };
    } catch (error) {
      log.warn({ err: error, image: source, url: article.url }, 'Bluesky link card goes without a thumbnail');
      return undefined;
    }
  }

  /**
   * The PDS deletes uploads no record references within "a time window (eg, minutes)"
   * (https://docs.bsky.app/docs/api/com-atproto-repo-upload-blob), so a delivery retried hours
   * later can find its thumbnail gone. Rebuilding it from the same source gives the same bytes
   * and so the same CID, and the record stays exactly the persisted one; if it does not, the
   * record goes without its thumbnail, which is just as deterministic on later attempts.
   */
  async function recordAfterLostBlob(agent: AtpAgent, prepared: PreparedPost): Promise<PostRecord> {
    const wanted = prepared.record.embed?.external.thumb?.ref.$link;
    if (prepared.thumbSource) {
      try {
        const blob = await uploadThumb(agent, prepared.thumbSource);
        if (blob.ref.$link === wanted) return prepared.record;
        log.warn({ image: prepared.thumbSource }, 'the thumbnail source changed since the post was prepared');
      } catch (error) {
        log.warn({ err: error, image: prepared.thumbSource }, 'could not rebuild the Bluesky thumbnail');
      }
    }
    log.warn({ rkey: prepared.rkey }, 'the PDS no longer has the thumbnail blob; posting the card without it');
    return withoutThumb(prepared.record);
  }

  async function putRecord(agent: AtpAgent, did: string, prepared: PreparedPost, record: PostRecord, signal?: AbortSignal) {
    // No swapRecord: the key is a fresh TID owned by this delivery, so whatever sits there is an
    // earlier attempt of it. An identical record is a no-op (same CID); `swapRecord: null` would
    // turn the one legitimate difference (the thumbnail dropped above) into a 400 for a post
    // that is in fact online.
    return agent.com.atproto.repo.putRecord(
      { repo: did, collection: POST_COLLECTION, rkey: prepared.rkey, record, validate: true },
      { signal },
    );
  }

  const postUrl = (did: string, handle: string, rkey: string): string => `https://bsky.app/profile/${displayHandle(handle, did)}/post/${rkey}`;

  return {
    ...blueskyFollowUps((op) => session().run(op), deps, postUrl),

    /** Always a login with the configured app password (session.ts checkLogin), never the saved session. */
    async verify() {
      try {
        const checked = await session().checkLogin();
        return {
          account: displayHandle(checked.session.handle, checked.session.did),
          ...(checked.notes.length ? { notes: checked.notes } : {}),
          ...(checked.budget ? { budget: [checked.budget] } : {}),
        };
      } catch (error) {
        throw mapBlueskyError(error, deps.now());
      }
    },

    async prepare(post: Omit<OutboundPost, 'prepared'>): Promise<PreparedPost> {
      // Both chosen once: the key makes re-sends idempotent, and createdAt is part of the
      // record, whose CID must not change between attempts.
      const rkey = TID.nextStr();
      const createdAt = deps.now();
      const { replyTo } = post;
      let reply;
      try {
        reply = replyTo ? await session().run((agent) => replyRefs(agent, replyTo)) : undefined;
      } catch (error) {
        // Only a read so far: nothing can have been posted.
        throw repeatable(mapBlueskyError(error, deps.now()));
      }
      // A correction sits under the article's post, which already has the card.
      const thumb = reply ? undefined : await prepareThumb(post.article);
      const record = buildPostRecord({
        text: post.text,
        article: post.article,
        // The same language and link the text was rendered with (delivery/render-post.ts).
        language: await postLanguage(post.article, channel.language),
        linkUrl: reply ? '' : postLink(post.article, channel.link, { platform: 'bluesky', channel: channel.id }),
        bareDomainLinks: channel.bareDomainLinks,
        createdAt,
        thumb: thumb?.blob,
      });
      const withReply: PostRecord = reply ? { ...record, reply } : record;
      return { version: 1, rkey, record: withReply, ...(thumb ? { thumbSource: thumb.source } : {}) };
    },

    async publish(post, signal) {
      try {
        const prepared = parsePrepared(post.prepared);
        return await session().run(async (agent, current): Promise<Receipt> => {
          let result;
          try {
            result = await putRecord(agent, current.did, prepared, prepared.record, signal);
          } catch (error) {
            if (!isBlobNotFound(error) || !prepared.record.embed?.external.thumb) throw error;
            const record = await recordAfterLostBlob(agent, prepared);
            result = await putRecord(agent, current.did, prepared, record, signal);
          }
          return { remoteId: result.data.uri, url: postUrl(current.did, agent.session?.handle ?? current.handle, prepared.rkey) };
        });
      } catch (error) {
        throw mapBlueskyError(error, deps.now());
      }
    },
  };
}

/** JSON form of a blob reference: what the PDS receives and what survives the store. */
function blobJson(blob: BlobRef): JsonBlob {
  return { $type: 'blob', ref: { $link: blob.ref.toString() }, mimeType: blob.mimeType, size: blob.size };
}

/** Accounts whose handle no longer verifies report "handle.invalid"; bsky.app takes the DID. */
function displayHandle(handle: string, did: string): string {
  return handle && handle !== 'handle.invalid' ? handle : did;
}

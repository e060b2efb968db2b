import { decode } from 'html-entities';
import { MastoHttpError, type mastodon } from 'masto';
import { toPlainText } from '../../articles/plain-text.js';
import type { AdapterDeps, OwnPost, PlatformAdapter, PostedRef, ReadBack } from '../contract.js';
import { PublishError } from '../errors.js';
import { repeatable } from '../repeatable.js';
import { mapMastodonError } from './errors.js';

/**
 * One page of GET /api/v1/accounts/:id/statuses: at most 40
 * (https://docs.joinmastodon.org/methods/accounts/#statuses).
 */
const STATUSES_PAGE = 40;

export type MastodonFollowUps = Required<Pick<PlatformAdapter, 'remove' | 'readBack' | 'recentPosts' | 'edit'>>;

/**
 * Deleting, reading back, editing and listing the account's statuses. All are safe to repeat,
 * so an answer that does not say what happened is `transient` (repeatable.ts), never unknown.
 */
export function mastodonFollowUps(
  client: mastodon.rest.Client,
  deps: AdapterDeps,
  accountId: (signal?: AbortSignal) => Promise<string>,
): MastodonFollowUps {
  const fail = (error: unknown): PublishError => repeatable(mapMastodonError(error, deps.now()));
  const meta = (signal: AbortSignal | undefined) => (signal ? { requestInit: { signal } } : undefined);

  return {
    /**
     * DELETE /api/v1/statuses/:id answers the deleted status; a status that is not there (or not
     * this account's) is 404 Record not found (https://docs.joinmastodon.org/methods/statuses/#delete).
     */
    async remove(post, signal) {
      try {
        await client.v1.statuses.$select(post.remoteId).remove(undefined, meta(signal));
        return 'deleted';
      } catch (error) {
        if (isNotFound(error)) return 'already-gone';
        throw fail(error);
      }
    },

    /** GET /api/v1/statuses/:id: 404 when deleted or not visible (https://docs.joinmastodon.org/methods/statuses/#get). */
    async readBack(post: PostedRef, signal?: AbortSignal): Promise<ReadBack> {
      let status: mastodon.v1.Status | undefined;
      try {
        status = await client.v1.statuses.$select(post.remoteId).fetch(undefined, meta(signal));
      } catch (error) {
        if (isNotFound(error)) return { found: false, reason: 'Mastodon answered 404 Record not found' };
        throw fail(error);
      }
      if (status?.id !== post.remoteId) {
        throw new PublishError('transient', `Mastodon answered the lookup of status ${post.remoteId} with something else`);
      }
      return { found: true };
    },

    /**
     * PUT /api/v1/statuses/:id replaces the text and keeps every earlier version visible as the
     * status's edit history (https://docs.joinmastodon.org/methods/statuses/#edit, Mastodon 3.5+).
     * The controller hands every field to UpdateStatusService, absent ones as nil, and the service
     * applies each key present: an edit that sent only the text would drop the content warning
     * and the image (app/controllers/api/v1/statuses_controller.rb#update,
     * app/services/update_status_service.rb). So the status is read first and sent back whole.
     * The same text again is no change (NoChangesSubmittedError is swallowed): safe to repeat.
     */
    async edit(post, text, signal) {
      try {
        const current = await client.v1.statuses.$select(post.remoteId).fetch(undefined, meta(signal));
        await client.v1.statuses.$select(post.remoteId).update(
          {
            status: text,
            spoilerText: current.spoilerText,
            sensitive: current.sensitive,
            ...(current.language ? { language: current.language } : {}),
            mediaIds: current.mediaAttachments.map((item) => item.id),
          },
          signal ? { requestInit: { signal } } : undefined,
        );
      } catch (error) {
        throw fail(error);
      }
    },

    /** The newest page of the account's statuses, those created at or after `since`. */
    async recentPosts(since, signal) {
      const id = await accountId(signal);
      let statuses: mastodon.v1.Status[];
      try {
        statuses = await client.v1.accounts.$select(id).statuses.list({ limit: STATUSES_PAGE }, meta(signal));
      } catch (error) {
        throw fail(error);
      }
      return statuses.filter((status) => Date.parse(status.createdAt) >= since.getTime()).map(ownPost);
    },
  };
}

function isNotFound(error: unknown): boolean {
  return error instanceof MastoHttpError && error.statusCode === 404;
}

/** A status as a plain-text post: the HTML `content` (clients get no source text) and its links. */
function ownPost(status: mastodon.v1.Status): OwnPost {
  return {
    remoteId: status.id,
    ...(status.url ? { url: status.url } : {}),
    text: toPlainText(status.content),
    links: linksOf(status.content),
    createdAt: new Date(status.createdAt),
    ...(status.inReplyToId ? { replyTo: status.inReplyToId } : {}),
  };
}

/** hrefs of the content's links, mentions and hashtags left out (they link to profiles and tags). */
function linksOf(content: string): string[] {
  const links: string[] = [];
  for (const match of content.matchAll(/<a\s([^>]*)>/gi)) {
    const attributes = match[1] ?? '';
    if (/\bclass="[^"]*\b(mention|hashtag)\b/i.test(attributes)) continue;
    const href = /\bhref="([^"]*)"/i.exec(attributes)?.[1];
    if (href) links.push(decode(href));
  }
  return links;
}

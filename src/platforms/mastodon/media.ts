import { setTimeout as sleep } from 'node:timers/promises';
import { MastoHttpError, type mastodon } from 'masto';
import type { Logger } from 'pino';
import { clipAltText, type FetchedImage } from '../fetch-image.js';

/**
 * Mastodon refuses descriptions longer than MediaAttachment::MAX_DESCRIPTION_LENGTH (1,500)
 * (https://github.com/mastodon/mastodon/blob/main/app/models/media_attachment.rb); a clipped
 * description keeps the image instead of losing it to a 422.
 */
export const MASTODON_ALT_TEXT_MAX = 1500;

export interface MediaPolling {
  /** Pause between two looks at an attachment still being processed. */
  intervalMs: number;
  /** Give up on the image (not the post) after this long. */
  timeoutMs: number;
}

const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
  'image/heic': 'heic',
};

/**
 * Uploads the image with its description and waits until the server has processed it: a
 * status that names an unprocessed attachment is refused with 422
 * (https://docs.joinmastodon.org/methods/media/#v2 answers 202 with `url: null` while processing;
 * GET /api/v1/media/:id answers 206 until it is done). Returns the attachment id, or undefined
 * on any problem so the post goes out without the image.
 *
 * masto's own wait (used unless `skipPolling`) always sleeps a second first, even when the
 * upload came back processed, and cannot be told a clock; polling here skips the wait when the
 * answer already has a URL and takes its interval from the caller. (masto 7.12 also puts
 * `skip_polling=true` into the upload form; Mastodon ignores the unknown field.)
 */
export async function uploadMastodonImage(
  client: mastodon.rest.Client,
  image: FetchedImage,
  alt: string | undefined,
  polling: MediaPolling,
  logger: Logger,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const extension = EXTENSIONS[image.mimeType] ?? 'bin';
  // A File (not a bare Blob) so the multipart part carries a file name with the right extension.
  const file = new File([new Uint8Array(image.bytes)], `image.${extension}`, { type: image.mimeType });
  const description = alt === undefined ? '' : clipAltText(alt, MASTODON_ALT_TEXT_MAX);
  let attachment: mastodon.v1.MediaAttachment;
  try {
    attachment = await client.v2.media.create(
      // masto serialises every key into the form, so an absent description must be left out,
      // not sent as undefined (it would arrive as the string "undefined").
      description === '' ? { file, skipPolling: true } : { file, description, skipPolling: true },
      signal ? { requestInit: { signal } } : undefined,
    );
  } catch (error) {
    logger.warn({ err: error }, 'article image skipped: the Mastodon media upload failed');
    return undefined;
  }
  if (attachment.url) return attachment.id;

  const attempts = Math.max(1, Math.ceil(polling.timeoutMs / polling.intervalMs));
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    try {
      await sleep(polling.intervalMs, undefined, signal ? { signal } : undefined);
      const current = await client.v1.media
        .$select(attachment.id)
        .fetch(undefined, signal ? { requestInit: { signal } } : undefined);
      if (current.url) return attachment.id;
    } catch (error) {
      // masto's own wait treats 404 as "not visible yet" and keeps looking; so does this one.
      if (error instanceof MastoHttpError && error.statusCode === 404) continue;
      logger.warn({ err: error, mediaId: attachment.id }, 'article image skipped: could not check its processing');
      return undefined;
    }
  }
  logger.warn(
    { mediaId: attachment.id, timeoutMs: polling.timeoutMs },
    `article image skipped: Mastodon had not processed it after ${polling.timeoutMs} ms`,
  );
  return undefined;
}

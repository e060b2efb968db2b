import type { Logger } from 'pino';
import type { TwitterApiv2 } from 'twitter-api-v2';
import { clipAltText, type FetchedImage } from '../fetch-image.js';

/** Alt text limit of POST /2/media/metadata (https://docs.x.com/x-api/media/create-media-metadata). */
export const X_ALT_TEXT_MAX = 1000;

/**
 * What X accepts as a post image, with its size cap: images 5 MB, animated GIFs 15 MB, as JPG,
 * PNG, GIF or WEBP (https://docs.x.com/x-api/media/introduction,
 * https://docs.x.com/x-api/media/quickstart/best-practices). Checked here so a too-large image
 * is dropped without spending an upload.
 */
const X_IMAGE_TYPES: Readonly<Record<string, { maxBytes: number; category: 'tweet_image' | 'tweet_gif' }>> = {
  'image/jpeg': { maxBytes: 5_000_000, category: 'tweet_image' },
  'image/png': { maxBytes: 5_000_000, category: 'tweet_image' },
  'image/webp': { maxBytes: 5_000_000, category: 'tweet_image' },
  'image/gif': { maxBytes: 15_000_000, category: 'tweet_gif' },
};

type XUploadMimeType = 'image/jpeg' | 'image/png' | 'image/webp' | 'image/gif';

function isXImageType(type: string): type is XUploadMimeType {
  return Object.hasOwn(X_IMAGE_TYPES, type);
}

/**
 * Uploads one image through the v2 chunked upload (initialize → append → finalize on
 * api.x.com/2/media/upload) and sets its alt text. Returns the media id, or undefined when the
 * image cannot be used: the post then goes out without it, never fails over it.
 */
export async function uploadXImage(
  v2: TwitterApiv2,
  image: FetchedImage,
  alt: string | undefined,
  logger: Logger,
): Promise<string | undefined> {
  const { mimeType } = image;
  if (!isXImageType(mimeType)) {
    logger.warn({ mimeType }, `article image skipped: X does not take ${mimeType} images`);
    return undefined;
  }
  const rule = X_IMAGE_TYPES[mimeType];
  if (rule && image.bytes.length > rule.maxBytes) {
    logger.warn(
      { bytes: image.bytes.length, maxBytes: rule.maxBytes },
      `article image skipped: ${image.bytes.length} bytes is over X's ${rule.maxBytes}-byte limit for ${mimeType}`,
    );
    return undefined;
  }
  let mediaId: string;
  try {
    mediaId = await v2.uploadMedia(image.bytes, { media_type: mimeType, media_category: rule?.category });
  } catch (error) {
    logger.warn({ err: error }, 'article image skipped: the X media upload failed');
    return undefined;
  }
  const text = alt === undefined ? '' : clipAltText(alt, X_ALT_TEXT_MAX);
  if (text !== '') {
    try {
      await v2.createMediaMetadata(mediaId, { alt_text: { text } });
    } catch (error) {
      // The image is uploaded and usable; only its description is missing. An image without
      // alt text is still worth more than no image, so it stays attached.
      logger.warn({ err: error, mediaId }, 'could not set the alt text of the X image; posting it without');
    }
  }
  return mediaId;
}

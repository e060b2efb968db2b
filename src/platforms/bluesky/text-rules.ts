import type { TextRules } from '../contract.js';
import { graphemeLength, utf8Length } from '../../render/graphemes.js';
import { shortLinkText } from '../../render/link-text.js';

/**
 * app.bsky.feed.post `text`: maxGraphemes 300, maxLength 3000 (UTF-8 bytes).
 * https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/feed/post.json
 */
export const BLUESKY_MAX_GRAPHEMES = 300;
export const BLUESKY_MAX_BYTES = 3000;

export function blueskyTextRules(): TextRules {
  return {
    limit: BLUESKY_MAX_GRAPHEMES,
    unit: 'graphemes',
    measure(text) {
      const length = graphemeLength(text);
      const bytes = utf8Length(text);
      if (bytes > BLUESKY_MAX_BYTES) {
        return { length, fits: false, note: `${bytes} bytes, over the ${BLUESKY_MAX_BYTES}-byte limit` };
      }
      return { length, fits: length <= BLUESKY_MAX_GRAPHEMES };
    },
    // The text only shows the link; its facet and the card carry the full URI (record.ts).
    linkText: shortLinkText,
  };
}

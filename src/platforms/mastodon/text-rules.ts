import twitterText from 'twitter-text';
import type { TextRules } from '../contract.js';
import { graphemeLength } from '../../render/graphemes.js';

/**
 * Mastodon's documented defaults, used only when the instance cannot be asked
 * (configuration.statuses in https://docs.joinmastodon.org/methods/instance/#v2).
 */
export const MASTODON_DEFAULT_LIMITS = { maxCharacters: 500, charactersReservedPerUrl: 23 } as const;

export interface MastodonLimits {
  maxCharacters: number;
  charactersReservedPerUrl: number;
}

/**
 * Mastodon counts grapheme clusters, with every URL replaced by a fixed-length placeholder and
 * the content warning added (app/validators/status_length_validator.rb). URL extraction follows
 * the same twitter-text rules Mastodon's Ruby extractor is based on.
 */
export function mastodonTextRules(limits: MastodonLimits, spoilerText = ''): TextRules {
  return {
    limit: limits.maxCharacters,
    unit: 'characters',
    measure(text) {
      const urls = twitterText.extractUrlsWithIndices(text, { extractUrlsWithoutProtocol: false });
      let length = graphemeLength(spoilerText);
      let cursor = 0;
      for (const { indices } of urls) {
        length += graphemeLength(text.slice(cursor, indices[0])) + limits.charactersReservedPerUrl;
        cursor = indices[1];
      }
      length += graphemeLength(text.slice(cursor));
      return { length, fits: length <= limits.maxCharacters };
    },
  };
}

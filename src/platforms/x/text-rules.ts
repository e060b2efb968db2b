import twitterText from 'twitter-text';
import type { TextRules } from '../contract.js';

/**
 * X counts "weighted" characters: 280 per post, every URL 23 (t.co), CJK and emoji 2.
 * twitter-text's parseTweet implements exactly that; it expects NFC text.
 * https://docs.x.com/fundamentals/counting-characters
 */
export const X_MAX_WEIGHTED_LENGTH = 280;

export function xTextRules(): TextRules {
  return {
    limit: X_MAX_WEIGHTED_LENGTH,
    unit: 'weighted characters',
    measure(text) {
      const parsed = twitterText.parseTweet(text.normalize('NFC'));
      return { length: parsed.weightedLength, fits: parsed.weightedLength <= X_MAX_WEIGHTED_LENGTH && parsed.valid };
    },
  };
}

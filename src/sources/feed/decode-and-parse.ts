import { decodeBytes, guessedCharsetWarning } from '../charset.js';
import type { ParseFeedContext, ParsedFeed } from './parse-feed.js';
import type { DecodedFeed } from './parse-messages.js';

export type ParseFeed = (body: string, ctx: ParseFeedContext) => ParsedFeed;

/**
 * A body as fetched, decoded (charset.ts, with its warning naming the feed) and parsed: what the
 * parse worker does with bytes, and the pool on its own thread for a small body. `parseFeed` is
 * passed in so the pool can load the parser only when it first needs it.
 */
export function decodeAndParse(parseFeed: ParseFeed, bytes: Uint8Array, contentType: string | undefined, ctx: ParseFeedContext): DecodedFeed {
  const decoded = decodeBytes(bytes, contentType);
  const charsetWarning = guessedCharsetWarning(decoded, `feed ${ctx.feedUrl}`);
  return { feed: parseFeed(decoded.text, ctx), encoding: decoded.encoding, ...(charsetWarning === undefined ? {} : { charsetWarning }) };
}

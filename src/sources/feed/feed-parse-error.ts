/**
 * A feed body that could not be parsed, naming the feed. Apart from parse-feed.ts so the parse
 * pool can rebuild one sent back by a worker without loading the parser (feedsmith is some 130
 * modules, and a poll answered 304 never parses).
 */
export class FeedParseError extends Error {
  override readonly name = 'FeedParseError';
  readonly feedUrl: string;

  constructor(feedUrl: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.feedUrl = feedUrl;
  }
}

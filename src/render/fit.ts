import type { TextRules } from './text-rules.js';
import type { TemplateContext } from './context.js';
import type { RenderControls, RenderPost } from './templates.js';
import { cutAfterWords, wordCutPoints } from './truncate.js';

export interface FittedPost {
  text: string;
  length: number;
  limit: number;
  unit: string;
  /** What had to give, in order, for people: "summary shortened", "hashtags dropped". */
  adjustments: string[];
}

export class FitError extends Error {
  constructor(
    message: string,
    readonly length: number,
    readonly limit: number,
  ) {
    super(message);
    this.name = 'FitError';
  }
}

/**
 * Fits a post to its platform by re-rendering the template with less, never by cutting the
 * rendered text: the link, hashtags, words and graphemes stay whole. Order of sacrifice: the
 * summary (at a word, with …), then the hashtags (the summary is then fitted again: it says more
 * than tags), then the headline. If even the bare headline does not fit, the post is rejected.
 */
export function fitPost(render: RenderPost, context: TemplateContext, rules: TextRules): FittedPost {
  const attempt = (ctx: TemplateContext, controls: RenderControls) => {
    const text = render(ctx, controls);
    return { text, measure: rules.measure(text) };
  };
  const done = (result: ReturnType<typeof attempt>, adjustments: string[]): FittedPost => ({
    text: result.text,
    length: result.measure.length,
    limit: rules.limit,
    unit: rules.unit,
    adjustments,
  });

  const keep = { dropHashtags: false };
  const full = attempt(context, keep);
  if (full.measure.fits) return done(full, []);

  const summaryFit = shortenField(context, 'summary', 0, (ctx) => attempt(ctx, keep));
  if (summaryFit) return done(summaryFit.result, ['summary shortened']);

  const drop = { dropHashtags: true };
  const withoutTags = shortenField(context, 'summary', 0, (ctx) => attempt(ctx, drop));
  if (withoutTags) {
    return done(withoutTags.result, withoutTags.shortened ? ['summary shortened', 'hashtags dropped'] : ['hashtags dropped']);
  }

  const bare = { ...context, summary: '' };
  const titleFit = shortenField(bare, 'title', 1, (ctx) => attempt(ctx, drop));
  if (titleFit) return done(titleFit.result, ['summary dropped', 'hashtags dropped', 'headline shortened']);

  const smallest = attempt({ ...bare, title: cutAfterWords(bare.title, wordCutPoints(bare.title), 1) }, drop);
  throw new FitError(
    `cannot fit the post in ${rules.limit} ${rules.unit}: even with the summary and hashtags dropped and the headline cut to one word it is ${smallest.measure.length}${smallest.measure.note ? ` (${smallest.measure.note})` : ''}; shorten the template`,
    smallest.measure.length,
    rules.limit,
  );
}

type Attempt = { text: string; measure: { fits: boolean; length: number; note?: string } };

/**
 * The longest prefix (in words, at least `minWords`) of one field that makes the post fit,
 * by binary search: a longer prefix never makes a post shorter.
 */
function shortenField(
  context: TemplateContext,
  field: 'summary' | 'title',
  minWords: number,
  attempt: (ctx: TemplateContext) => Attempt,
): { result: Attempt; shortened: boolean } | undefined {
  const value = context[field];
  const points = wordCutPoints(value);
  const withWords = (count: number) => attempt({ ...context, [field]: cutAfterWords(value, points, count) });
  let low = minWords;
  let high = points.length;
  let best: { result: Attempt; shortened: boolean } | undefined;
  while (low <= high) {
    const mid = Math.floor((low + high) / 2);
    const result = withWords(mid);
    if (result.measure.fits) {
      best = { result, shortened: mid < points.length };
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return best;
}

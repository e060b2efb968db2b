import type { TextRules } from './text-rules.js';
import type { TemplateContext } from './context.js';
import type { RenderControls, RenderPost } from './templates.js';
import { bestCut, cutCandidates, type Cut } from './cut-text.js';
import { graphemeLength } from './graphemes.js';
import { unpostableReason } from './unpostable.js';

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
 * A text that must not go out whatever its length (U+FFFD, control characters). A FitError, so
 * every caller that refuses a post that cannot fit refuses this one the same way, with its reason.
 */
export class UnpostableTextError extends FitError {
  constructor(message: string, length: number, limit: number) {
    super(message, length, limit);
    this.name = 'UnpostableTextError';
  }
}

/**
 * A shortened summary below this is a stub ("• The plan…"): it is dropped instead. Fewer than
 * five words says nothing; under 40 % of a short summary (fewer than ten words kept) misleads.
 */
const STUB_MIN_WORDS = 5;
const STUB_MIN_SHARE = 0.4;
const STUB_SHARE_WORDS = 10;

/**
 * Fits a post to its platform by re-rendering the template with less, never by cutting the
 * rendered text: the link, hashtags, words and graphemes stay whole. Order of sacrifice: the
 * summary (cut at a sentence, a clause or a word, README "Fitting"), then the hashtags (the
 * summary is then fitted again: it says more than tags), then the summary as a whole when only a
 * stub of it would fit, then the headline. If even one word of headline does not fit, or the text
 * carries characters no post may carry, the post is refused with the reason.
 */
export function fitPost(render: RenderPost, context: TemplateContext, rules: TextRules): FittedPost {
  for (const [field, value] of [['headline', context.title], ['summary', context.summary], ['link', context.url]] as const) {
    const reason = unpostableReason(field, value);
    if (reason) throw new UnpostableTextError(reason, 0, rules.limit);
  }
  const attempt = (ctx: TemplateContext, controls: RenderControls): Attempt => {
    const text = render(ctx, controls);
    return { text, measure: rules.measure(text) };
  };
  const done = (result: Attempt, adjustments: string[]): FittedPost => {
    const reason = unpostableReason('post', result.text);
    if (reason) throw new UnpostableTextError(`${reason} (the template or a field other than headline and summary)`, result.measure.length, rules.limit);
    return { text: result.text, length: result.measure.length, limit: rules.limit, unit: rules.unit, adjustments };
  };

  const keep = { dropHashtags: false };
  const drop = { dropHashtags: true };
  const full = attempt(context, keep);
  if (full.measure.fits) return done(full, []);

  // The summary's cuts are the same with or without hashtags: found once.
  let summaryCuts: Record<Cut['kind'], Cut[]> | undefined;
  const cutsOfSummary = () => (summaryCuts ??= cutCandidates(context.summary, context.language));
  const summaryFit = shortenSummary(context, cutsOfSummary, summaryTries(context, full, (summary) => attempt({ ...context, summary }, keep), rules));
  if (summaryFit) return done(summaryFit, ['summary shortened']);

  const withoutTags = attempt(context, drop);
  if (withoutTags.measure.fits) return done(withoutTags, ['hashtags dropped']);
  const shortWithoutTags = shortenSummary(context, cutsOfSummary, summaryTries(context, withoutTags, (summary) => attempt({ ...context, summary }, drop), rules));
  if (shortWithoutTags) return done(shortWithoutTags, ['summary shortened', 'hashtags dropped']);

  const hadSummary = context.summary.trim() !== '';
  const bare = { ...context, summary: '' };
  const dropped = hadSummary ? ['summary dropped'] : [];
  const bareWithTags = attempt(bare, keep);
  if (bareWithTags.measure.fits && hadSummary) return done(bareWithTags, dropped);
  const bareNoTags = attempt(bare, drop);
  if (bareNoTags.measure.fits) return done(bareNoTags, [...dropped, 'hashtags dropped']);

  const titleCut = shortenField(() => cutCandidates(bare.title, bare.language), (title) => attempt({ ...bare, title }, drop));
  if (titleCut) return done(titleCut.result, [...dropped, 'hashtags dropped', 'headline shortened']);

  const firstWord = cutCandidates(bare.title, bare.language).word[0]?.text ?? '';
  const smallest = attempt({ ...bare, title: firstWord }, drop);
  throw new FitError(
    `cannot fit the post in ${rules.limit} ${rules.unit}: even with the summary and hashtags dropped and the headline cut to one word it is ${smallest.measure.length}${smallest.measure.note ? ` (${smallest.measure.note})` : ''}; shorten the template`,
    smallest.measure.length,
    rules.limit,
  );
}

type Attempt = { text: string; measure: { fits: boolean; length: number; note?: string } };

/**
 * How shortened summaries are tried. Rendering the template for every try was most of the cost
 * of a delivery; when the rendered post holds the whole summary exactly once and the summary has
 * nothing the template's tidying would touch (line breaks, tabs, runs of spaces, white space at
 * either end), a shortened summary renders as that same post with the summary swapped: `splice`
 * builds and measures it without rendering. `render` renders for real, to confirm the cut chosen.
 */
interface SummaryTries {
  render: (summary: string) => Attempt;
  splice?: (summary: string) => Attempt;
}

const UNTIDY = /[\n\r\t]| {2}/;

function summaryTries(context: TemplateContext, rendered: Attempt, render: (summary: string) => Attempt, rules: TextRules): SummaryTries {
  const whole = context.summary;
  const at = rendered.text.indexOf(whole);
  if (whole === '' || whole !== whole.trim() || UNTIDY.test(whole) || at === -1 || rendered.text.indexOf(whole, at + 1) !== -1) return { render };
  const before = rendered.text.slice(0, at);
  const after = rendered.text.slice(at + whole.length);
  return {
    render,
    splice: (summary) => {
      const text = `${before}${summary}${after}`;
      return { text, measure: rules.measure(text) };
    },
  };
}

/** The summary shortened to fit, unless what fits is a stub. */
function shortenSummary(context: TemplateContext, cuts: () => Record<Cut['kind'], Cut[]>, tries: SummaryTries): Attempt | undefined {
  let found = shortenField(cuts, tries.splice ?? tries.render);
  // The chosen cut is rendered for real: a template that does more with the summary than show it
  // (a helper, a second use) does not splice, and is then fitted by rendering every try.
  if (found && tries.splice && tries.render(found.cut.text).text !== found.result.text) {
    found = shortenField(cuts, tries.render);
  }
  if (!found) return undefined;
  const share = found.cut.graphemes / Math.max(1, graphemeLength(context.summary));
  const stub = found.cut.words < STUB_MIN_WORDS || (share < STUB_MIN_SHARE && found.cut.words < STUB_SHARE_WORDS);
  return stub ? undefined : found.result;
}

function shortenField(cuts: () => Record<Cut['kind'], Cut[]>, attempt: (text: string) => Attempt): { result: Attempt; cut: Cut } | undefined {
  const results = new Map<string, Attempt>();
  const tryText = (text: string): boolean => {
    const result = attempt(text);
    results.set(text, result);
    return result.measure.fits;
  };
  const cut = bestCut(cuts(), tryText);
  const result = cut && results.get(cut.text);
  return cut && result ? { result, cut } : undefined;
}

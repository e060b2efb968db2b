/**
 * How a platform counts a post, and whether a text fits: render's contract, which each platform
 * implements (src/platforms/<name>/text-rules.ts). Fitting needs nothing else of a platform.
 */
export interface TextRules {
  /** The limit in the platform's own unit. */
  limit: number;
  /** What `length` counts, for people: "weighted characters", "graphemes", "characters". */
  unit: string;
  measure(text: string): TextMeasure;
  /**
   * How the post's link is written in the text, when the platform shows something other than the
   * URL itself (Bluesky: a link is a facet, so the text may show it shortened). Absent: the URL.
   */
  linkText?(url: string): string;
}

export interface TextMeasure {
  length: number;
  fits: boolean;
  /** Why it does not fit when the reason is not the main length (e.g. Bluesky's byte limit). */
  note?: string;
}

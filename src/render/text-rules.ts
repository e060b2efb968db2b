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
}

export interface TextMeasure {
  length: number;
  fits: boolean;
  /** Why it does not fit when the reason is not the main length (e.g. Bluesky's byte limit). */
  note?: string;
}

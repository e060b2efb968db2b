/**
 * Turns categories and tags into hashtags: "climate change" → #ClimateChange, "Économie" →
 * #Économie (X, Bluesky and Mastodon all accept Unicode letters in tags). Anything that is not a
 * letter, mark or digit is dropped; a tag of digits only is not a hashtag on any platform.
 */
export function toHashtag(label: string): string | undefined {
  const words = label
    .normalize('NFC')
    .split(/[^\p{L}\p{M}\p{N}]+/u)
    .filter(Boolean);
  if (words.length === 0) return undefined;
  const body =
    words.length === 1
      ? (words[0] ?? '')
      : words.map((w) => w.charAt(0).toLocaleUpperCase() + w.slice(1)).join('');
  if (/^\p{N}+$/u.test(body)) return undefined;
  return `#${body}`;
}

/** Unique hashtags from several lists, first come first kept, compared case-insensitively. */
export function hashtagsFrom(lists: readonly (readonly string[])[], max: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const list of lists) {
    for (const label of list) {
      const tag = toHashtag(label);
      if (!tag || seen.has(tag.toLocaleLowerCase())) continue;
      seen.add(tag.toLocaleLowerCase());
      out.push(tag);
      if (out.length >= max) return out;
    }
  }
  return out;
}

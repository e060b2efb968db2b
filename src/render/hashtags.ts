/**
 * The one place categories and tags become hashtags (README "Hashtags"). A channel's options
 * (`hashtags:` in its config) and the built-in rules below apply to every label, whichever list
 * a template passes to {{hashtags}}.
 */

/** A channel's `hashtags:` options as the config schema gives them (src/config/channel-base.ts). */
export interface HashtagOptions {
  /** Category or tag (case-insensitive) → the newsroom's hashtag for it; "" means none. */
  map?: Readonly<Record<string, string>> | undefined;
  /** Labels that never become hashtags, on top of DEFAULT_STOP_LABELS. */
  stop?: readonly string[] | undefined;
  /** Longest hashtag kept, in characters after "#"; a longer one is dropped, never cut. */
  maxLength?: number | undefined;
}

/**
 * A hashtag longer than this reads as noise ("#InternationalRelationsAndSecurityPolicy"), and
 * a category path turned into one was 47 characters (issue 12).
 */
export const DEFAULT_HASHTAG_MAX_LENGTH = 25;

/**
 * WordPress's default category in its most used locales (the translations of "Uncategorized" in
 * translate.wordpress.org): every post nobody filed carries it, and it says nothing.
 */
export const DEFAULT_STOP_LABELS: readonly string[] = [
  'Uncategorized', 'Uncategorised', 'Non classé', 'Sin categoría', 'Senza categoria', 'Sem categoria',
  'Allgemein', 'Ongecategoriseerd', 'Bez kategorii', 'Без рубрики', 'Okategoriserade', '未分類', '未分类',
];

/**
 * A category path (`News/World/Europe`, `News > World`, breadcrumbs with `»` or `›`) names its
 * most specific part last: that part is the hashtag, not the whole path run together.
 */
const PATH_SEPARATOR = /\s*[/>»›]\s*/u;

/** Options resolved once per post: lower-cased lookups. */
interface HashtagRules {
  map: ReadonlyMap<string, string>;
  stop: ReadonlySet<string>;
  maxLength: number;
}

/**
 * Turns one label into a hashtag: "climate change" → #ClimateChange, "Économie" → #Économie
 * (X, Bluesky and Mastodon all accept Unicode letters in tags). Anything that is not a letter,
 * mark or digit is dropped; a tag of digits only is not a hashtag on any platform.
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

/**
 * The hashtag for a label under a channel's options, or undefined for none: the channel's map
 * first (for the whole label, then its last path segment), else the last segment of a path,
 * unless it is a stop label or longer than maxLength.
 */
export function labelHashtag(label: string, options: HashtagOptions = {}): string | undefined {
  return hashtagFor(label, rulesFrom(options));
}

/** Unique hashtags from several lists, first come first kept, compared case-insensitively. */
export function hashtagsFrom(lists: readonly (readonly string[])[], max: number, options: HashtagOptions = {}): string[] {
  const rules = rulesFrom(options);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const list of lists) {
    for (const label of list) {
      const tag = hashtagFor(label, rules);
      if (!tag || seen.has(tag.toLocaleLowerCase())) continue;
      seen.add(tag.toLocaleLowerCase());
      out.push(tag);
      if (out.length >= max) return out;
    }
  }
  return out;
}

function hashtagFor(label: string, rules: HashtagRules): string | undefined {
  const segments = label.split(PATH_SEPARATOR).map((segment) => segment.trim()).filter(Boolean);
  const last = segments.at(-1) ?? '';
  // The newsroom's own mapping is taken as written: it may be longer than maxLength on purpose.
  for (const key of [label, last]) {
    const mapped = rules.map.get(comparable(key));
    if (mapped !== undefined) return mapped === '' ? undefined : toHashtag(mapped);
  }
  if (rules.stop.has(comparable(label)) || rules.stop.has(comparable(last))) return undefined;
  const tag = toHashtag(last);
  if (tag === undefined || [...tag].length - 1 > rules.maxLength) return undefined;
  return tag;
}

/** The built-in stop labels, compared as `comparable` gives them: built once, not per post. */
const DEFAULT_STOP: ReadonlySet<string> = new Set(DEFAULT_STOP_LABELS.map(comparable));
const NO_MAP: ReadonlyMap<string, string> = new Map();

function rulesFrom(options: HashtagOptions): HashtagRules {
  const map = Object.entries(options.map ?? {});
  const stop = options.stop ?? [];
  return {
    map: map.length === 0 ? NO_MAP : new Map(map.map(([label, tag]) => [comparable(label), tag.trim()])),
    stop: stop.length === 0 ? DEFAULT_STOP : new Set([...DEFAULT_STOP, ...stop.map(comparable)]),
    maxLength: options.maxLength ?? DEFAULT_HASHTAG_MAX_LENGTH,
  };
}

/** Labels compare case-insensitively, NFC, with white space folded ("Non  classé" = "non classé"). */
function comparable(label: string): string {
  return label.normalize('NFC').replace(/\s+/gu, ' ').trim().toLocaleLowerCase();
}

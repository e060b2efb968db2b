import type { Article } from '../articles/article.js';

/**
 * The language a post is tagged with (Mastodon `language`, Bluesky `langs`): the article's when
 * its source declares one, else the one detected from its headline and summary when the
 * detector is confident, else `fallback` (the channel's `language`, else `defaults.language`),
 * else English. Always a canonical BCP 47 tag.
 */
export async function postLanguage(article: Pick<Article, 'language' | 'title' | 'summary'>, fallback: string | undefined): Promise<string> {
  return canonicalLanguage(article.language) ?? (await detectLanguage(`${article.title}\n${article.summary}`)) ?? canonicalLanguage(fallback) ?? 'en';
}

/**
 * ELD (Nito-ELD, https://github.com/nitotm/efficient-language-detector-js), an n-gram detector
 * of 60 languages built for short texts such as tweets, answering ISO 639-1 codes. The "small"
 * database scores as the larger ones on sentences and loads faster; it is loaded on the first
 * article that declares no language (a second or so), not by editor commands that never need it.
 * Its `isReliable()` is the confidence floor: the best score must reach 75 % of that language's
 * average score, beat the runner-up by 0.01, and come from at least 3 n-grams, so a headline of
 * one word or a brand name falls through to the channel's language.
 */
export async function detectLanguage(text: string): Promise<string | undefined> {
  const { eld } = await import('eld/small');
  const result = eld.detect(text);
  if (result.language === '' || !result.isReliable()) return undefined;
  return canonicalLanguage(result.language);
}

/** Feeds write "en_US", "EN-us" or nonsense: canonicalised, and anything unparseable is none. */
export function canonicalLanguage(tag: string | undefined): string | undefined {
  const cleaned = tag?.trim().replace(/_/g, '-');
  if (!cleaned) return undefined;
  try {
    return Intl.getCanonicalLocales(cleaned)[0];
  } catch {
    return undefined;
  }
}

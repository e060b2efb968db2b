import type { OwnPost } from '../platforms/contract.js';

/** What Crier sent: its exact text and the article's links (as posted, and canonical). */
export interface SentPost {
  text: string;
  links: readonly string[];
}

/** A URL in a post's text; platforms rewrite them (X's t.co, Mastodon's shortened display). */
const URL_IN_TEXT = /\bhttps?:\/\/\S+/giu;
/** Below this, a post's words alone are too short to tell it from another (a bare link). */
const MIN_WORDS_CHARS = 12;

/** The words of a post without its links, whitespace folded: what every platform keeps as sent. */
export function postWords(text: string): string {
  return text.normalize('NFC').replace(URL_IN_TEXT, ' ').replace(/\s+/gu, ' ').trim();
}

/**
 * The account's post that is the one Crier sent, if any: the same words (links left aside, since
 * X returns them as t.co links and Mastodon's text is built from HTML), or, when the words were
 * changed on the way (a server's trim, an HTML round trip), the article's link with the same opening.
 * Newest first, as listed: a later copy made by a person is preferred to none, never to an exact one.
 */
export function findOwnPost(all: readonly OwnPost[], sent: SentPost): OwnPost | undefined {
  // A reply is a correction of some post, never the post itself.
  const posts = all.filter((post) => post.replyTo === undefined);
  const words = postWords(sent.text);
  const exact = words.length >= MIN_WORDS_CHARS ? posts.find((post) => postWords(post.text) === words) : undefined;
  if (exact) return exact;
  const opening = words.slice(0, 40);
  return posts.find((post) => {
    const hasLink = sent.links.some((link) => link !== '' && (post.text.includes(link) || (post.links ?? []).includes(link)));
    return hasLink && postWords(post.text).startsWith(opening);
  });
}

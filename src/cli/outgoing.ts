import type { Article } from '../articles/article.js';
import type { RenderedPost } from '../delivery/render-post.js';
import type { LinkCard } from '../platforms/contract.js';
import type { ChannelRuntime } from '../runtime/channels.js';

/** An image as it will go out: its URL, the size the source declared, and the alt text used. */
export interface OutgoingImage {
  url: string;
  width: number | null;
  height: number | null;
  alt: string | null;
}

/** Besides the text: what the platform receives with the post, for `crier preview`. */
export interface Outgoing {
  language: string;
  link: { url: string; text: string };
  /** An attached image (X, Mastodon); null when the channel attaches none or the article has none. */
  image: OutgoingImage | null;
  /** The card Crier builds (Bluesky), with its thumbnail; null where the platform builds its own. */
  card: (LinkCard & { thumb: OutgoingImage | 'og:image of the page, if any' | null }) | null;
}

/**
 * What goes out with the text, from the same choices the adapters make: the image is attached
 * (or used as the card's thumbnail) unless the channel sets `images: false`; its alt text is the
 * feed's, else the channel's `imageAlt`. Without a feed image Bluesky looks for the page's
 * og:image when posting, which a preview does not fetch.
 */
export function outgoing(article: Article, channel: ChannelRuntime, post: RenderedPost): Outgoing {
  const attach = channel.config.images !== false;
  const image: OutgoingImage | null =
    attach && article.image
      ? {
          url: article.image.url,
          width: article.image.width ?? null,
          height: article.image.height ?? null,
          alt: article.image.alt ?? channel.config.imageAlt ?? null,
        }
      : null;
  const card = post.link.url === '' ? undefined : channel.platform.linkCard?.(article, post.link.url, post.language);
  if (!card) return { language: post.language, link: post.link, image, card: null };
  return { language: post.language, link: post.link, image: null, card: { ...card, thumb: attach ? (image ?? 'og:image of the page, if any') : null } };
}

/**
 * One line for people: `https://… (1200×800) · alt "…"`. A card thumbnail has no alt text on
 * Bluesky (app.bsky.embed.external has none), so none is shown for it.
 */
export function describeImage(image: OutgoingImage, withAlt = true): string {
  const size = image.width && image.height ? `${image.width}×${image.height}` : 'size not declared';
  return `${image.url} (${size})${withAlt ? ` · alt ${image.alt ? JSON.stringify(image.alt) : 'none'}` : ''}`;
}

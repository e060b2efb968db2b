import type { AnyFeed, AtomFeed, JsonFeed, MediaNs, RdfFeed, RssFeed } from 'feedsmith';
import type { ImageCandidate } from '../choose-image.js';

/** One item as every format reduces to it, still raw (HTML, unresolved links, date strings). */
export interface RawItem {
  id?: string | undefined;
  link?: string | undefined;
  /** Base for relative links: xml:base chain, else the feed URL. */
  base: string;
  title?: string | undefined;
  summary?: string | undefined;
  published?: string | undefined;
  updated?: string | undefined;
  categories: Array<string | undefined>;
  tags: Array<string | undefined>;
  authors: Array<string | undefined>;
  /** Every image the item offers, full-size kinds first; parse-feed.ts chooses one. */
  images: ImageCandidate[];
  language?: string | undefined;
}

export interface RawFeed {
  /** Base for hub/self links: the feed's xml:base, else the feed URL. */
  base: string;
  title?: string | undefined;
  language?: string | undefined;
  hubUrl?: string | undefined;
  selfUrl?: string | undefined;
  items: RawItem[];
}

type MediaMeta = Pick<MediaNs.Content, 'title' | 'description' | 'texts'>;
type Link = AtomFeed.Link<string>;

const IMAGE_PATH = /\.(?:jpe?g|png|gif|webp|avif)$/i;

export function fromAnyFeed(parsed: AnyFeed, feedUrl: string): RawFeed {
  switch (parsed.format) {
    case 'rss':
      return fromRss(parsed.feed, feedUrl);
    case 'atom':
      return fromAtom(parsed.feed, feedUrl);
    case 'rdf':
      return fromRdf(parsed.feed, feedUrl);
    case 'json':
      return fromJson(parsed.feed, feedUrl);
  }
}

function fromRss(feed: RssFeed.Feed<string>, feedUrl: string): RawFeed {
  const feedBase = withBase(feed.xml?.base, feedUrl);
  return {
    base: feedBase,
    title: feed.title,
    language: feed.language ?? feed.xml?.lang ?? feed.dc?.languages?.[0],
    hubUrl: linkWithRel(feed.atom?.links, 'hub'),
    selfUrl: linkWithRel(feed.atom?.links, 'self'),
    items: (feed.items ?? []).map((item) => {
      const guid = item.guid?.value;
      // RSS 2.0: a GUID is a permalink unless isPermaLink="false".
      const guidLink = item.guid?.isPermaLink !== false && guid !== undefined && /^https?:\/\//i.test(guid) ? guid : undefined;
      return {
        id: guid,
        link: item.link ?? guidLink ?? alternateLink(item.atom?.links),
        base: withBase(item.xml?.base, feedBase),
        title: item.title ?? item.dc?.titles?.[0],
        summary: item.description ?? item.dc?.descriptions?.[0] ?? item.content?.encoded,
        published: item.pubDate ?? item.dc?.dates?.[0] ?? item.atom?.published,
        updated: item.atom?.updated,
        categories: (item.categories ?? []).map((category) => category.name),
        tags: item.dc?.subjects ?? [],
        authors: [
          ...(item.authors ?? []).map((person) => person.name ?? person.email),
          ...(item.dc?.creators ?? []),
          ...(item.atom?.authors ?? []).map((person) => person.name),
        ],
        images: [
          ...mediaImages(item.media, 'content'),
          ...enclosureImages((item.enclosures ?? []).map((e) => ({ url: e.url, type: e.type, length: e.length }))),
          ...itunesImage(item.itunes?.image),
          ...mediaImages(item.media, 'thumbnail'),
        ],
        language: item.xml?.lang ?? item.dc?.languages?.[0],
      };
    }),
  };
}

function fromAtom(feed: AtomFeed.Feed<string>, feedUrl: string): RawFeed {
  const feedBase = withBase(feed.xml?.base, feedUrl);
  const feedAuthors = (feed.authors ?? []).map((person) => person.name);
  return {
    base: feedBase,
    title: feed.title?.value,
    language: feed.xml?.lang ?? feed.dc?.languages?.[0],
    hubUrl: linkWithRel(feed.links, 'hub'),
    selfUrl: linkWithRel(feed.links, 'self'),
    items: (feed.entries ?? []).map((entry) => {
      const authors = (entry.authors ?? entry.source?.authors ?? []).map((person) => person.name);
      const enclosures = (entry.links ?? []).filter((link) => link.rel === 'enclosure');
      return {
        id: entry.id,
        link: alternateLink(entry.links),
        base: withBase(entry.xml?.base, feedBase),
        title: entry.title?.value,
        summary: entry.summary?.value ?? entry.content?.value,
        // Atom requires only `updated`; without `published` it is the best date there is.
        published: entry.published ?? entry.updated,
        updated: entry.updated,
        categories: (entry.categories ?? []).map((category) => category.label ?? category.term),
        tags: entry.dc?.subjects ?? [],
        // RFC 4287 §4.2.1: an entry without authors inherits the feed's.
        authors: authors.length > 0 ? authors : feedAuthors,
        images: [
          ...mediaImages(entry.media, 'content'),
          ...enclosureImages(enclosures.map((l) => ({ url: l.href, type: l.type, length: l.length }))),
          ...itunesImage(entry.itunes?.image),
          ...mediaImages(entry.media, 'thumbnail'),
        ],
        language: entry.xml?.lang ?? entry.dc?.languages?.[0],
      };
    }),
  };
}

function fromRdf(feed: RdfFeed.Feed<string>, feedUrl: string): RawFeed {
  const feedBase = withBase(feed.xml?.base, feedUrl);
  return {
    base: feedBase,
    title: feed.title,
    language: feed.dc?.languages?.[0] ?? feed.xml?.lang,
    hubUrl: linkWithRel(feed.atom?.links, 'hub'),
    selfUrl: linkWithRel(feed.atom?.links, 'self'),
    items: (feed.items ?? []).map((item) => ({
      id: item.rdf?.about,
      link: item.link,
      base: withBase(item.xml?.base, feedBase),
      title: item.title,
      summary: item.description ?? item.dc?.descriptions?.[0] ?? item.content?.encoded,
      published: item.dc?.dates?.[0],
      categories: [],
      tags: item.dc?.subjects ?? [],
      authors: item.dc?.creators ?? [],
      images: [...mediaImages(item.media, 'content'), ...mediaImages(item.media, 'thumbnail')],
      language: item.xml?.lang ?? item.dc?.languages?.[0],
    })),
  };
}

function fromJson(feed: JsonFeed.Feed<string>, feedUrl: string): RawFeed {
  const feedAuthors = (feed.authors ?? []).map((author) => author.name);
  return {
    base: feedUrl,
    title: feed.title,
    language: feed.language,
    // Only a WebSub hub: an rssCloud endpoint speaks another protocol.
    hubUrl: feed.hubs?.find((hub) => /websub|pubsubhubbub/i.test(hub.type ?? ''))?.url,
    selfUrl: feed.feed_url,
    items: (feed.items ?? []).map((item) => {
      const authors = (item.authors ?? []).map((author) => author.name);
      return {
        id: item.id,
        link: item.url ?? item.external_url,
        // JSON Feed URLs are absolute by spec; the feed URL only rescues sloppy relative ones.
        base: feedUrl,
        title: item.title,
        summary: item.summary ?? item.content_text ?? item.content_html,
        published: item.date_published,
        updated: item.date_modified,
        categories: [],
        tags: item.tags ?? [],
        // JSON Feed 1.1: item authors default to the feed's.
        authors: authors.length > 0 ? authors : feedAuthors,
        // JSON Feed 1.1: `image` is the item's main image, `banner_image` a wide one for its header.
        images: [item.image, item.banner_image].flatMap((url) => (url === undefined ? [] : [{ url }])),
        language: item.language,
      };
    }),
  };
}

/**
 * Media RSS (https://www.rssboard.org/media-rss): `media:content` of medium image (or an image
 * type or file name), at the top, in groups and with declared width/height; or the thumbnails.
 */
function mediaImages(media: MediaNs.ItemOrFeed | undefined, kind: 'content' | 'thumbnail'): ImageCandidate[] {
  if (media === undefined) return [];
  const groups = [media, ...(media.groups ?? [])];
  if (kind === 'content') {
    return groups.flatMap((group) =>
      (group.contents ?? []).flatMap((content) =>
        content.url !== undefined && isImageContent(content)
          ? [{ url: content.url, width: content.width, height: content.height, bytes: content.fileSize, alt: altText(content) ?? altText(group) ?? altText(media) }]
          : [],
      ),
    );
  }
  return groups.flatMap((group) => {
    const thumbnails = [...(group.thumbnails ?? []), ...(group.contents ?? []).flatMap((c) => c.thumbnails ?? [])];
    return thumbnails.flatMap((thumbnail) =>
      thumbnail.url === undefined ? [] : [{ url: thumbnail.url, width: thumbnail.width, height: thumbnail.height, alt: altText(group) ?? altText(media) }],
    );
  });
}

function isImageContent(content: MediaNs.Content): boolean {
  if (content.medium !== undefined) return content.medium.toLowerCase() === 'image';
  if (content.type !== undefined) return content.type.toLowerCase().startsWith('image/');
  return IMAGE_PATH.test((content.url ?? '').split(/[?#]/)[0] ?? '');
}

function altText(meta: MediaMeta): string | undefined {
  return meta.description?.value ?? meta.title?.value ?? meta.texts?.[0]?.value;
}

type Enclosure = { url?: string | undefined; type?: string | undefined; length?: number | undefined };

function enclosureImages(enclosures: Enclosure[]): ImageCandidate[] {
  return enclosures.flatMap((e) =>
    e.url !== undefined && (e.type ?? '').toLowerCase().startsWith('image/') ? [{ url: e.url, bytes: e.length }] : [],
  );
}

/** Apple asks for 1400–3000 px square artwork (https://podcasters.apple.com/support/896-artwork-requirements), but nothing in the feed says which. */
function itunesImage(url: string | undefined): ImageCandidate[] {
  return url === undefined || url.trim() === '' ? [] : [{ url }];
}

function linkWithRel(links: Link[] | undefined, rel: string): string | undefined {
  return links?.find((link) => link.rel?.toLowerCase() === rel)?.href;
}

/** Atom: rel="alternate" is the default; prefer an HTML one when several exist. */
function alternateLink(links: Link[] | undefined): string | undefined {
  const alternates = (links ?? []).filter((link) => (link.rel ?? 'alternate').toLowerCase() === 'alternate');
  return (alternates.find((link) => link.type === undefined || /html/i.test(link.type)) ?? alternates[0])?.href;
}

function withBase(base: string | undefined, parent: string): string {
  return httpUrl(base, parent) ?? parent;
}

/** Absolute http(s) URL, or undefined for missing, invalid or non-web links (mailto:, javascript:). */
export function httpUrl(raw: string | undefined, ...bases: string[]): string | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  for (const base of bases) {
    try {
      const url = new URL(raw.trim(), base === '' ? undefined : base);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
    } catch {
      // Try the next base: an item xml:base may be junk while the feed URL is fine.
    }
  }
  return undefined;
}

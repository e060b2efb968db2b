import twitterText from 'twitter-text';

/** A status the fake Mastodon holds. */
export interface FakeStatus {
  id: string;
  createdAt: Date;
  /** The status text as sent (Mastodon's `text` source, before HTML rendering). */
  text: string;
  visibility: string;
  language: string | undefined;
  spoilerText: string;
  /** Attached images with the description they were uploaded with. */
  media: { id: string; description: string | null }[];
  idempotencyKey: string | undefined;
  url: string;
  /** The status this one replies to (`in_reply_to_id`), only on replies. */
  inReplyToId?: string;
  /** Earlier versions, oldest first, once the status was edited (PUT /api/v1/statuses/:id). */
  history?: { text: string; at: Date }[];
  /** When it was last edited. */
  editedAt?: Date;
}

export interface FakeMedia {
  id: string;
  description: string | null;
  /** GET /api/v1/media/:id answers 206 this many more times before the upload is processed. */
  pollsLeft: number;
}

export const FAKE_ACCOUNT = { id: '109000000000000001', username: 'newsroom' } as const;

/** The Account entity (https://docs.joinmastodon.org/entities/Account/), the fields clients use. */
export function renderAccount(base: string, statusesCount: number): object {
  return {
    id: FAKE_ACCOUNT.id,
    username: FAKE_ACCOUNT.username,
    acct: FAKE_ACCOUNT.username,
    display_name: 'Newsroom',
    url: `${base}/@${FAKE_ACCOUNT.username}`,
    created_at: '2024-01-01T00:00:00.000Z',
    statuses_count: statusesCount,
  };
}

/** The MediaAttachment entity (https://docs.joinmastodon.org/entities/MediaAttachment/): url null until processed. */
export function renderMedia(item: FakeMedia, base: string): object {
  const processed = item.pollsLeft === 0;
  return {
    id: item.id,
    type: 'image',
    url: processed ? `${base}/system/media/${item.id}.png` : null,
    preview_url: processed ? `${base}/system/media/${item.id}-small.png` : null,
    remote_url: null,
    description: item.description,
    blurhash: null,
    meta: null,
  };
}

/** The Status entity (https://docs.joinmastodon.org/entities/Status/), the fields clients use. */
export function renderStatus(status: FakeStatus, base: string, statusesCount: number): object {
  return {
    id: status.id,
    created_at: status.createdAt.toISOString(),
    uri: `${base}/users/${FAKE_ACCOUNT.username}/statuses/${status.id}`,
    url: status.url,
    content: htmlContent(status.text),
    visibility: status.visibility,
    language: status.language ?? null,
    spoiler_text: status.spoilerText,
    sensitive: status.spoilerText !== '',
    in_reply_to_id: status.inReplyToId ?? null,
    in_reply_to_account_id: status.inReplyToId ? FAKE_ACCOUNT.id : null,
    reblog: null,
    edited_at: status.editedAt?.toISOString() ?? null,
    replies_count: 0,
    reblogs_count: 0,
    favourites_count: 0,
    account: renderAccount(base, statusesCount),
    media_attachments: status.media.map((item) => renderMedia({ ...item, pollsLeft: 0 }, base)),
    mentions: [],
    tags: [],
    emojis: [],
    card: null,
    poll: null,
  };
}

/** https://docs.joinmastodon.org/methods/instance/#v2 */
export function renderInstance(base: string, maxCharacters: number, charactersReservedPerUrl: number): object {
  return {
    domain: new URL(base).host,
    title: 'Fake Mastodon',
    version: '4.3.0',
    configuration: {
      statuses: {
        max_characters: maxCharacters,
        max_media_attachments: 4,
        characters_reserved_per_url: charactersReservedPerUrl,
      },
      media_attachments: { image_size_limit: 16_777_216 },
    },
  };
}

/**
 * Mastodon's StatusLengthValidator: graphemes of text and content warning, every URL counted as
 * characters_reserved_per_url (URLs found with the twitter-text rules Mastodon's own extractor
 * follows).
 */
export function countStatusCharacters(text: string, spoilerText: string, reservedPerUrl: number): number {
  const urls = twitterText.extractUrlsWithIndices(text, { extractUrlsWithoutProtocol: false });
  let countable = '';
  let cursor = 0;
  for (const { indices } of urls) {
    countable += text.slice(cursor, indices[0]) + 'x'.repeat(reservedPerUrl);
    cursor = indices[1];
  }
  countable += text.slice(cursor);
  return graphemes(countable) + graphemes(spoilerText);
}

/** `X-RateLimit-Reset` as Mastodon writes it: ISO 8601 with microseconds. */
export function mastodonTime(time: Date): string {
  return time.toISOString().replace(/Z$/, '000Z');
}

function graphemes(text: string): number {
  return [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].length;
}

/** Plain text as Mastodon renders it: escaped, paragraphs, line breaks, links. */
function htmlContent(text: string): string {
  const escaped = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const linked = escaped.replace(
    /https?:\/\/[^\s<]+/g,
    (url) => `<a href="${url}" rel="nofollow noopener" translate="no" target="_blank">${url}</a>`,
  );
  return linked
    .split(/\n{2,}/)
    .map((paragraph) => `<p>${paragraph.replace(/\n/g, '<br />')}</p>`)
    .join('');
}

/**
 * The content model of the fake WordPress and its JSON, shaped like the documented REST responses:
 * posts https://developer.wordpress.org/rest-api/reference/posts/#schema, users
 * https://developer.wordpress.org/rest-api/reference/users/, media
 * https://developer.wordpress.org/rest-api/reference/media/, terms (wp:term) and `_embedded`
 * https://developer.wordpress.org/rest-api/using-the-rest-api/linking-and-embedding/.
 */

export interface FakeUser {
  id: number;
  name: string;
}

export interface FakeTerm {
  id: number;
  name: string;
  taxonomy: 'category' | 'post_tag';
}

export interface FakeMedia {
  id: number;
  sourceUrl: string;
  altText: string;
  mediaType?: 'image' | 'file';
}

export interface FakePost {
  id: number;
  /** REST collection: posts, pages, or a custom rest_base. */
  type: string;
  status: 'publish' | 'private' | 'future' | 'draft' | 'trash';
  /** A password-protected post: WordPress answers `content.protected: true` and no content. */
  password?: string;
  slug: string;
  /** Rendered HTML, as WordPress returns it (entities, texturized quotes). */
  title: string;
  excerpt: string;
  dateGmt: Date;
  modifiedGmt: Date;
  author: number;
  categories: number[];
  tags: number[];
  featuredMedia: number;
  /** Polylang's field, when the site runs it. */
  lang?: string;
}

export interface FakeSite {
  /** The site's public address (permalinks), which may differ from where the API is reached. */
  home: string;
  /** Hours east of UTC: `date` and `modified` are local times, `*_gmt` are UTC. */
  utcOffsetHours: number;
  users: FakeUser[];
  terms: FakeTerm[];
  media: FakeMedia[];
  posts: FakePost[];
  /** Security plugins that hide /wp/v2/users make embedded authors error objects. */
  hideUsers: boolean;
}

const SINGULAR: Record<string, string> = { posts: 'post', pages: 'page' };

/** "2026-11-29T10:00:00": WordPress writes both local and GMT times without a zone. */
export function wpTime(date: Date, offsetHours = 0): string {
  return new Date(date.getTime() + offsetHours * 3_600_000).toISOString().slice(0, 19);
}

export function permalink(site: FakeSite, post: FakePost): string {
  if (post.type === 'pages') return `${site.home}/${post.slug}/`;
  const day = post.dateGmt.toISOString().slice(0, 10).replace(/-/g, '/');
  return `${site.home}/${day}/${post.slug}/`;
}

export function postJson(site: FakeSite, post: FakePost, apiBase: string, embed: boolean): Record<string, unknown> {
  const base = {
    id: post.id,
    date: wpTime(post.dateGmt, site.utcOffsetHours),
    date_gmt: wpTime(post.dateGmt),
    guid: { rendered: `${site.home.replace('https:', 'http:')}/?p=${post.id}` },
    modified: wpTime(post.modifiedGmt, site.utcOffsetHours),
    modified_gmt: wpTime(post.modifiedGmt),
    slug: post.slug,
    status: post.status,
    type: SINGULAR[post.type] ?? post.type,
    link: permalink(site, post),
    title: { rendered: post.title },
    // Protected content is withheld unless the password is sent (prepare_item_for_response).
    content: { rendered: post.password ? '' : `<p>${post.excerpt}</p>\n<p>More text.</p>\n`, protected: post.password !== undefined },
    excerpt: { rendered: post.password ? '' : `<p>${post.excerpt} [&hellip;]</p>\n`, protected: post.password !== undefined },
    author: post.author,
    featured_media: post.featuredMedia,
    comment_status: 'open',
    ping_status: 'open',
    sticky: false,
    template: '',
    format: 'standard',
    meta: [],
    ...(post.type === 'posts' ? { categories: post.categories, tags: post.tags } : {}),
    ...(post.lang === undefined ? {} : { lang: post.lang }),
    _links: {
      self: [{ href: `${apiBase}/wp/v2/${post.type}/${post.id}` }],
      author: [{ embeddable: true, href: `${apiBase}/wp/v2/users/${post.author}` }],
      replies: [{ embeddable: true, href: `${apiBase}/wp/v2/comments?post=${post.id}` }],
    },
  };
  return embed ? { ...base, _embedded: embedded(site, post) } : base;
}

function embedded(site: FakeSite, post: FakePost): Record<string, unknown> {
  const user = site.users.find((u) => u.id === post.author);
  const author = site.hideUsers
    ? { code: 'rest_user_cannot_view', message: 'Sorry, you are not allowed to list users.', data: { status: 401 } }
    : user && { id: user.id, name: user.name, url: '', description: '', link: `${site.home}/author/${user.id}/`, slug: `user-${user.id}` };
  const media = site.media.find((m) => m.id === post.featuredMedia);
  const term = (t: FakeTerm) => ({ id: t.id, link: `${site.home}/?cat=${t.id}`, name: t.name, slug: `t-${t.id}`, taxonomy: t.taxonomy });
  const terms = (ids: number[]) => site.terms.filter((t) => ids.includes(t.id)).map(term);
  return {
    ...(author ? { author: [author] } : {}),
    ...(media
      ? {
          'wp:featuredmedia': [
            {
              id: media.id,
              type: 'attachment',
              title: { rendered: 'image' },
              alt_text: media.altText,
              media_type: media.mediaType ?? 'image',
              mime_type: media.mediaType === 'file' ? 'application/pdf' : 'image/jpeg',
              media_details: { width: 1200, height: 800, sizes: {} },
              source_url: media.sourceUrl,
            },
          ],
        }
      : {}),
    ...(post.type === 'posts' ? { 'wp:term': [terms(post.categories), terms(post.tags)] } : {}),
  };
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** /feed/ as WordPress renders it (RSS 2.0, the ten newest posts, http:// ?p= GUIDs). */
export function rssFeed(site: FakeSite): string {
  const posts = site.posts
    .filter((p) => p.type === 'posts' && p.status === 'publish')
    .sort((a, b) => b.dateGmt.getTime() - a.dateGmt.getTime())
    .slice(0, 10);
  const items = posts.map((post) => {
    const names = site.terms.filter((t) => post.categories.includes(t.id) || post.tags.includes(t.id)).map((t) => t.name);
    const author = site.users.find((u) => u.id === post.author)?.name ?? '';
    return `<item>
  <title>${post.title}</title>
  <link>${esc(permalink(site, post))}</link>
  <dc:creator><![CDATA[${author}]]></dc:creator>
  <pubDate>${post.dateGmt.toUTCString().replace('GMT', '+0000')}</pubDate>
  ${names.map((n) => `<category><![CDATA[${n}]]></category>`).join('')}
  <guid isPermaLink="false">${site.home.replace('https:', 'http:')}/?p=${post.id}</guid>
  <description><![CDATA[${post.excerpt} [&#8230;]]]></description>
</item>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>Fake News</title><link>${site.home}</link><description>Just another WordPress site</description>
<language>en-US</language>
${items.join('\n')}
</channel></rss>`;
}

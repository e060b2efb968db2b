import { seededRandom } from './rng.js';

/**
 * Realistic WordPress RSS 2.0 (what /feed/ serves on a default install): the usual namespaces,
 * sy:/wfw:/slash: elements, CDATA authors and categories, an excerpt with the "appeared first
 * on" footer and the full post in content:encoded (~3.5 KB of HTML per item).
 */

const WORDS = (
  'council budget city river school police mayor election vote housing transit rail bridge storm ' +
  'weather farmers market hospital nurses union strike court judge ruling appeal museum festival ' +
  'theatre concert football league season coach injury transfer stadium tax reform pension ' +
  'minister parliament debate climate energy solar wind grid prices inflation rates bank ' +
  'university students research science water drought flood rescue fire crews volunteers ' +
  'library park playground traffic cyclists road works residents neighbours protest petition ' +
  'report inquiry audit contract tender investment jobs factory harbour airport flights tourism ' +
  'hotel restaurant chef bakery award history anniversary memorial veterans church community ' +
  'centre youth club sports results final victory defeat draw record crowd tickets schedule'
).split(' ');
const NAMES = ['Ana Müller', 'James O’Connor', 'Li Wei', 'Fatima Zahra', 'Søren Kierkegaard', 'María José García'];
const SECTIONS = ['Politics', 'City Council', 'Sport', 'Business', 'Culture', 'Weather', 'Education', 'Health'];

export interface FeedItemSpec {
  /** Unique number of the post (WordPress post id). */
  n: number;
  publishedAt: Date;
}

function sentence(random: () => number, words: number): string {
  const list = Array.from({ length: words }, () => WORDS[Math.floor(random() * WORDS.length)] ?? 'news');
  const text = list.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
}

function paragraph(random: () => number): string {
  return Array.from({ length: 5 + Math.floor(random() * 3) }, () => sentence(random, 9 + Math.floor(random() * 8))).join(' ');
}

export function itemTitle(site: number, n: number): string {
  const random = seededRandom(site * 1_000_003 + n);
  return sentence(random, 6 + Math.floor(random() * 5)).slice(0, -1);
}

export function itemLink(siteUrl: string, site: number, n: number, publishedAt: Date): string {
  const slug = itemTitle(site, n).toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const day = publishedAt.toISOString().slice(0, 10).replace(/-/g, '/');
  return `${siteUrl}/${day}/${slug}-${n}/`;
}

function item(siteUrl: string, siteName: string, site: number, spec: FeedItemSpec): string {
  const random = seededRandom(site * 7_919 + spec.n * 31);
  const title = itemTitle(site, spec.n);
  const link = itemLink(siteUrl, site, spec.n, spec.publishedAt);
  const author = NAMES[spec.n % NAMES.length] ?? 'Staff';
  const categories = [SECTIONS[spec.n % SECTIONS.length], SECTIONS[(spec.n * 3 + 1) % SECTIONS.length]];
  const paragraphs = Array.from({ length: 6 }, () => `<p>${paragraph(random)}</p>`);
  const excerpt = paragraph(random).split(' ').slice(0, 55).join(' ');
  const image = `${siteUrl}/wp-content/uploads/${spec.publishedAt.getUTCFullYear()}/03/photo-${spec.n}-1024x683.jpg`;
  const content = [
    paragraphs[0],
    `<figure class="wp-block-image size-large"><img decoding="async" width="1024" height="683" src="${image}" alt="${title}" class="wp-image-${spec.n + 1}" srcset="${image} 1024w, ${image.replace('1024x683', '300x200')} 300w" sizes="(max-width: 1024px) 100vw, 1024px" /><figcaption class="wp-element-caption">Photo: ${author} &#8211; ${siteName}</figcaption></figure>`,
    ...paragraphs.slice(1, 4),
    `<h2 class="wp-block-heading">What happens next</h2>`,
    ...paragraphs.slice(4),
  ].join('\n\n');
  return `	<item>
		<title>${title}</title>
		<link>${link}</link>
		<comments>${link}#respond</comments>
		<dc:creator><![CDATA[${author}]]></dc:creator>
		<pubDate>${spec.publishedAt.toUTCString().replace('GMT', '+0000')}</pubDate>
		${categories.map((c) => `<category><![CDATA[${c ?? 'News'}]]></category>`).join('\n\t\t')}
		<guid isPermaLink="false">${siteUrl}/?p=${spec.n}</guid>

		<description><![CDATA[<p>${excerpt} [&#8230;]</p>
<p>The post <a href="${link}">${title}</a> appeared first on <a href="${siteUrl}">${siteName}</a>.</p>
]]></description>
		<content:encoded><![CDATA[${content}
<p>The post <a href="${link}">${title}</a> appeared first on <a href="${siteUrl}">${siteName}</a>.</p>
]]></content:encoded>
		<wfw:commentRss>${link}feed/</wfw:commentRss>
		<slash:comments>${spec.n % 7}</slash:comments>
	</item>`;
}

export function siteUrlOf(site: number): string {
  return `https://www.site-${site}.example`;
}

/** One site's feed; items newest first, as WordPress serves them. */
export function wordpressFeed(site: number, items: readonly FeedItemSpec[], lastBuild: Date): string {
  const siteUrl = siteUrlOf(site);
  const siteName = `The Site ${site} Gazette`;
  const newestFirst = [...items].sort((a, b) => b.n - a.n);
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
	>

<channel>
	<title>${siteName}</title>
	<atom:link href="${siteUrl}/feed/" rel="self" type="application/rss+xml" />
	<link>${siteUrl}</link>
	<description>Local news, sport and culture</description>
	<lastBuildDate>${lastBuild.toUTCString().replace('GMT', '+0000')}</lastBuildDate>
	<language>en-US</language>
	<sy:updatePeriod>
	hourly	</sy:updatePeriod>
	<sy:updateFrequency>
	1	</sy:updateFrequency>
	<generator>https://wordpress.org/?v=6.7.2</generator>

<image>
	<url>${siteUrl}/wp-content/uploads/2024/01/cropped-icon-32x32.png</url>
	<title>${siteName}</title>
	<link>${siteUrl}</link>
	<width>32</width>
	<height>32</height>
</image> 
${newestFirst.map((spec) => item(siteUrl, siteName, site, spec)).join('\n')}
	</channel>
</rss>
`;
}

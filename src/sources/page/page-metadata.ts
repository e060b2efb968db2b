import { Parser } from 'htmlparser2';

/** What a news page says about itself: OpenGraph, article:* tags, JSON-LD, <title>, canonical. */
export interface PageMetadata {
  canonical?: string;
  title?: string;
  description?: string;
  image?: string;
  imageAlt?: string;
  publishedAt?: string;
  modifiedAt?: string;
  language?: string;
  section: string[];
  tags: string[];
  authors: string[];
}

interface JsonLdArticle {
  '@type'?: string | string[];
  headline?: string;
  name?: string;
  description?: string;
  datePublished?: string;
  dateModified?: string;
  inLanguage?: string;
  articleSection?: string | string[];
  keywords?: string | string[];
  author?: JsonLdPerson | JsonLdPerson[];
  image?: string | { url?: string } | (string | { url?: string })[];
  '@graph'?: JsonLdArticle[];
}

type JsonLdPerson = string | { name?: string };

const ARTICLE_TYPES = /Article|BlogPosting|Report/;

/**
 * Reads the metadata news sites publish for link previews. htmlparser2 streams the page, so a
 * large page costs no DOM; only <head>-style tags and JSON-LD scripts are kept.
 */
export function readPageMetadata(html: string): PageMetadata {
  const meta: PageMetadata = { section: [], tags: [], authors: [] };
  const og = new Map<string, string>();
  let titleText = '';
  let inTitle = false;
  let jsonLd: string | undefined;
  const scripts: string[] = [];

  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'html' && attrs.lang) meta.language ??= attrs.lang;
        if (name === 'title') inTitle = true;
        if (name === 'link' && attrs.rel?.split(/\s+/).includes('canonical') && attrs.href) meta.canonical ??= attrs.href;
        if (name === 'script' && attrs.type === 'application/ld+json') jsonLd = '';
        if (name !== 'meta') return;
        const key = (attrs.property ?? attrs.name ?? '').toLowerCase();
        const content = attrs.content;
        if (!key || content === undefined) return;
        if (key === 'article:tag') meta.tags.push(content);
        else if (key === 'article:section') meta.section.push(content);
        else if (key === 'article:author' || key === 'author') meta.authors.push(content);
        else if (!og.has(key)) og.set(key, content);
      },
      ontext(text) {
        if (inTitle) titleText += text;
        if (jsonLd !== undefined) jsonLd += text;
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (name === 'script' && jsonLd !== undefined) {
          scripts.push(jsonLd);
          jsonLd = undefined;
        }
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();

  const ld = scripts.map(parseJsonLd).find((a) => a !== undefined);
  meta.title = og.get('og:title') ?? ld?.headline ?? ld?.name ?? (titleText.trim() || undefined);
  meta.description = og.get('og:description') ?? ld?.description ?? og.get('description') ?? og.get('twitter:description');
  meta.image = og.get('og:image') ?? og.get('og:image:url') ?? og.get('og:image:secure_url') ?? ldImage(ld) ?? og.get('twitter:image');
  meta.imageAlt = og.get('og:image:alt') ?? og.get('twitter:image:alt');
  meta.canonical ??= og.get('og:url');
  meta.publishedAt = og.get('article:published_time') ?? ld?.datePublished;
  meta.modifiedAt = og.get('article:modified_time') ?? ld?.dateModified;
  meta.language ??= ld?.inLanguage ?? og.get('og:locale')?.replace('_', '-');
  if (ld) {
    meta.section.push(...list(ld.articleSection));
    meta.tags.push(...list(ld.keywords).flatMap((k) => k.split(',')).map((k) => k.trim()).filter(Boolean));
    if (meta.authors.length === 0) meta.authors.push(...persons(ld.author));
  }
  return meta;
}

function parseJsonLd(text: string): JsonLdArticle | undefined {
  try {
    const parsed = JSON.parse(text) as JsonLdArticle | JsonLdArticle[];
    const candidates = (Array.isArray(parsed) ? parsed : [parsed]).flatMap((node) => [node, ...(node['@graph'] ?? [])]);
    return candidates.find((node) => list(node['@type']).some((t) => ARTICLE_TYPES.test(t)));
  } catch {
    return undefined; // a broken JSON-LD block is common and never fatal
  }
}

function list(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function persons(value: JsonLdPerson | JsonLdPerson[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value])
    .map((p) => (typeof p === 'string' ? p : p.name))
    .filter((name): name is string => typeof name === 'string' && name.length > 0);
}

function ldImage(ld: JsonLdArticle | undefined): string | undefined {
  const image = ld?.image;
  const first = Array.isArray(image) ? image[0] : image;
  return typeof first === 'string' ? first : first?.url;
}

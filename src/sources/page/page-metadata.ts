import { Parser } from 'htmlparser2';
import { chooseImage, type ImageCandidate } from '../choose-image.js';

/** What a news page says about itself: OpenGraph, article:* tags, JSON-LD, <title>, canonical. */
export interface PageMetadata {
  canonical?: string;
  title?: string;
  description?: string;
  /** The largest of og:image, JSON-LD image and twitter:image (choose-image.ts); may be relative. */
  image?: string;
  imageAlt?: string;
  imageWidth?: number;
  imageHeight?: number;
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
  image?: LdImage | LdImage[];
  '@graph'?: JsonLdArticle[];
}

type JsonLdPerson = string | { name?: string };
/** schema.org ImageObject: width/height are numbers, strings or QuantitativeValue objects in the wild. */
type LdImage = string | { url?: string; width?: unknown; height?: unknown };

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
  const images = new OpenGraphImages();

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
        if (images.read(key, content)) return;
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
  const image = chooseImage([...images.og, ...ldImages(ld), ...images.twitter]);
  if (image) {
    meta.image = image.url;
    if (image.alt) meta.imageAlt = image.alt;
    if (image.width !== undefined) meta.imageWidth = image.width;
    if (image.height !== undefined) meta.imageHeight = image.height;
  }
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

function ldImages(ld: JsonLdArticle | undefined): ImageCandidate[] {
  const image = ld?.image;
  if (image === undefined) return [];
  return (Array.isArray(image) ? image : [image]).flatMap((entry): ImageCandidate[] => {
    if (typeof entry === 'string') return [{ url: entry }];
    if (typeof entry.url !== 'string') return [];
    return [{ url: entry.url, width: pixels(entry.width), height: pixels(entry.height) }];
  });
}

function pixels(value: unknown): number | undefined {
  const raw = typeof value === 'object' && value !== null && 'value' in value ? value.value : value;
  const number = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number.parseInt(raw, 10) : Number.NaN;
  return Number.isFinite(number) && number > 0 ? number : undefined;
}

/**
 * OpenGraph images in page order (https://ogp.me/#structured): `og:image` (or `og:image:url`)
 * starts an image; `og:image:secure_url`, `:width`, `:height` and `:alt` describe the latest one.
 * A page may list several (sizes, crops); twitter:image is kept apart as the last resort.
 */
class OpenGraphImages {
  readonly og: ImageCandidate[] = [];
  readonly twitter: ImageCandidate[] = [];

  /** True when the tag was an image property (consumed here). */
  read(key: string, content: string): boolean {
    const current = this.og.at(-1);
    switch (key) {
      case 'og:image':
      case 'og:image:url':
        // `og:image` then `og:image:url` with the same address is one image said twice.
        if (current?.url !== content) this.og.push({ url: content });
        return true;
      case 'og:image:secure_url':
        if (current === undefined) this.og.push({ url: content });
        else if (/^https:/i.test(content)) current.url = content;
        return true;
      case 'og:image:width':
        if (current) current.width = pixels(content);
        return true;
      case 'og:image:height':
        if (current) current.height = pixels(content);
        return true;
      case 'og:image:alt':
        if (current) current.alt = content;
        return true;
      case 'twitter:image':
      case 'twitter:image:src':
        this.twitter.push({ url: content });
        return true;
      case 'twitter:image:alt': {
        const last = this.twitter.at(-1);
        if (last) last.alt = content;
        return true;
      }
      default:
        return false;
    }
  }
}

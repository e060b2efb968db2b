import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Article } from '../../src/articles/article.js';
import { channelSchema, type ChannelConfig } from '../../src/config/schema.js';
import { renderPost, type RenderedPost } from '../../src/delivery/render-post.js';
import { blueskyTextRules } from '../../src/platforms/bluesky/text-rules.js';
import { mastodonTextRules } from '../../src/platforms/mastodon/text-rules.js';
import { platformFor } from '../../src/platforms/registry.js';
import { xTextRules } from '../../src/platforms/x/text-rules.js';
import type { TextRules } from '../../src/render/text-rules.js';
import { createTemplateEngine } from '../../src/render/templates.js';
import type { ChannelRuntime } from '../../src/runtime/channels.js';
import { BUILTIN_TEMPLATES_DIR } from '../../src/runtime/templates.js';
import { makeArticle } from './articles.js';

export const GOLDEN_DIR = new URL('../golden/', import.meta.url).pathname;
export const GOLDEN_PLATFORMS = ['x', 'bluesky', 'mastodon'] as const;
export type GoldenPlatform = (typeof GOLDEN_PLATFORMS)[number];

export interface GoldenCase {
  file: string;
  name: string;
  article: Pick<Article, 'title' | 'summary' | 'url'> & { categories?: string[]; tags?: string[]; language?: string };
  language?: string;
  x?: string;
  bluesky?: string;
  mastodon?: string;
}

/** Every case of every tests/golden/*.yaml, in file order. */
export function goldenCases(): GoldenCase[] {
  return readdirSync(GOLDEN_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) => (parse(readFileSync(join(GOLDEN_DIR, file), 'utf8')) as Omit<GoldenCase, 'file'>[]).map((c) => ({ ...c, file })));
}

export function goldenArticle(c: GoldenCase): Article {
  return makeArticle({
    key: c.name,
    title: c.article.title,
    summary: c.article.summary,
    url: c.article.url,
    categories: c.article.categories ?? [],
    tags: c.article.tags ?? [],
    ...(c.article.language ? { language: c.article.language } : {}),
  });
}

const RULES: Record<GoldenPlatform, TextRules> = {
  x: xTextRules(),
  bluesky: blueskyTextRules(),
  // Mastodon's defaults: 500 characters, every URL 23 (https://docs.joinmastodon.org/entities/Instance/).
  mastodon: mastodonTextRules({ maxCharacters: 500, charactersReservedPerUrl: 23 }),
};

/** A dry-run channel with the default template, as `crier preview` and the worker build it. */
export function goldenChannel(platform: GoldenPlatform): ChannelRuntime {
  const config: ChannelConfig = channelSchema.parse(
    platform === 'mastodon' ? { id: 'mastodon-main', platform, dryRun: true, instance: 'https://social.example.org' } : { id: `${platform}-main`, platform, dryRun: true },
  );
  return {
    config,
    platform: platformFor(config),
    adapter: {
      verify: () => Promise.reject(new Error('golden channels never publish')),
      publish: () => Promise.reject(new Error('golden channels never publish')),
    },
    textRules: () => Promise.resolve(RULES[platform]),
  };
}

const engine = createTemplateEngine();

/** The post Crier would publish for a golden case on one platform, with defaults.language "en". */
export function goldenPost(c: GoldenCase, platform: GoldenPlatform): Promise<RenderedPost> {
  const channel = goldenChannel(platform);
  const file = join(BUILTIN_TEMPLATES_DIR, channel.platform.defaultTemplate);
  const render = engine.compileFile(file);
  return renderPost(goldenArticle(c), channel, { forDelivery: () => render, pathFor: () => file }, undefined, 'en');
}

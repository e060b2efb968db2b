import type { Article } from '../articles/article.js';
import { templateContext } from '../render/context.js';
import { fitPost, type FittedPost } from '../render/fit.js';
import { detectLanguage, postLanguage } from '../render/post-language.js';
import { postLink } from '../render/post-link.js';
import type { RenderPost } from '../render/templates.js';
import type { ChannelRuntime } from '../runtime/channels.js';
import type { TemplateSet } from '../runtime/templates.js';

/** The fitted text and what goes out with it, as the adapters will send it. */
export interface RenderedPost extends FittedPost {
  /** The language tag the platform receives (Mastodon `language`, Bluesky `langs`). */
  language: string;
  /** The link the post carries ('' when the article has none) and how its text shows it. */
  link: { url: string; text: string };
}

/**
 * The one way a post is built: template → context → fit to the platform. The worker, a dry run
 * and `crier preview` all call this, so what an editor previews is what gets posted. The
 * adapters derive the same language and link from the same functions (post-language.ts,
 * post-link.ts), so the record or status they build agrees with this text.
 */
export async function renderPost(
  article: Article,
  channel: ChannelRuntime,
  templates: TemplateSet,
  routeTemplate: string | undefined,
  defaultLanguage: string,
): Promise<RenderedPost> {
  const template = templates.forDelivery(channel.config.id, routeTemplate);
  // The channel's hashtag options ride along with whatever the fitter turns (drop or keep).
  const render: RenderPost = (ctx, controls = { dropHashtags: false }) => template(ctx, { ...controls, hashtags: channel.config.hashtags });
  const rules = await channel.textRules();
  const language = await postLanguage(article, channel.config.language ?? defaultLanguage);
  const url = postLink(article, channel.config.link, { platform: channel.platform.id, channel: channel.config.id });
  const text = url === '' ? '' : (rules.linkText?.(url) ?? url);
  const context = templateContext(article, {
    channelId: channel.config.id,
    platform: channel.platform.id,
    language,
    imageAlt: channel.config.imageAlt,
    linkText: text,
  });
  return { ...fitPost(render, context, rules), language, link: { url, text } };
}

/**
 * Loads what the first render would otherwise load while a post waits: the language detector's
 * n-gram tables take a second or more to evaluate. The daemon calls this before it starts, so
 * the first pushed story goes out as fast as the next one.
 *
 * Only when a channel posts for real: the tables hold some 45 MB of heap for the daemon's life
 * (and pass 140 MB while they load), which a daemon of dry runs (the demo, a trial) should not
 * carry for a latency nobody waits on. A dry-run channel still detects the language the same
 * way; its first render without a declared language loads the detector then.
 */
export async function warmUpRendering(channels: readonly Pick<ChannelRuntime['config'], 'dryRun'>[]): Promise<void> {
  if (channels.some((channel) => !channel.dryRun)) await detectLanguage('warm up');
}

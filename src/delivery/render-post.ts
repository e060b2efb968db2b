import type { Article } from '../articles/article.js';
import { templateContext } from '../render/context.js';
import { fitPost, type FittedPost } from '../render/fit.js';
import type { ChannelRuntime } from '../runtime/channels.js';
import type { TemplateSet } from '../runtime/templates.js';

/**
 * The one way a post is built: template → context → fit to the platform. The worker, a dry run
 * and `crier preview` all call this, so what an editor previews is what gets posted.
 */
export async function renderPost(
  article: Article,
  channel: ChannelRuntime,
  templates: TemplateSet,
  routeTemplate: string | undefined,
  defaultLanguage: string,
): Promise<FittedPost> {
  const render = templates.forDelivery(channel.config.id, routeTemplate);
  const context = templateContext(article, {
    channelId: channel.config.id,
    platform: channel.platform.id,
    language: channel.config.language ?? defaultLanguage,
    imageAlt: channel.config.imageAlt,
  });
  return fitPost(render, context, await channel.textRules());
}

import type { Command } from 'commander';
import { renderPost } from '../../delivery/render-post.js';
import { routeArticle } from '../../ingest/route-article.js';
import { FitError } from '../../render/fit.js';
import { articleFromPage } from '../../sources/page/page-article.js';
import { withCli } from '../context.js';
import { describeImage, outgoing } from '../outgoing.js';
import { colour, printJson, relativeTime, UsageError } from '../output.js';
import { parseArticleRef } from '../resolve-article.js';

export async function previewAction(program: Command, ref: string, options: { channel?: string; json?: boolean }): Promise<void> {
  await withCli(program, undefined, async ({ app, out }) => {
    const parsed = parseArticleRef(ref);
    const stored = await app.editor.findArticle(parsed);
    if (!stored && parsed.kind === 'id') throw new UsageError(`no article with id ${parsed.id}`);
    const article = stored ?? (await articleFromPage(parsed.kind === 'url' ? parsed.url : ref, 'manual', app.now()));
    const routed = new Map(routeArticle(article, app.routing, app.now()).map((d) => [d.channelId, d]));
    if (options.channel && !app.channels.has(options.channel)) {
      throw new UsageError(`unknown channel "${options.channel}"; channels are: ${[...app.channels.keys()].join(', ')}`);
    }
    const channelIds = options.channel ? [options.channel] : routed.size > 0 ? [...routed.keys()] : [...app.channels.keys()];
    const deliveries = stored ? await app.store.listDeliveries({ articleId: stored.id }) : [];

    const previews = [];
    for (const channelId of channelIds) {
      const channel = app.channels.get(channelId);
      if (!channel) continue;
      const route = routed.get(channelId);
      const delivery = deliveries.find((d) => d.channelId === channelId);
      const template = app.templates.pathFor(channelId, route?.template);
      const base = {
        channel: channelId,
        platform: channel.platform.id,
        dryRun: channel.config.dryRun,
        route: route?.routeId ?? null,
        template,
        delivery: delivery ? { id: delivery.id, state: delivery.state, postedAt: delivery.postedAt ?? null, url: delivery.remoteUrl ?? null } : null,
      };
      try {
        const fitted = await renderPost(article, channel, app.templates, route?.template, app.config.defaults.language);
        const extras = outgoing(article, channel, fitted);
        previews.push({ ...base, text: fitted.text, length: fitted.length, limit: fitted.limit, unit: fitted.unit, adjustments: fitted.adjustments, ...extras, error: null });
      } catch (error) {
        if (!(error instanceof FitError)) throw error;
        previews.push({ ...base, text: null, length: error.length, limit: error.limit, unit: null, adjustments: [], language: null, link: null, image: null, card: null, error: error.message });
      }
    }

    if (options.json) {
      printJson(out, { article: { id: stored?.id ?? null, title: article.title, url: article.url, inStore: stored !== undefined }, previews });
      return;
    }
    out.write(`${colour(out, 'bold', article.title)}\n${article.url}${stored ? ` · article ${stored.id}` : ' · not in the store yet (read from the page)'}\n\n`);
    for (const p of previews) {
      const status = p.delivery
        ? p.delivery.state === 'posted'
          ? colour(out, 'yellow', `already posted ${relativeTime(p.delivery.postedAt ?? undefined, app.now())}${p.delivery.url ? ` ${p.delivery.url}` : ''}`)
          : `delivery ${p.delivery.id} is ${p.delivery.state}`
        : 'not posted';
      const counts = p.error ? colour(out, 'red', 'does not fit') : `${p.length}/${p.limit} ${p.unit}`;
      out.write(
        `${colour(out, 'bold', `── ${p.channel}`)} · ${p.platform}${p.dryRun ? ' (dry run)' : ''} · ${counts} · route ${p.route ?? '— (no route sends it here)'} · ${p.template}\n`,
      );
      out.write(`   ${status}${p.adjustments.length ? ` · ${p.adjustments.join(', ')}` : ''}\n`);
      if (p.language !== null) out.write(`   language ${p.language}${p.link?.url ? ` · link ${p.link.url}` : ' · no link'}\n`);
      if (p.image) out.write(`   image ${describeImage(p.image)}\n`);
      if (p.card) {
        const thumb = p.card.thumb === null ? 'none' : typeof p.card.thumb === 'string' ? p.card.thumb : describeImage(p.card.thumb, false);
        out.write(`   card ${JSON.stringify(p.card.title)} · ${JSON.stringify(p.card.description)}\n   card thumb ${thumb}\n`);
      }
      out.write(p.error ? `${colour(out, 'red', p.error)}\n\n` : `${p.text}\n\n`);
    }
  });
}

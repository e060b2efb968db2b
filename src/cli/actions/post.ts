import type { Command } from 'commander';
import { runningDaemon } from '../../daemon/heartbeat.js';
import { routeArticle } from '../../ingest/route-article.js';
import { postByHand } from '../../runtime/manual-post.js';
import { articleFromPage } from '../../sources/page/page-article.js';
import type { Delivery, Priority, StoredArticle } from '../../delivery/editor-actions.js';
import { withCli, type CliContext } from '../context.js';
import { colour, parseTime, printJson, relativeTime, UsageError } from '../output.js';
import { parseArticleRef } from '../resolve-article.js';

export interface PostOptions {
  channels?: string;
  force?: boolean;
  breaking?: boolean;
  at?: string;
  reason?: string;
  by?: string;
  now?: boolean;
  json?: boolean;
}

export async function postAction(program: Command, ref: string, options: PostOptions): Promise<void> {
  await withCli(program, options.by, async (ctx) => {
    const { app, out, actor } = ctx;
    const article = await resolveOrRecord(ctx, ref);
    const at = options.at ? parseTime(options.at, app.now(), 'future') : app.now();
    const priority: Priority = options.breaking ? 'breaking' : 'normal';
    const channelIds = chooseChannels(ctx, article, options.channels);
    const why = options.reason ? `: ${options.reason}` : '';
    const outcomes = await postByHand(app, article, { channelIds, at, priority, force: options.force === true, actor, why });

    const daemon = await runningDaemon(app.store, app.now());
    const queuedIds = outcomes.flatMap((o) => (o.action !== 'skipped' && o.deliveryId !== undefined ? [o.deliveryId] : []));
    const delivered: Delivery[] = [];
    let how: string;
    if (queuedIds.length === 0) how = 'nothing to do';
    else if (daemon) how = `queued: the running daemon (pid ${daemon.pid}) will post it${at > app.now() ? ` ${relativeTime(at, app.now())}` : ' within a second'}`;
    else if (options.now && at <= app.now()) {
      for (const id of queuedIds) {
        const result = await app.worker.deliverOne(id);
        if (result) delivered.push(result);
      }
      how = 'no daemon is running: published from this process';
    } else how = 'queued, but no daemon is running: start `crier run`, or add --now to publish from here';

    if (options.json) {
      printJson(out, { article: { id: article.id, title: article.title }, outcomes, how, delivered });
    } else {
      out.write(`${colour(out, 'bold', article.title)} · article ${article.id}\n`);
      for (const o of outcomes) {
        const mark = o.action === 'skipped' ? colour(out, 'yellow', 'skipped') : colour(out, 'green', o.action);
        out.write(`  ${o.channel}: ${mark}${o.deliveryId !== undefined ? ` (delivery ${o.deliveryId})` : ''} · ${o.detail}\n`);
      }
      for (const d of delivered) {
        const result = d.state === 'posted' ? colour(out, 'green', `posted ${d.remoteUrl ?? d.remoteId ?? ''}`) : colour(out, 'red', `${d.state}: ${d.lastError ?? ''}`);
        out.write(`  ${d.channelId}: ${result}\n`);
      }
      out.write(`${how}\n`);
    }
    if (delivered.some((d) => d.state !== 'posted')) process.exitCode = 1;
  });
}

async function resolveOrRecord({ app, actor }: CliContext, ref: string): Promise<StoredArticle> {
  const parsed = parseArticleRef(ref);
  const stored = await app.editor.findArticle(parsed);
  if (stored) return stored;
  if (parsed.kind === 'id') throw new UsageError(`no article with id ${parsed.id}`);
  const warn = (message: string): void => app.logger.warn({ url: parsed.url }, message);
  return app.editor.recordArticle(await articleFromPage(parsed.url, 'manual', app.now(), { warn }), actor);
}

function chooseChannels({ app }: CliContext, article: StoredArticle, list: string | undefined): string[] {
  if (list) {
    const ids = list.split(',').map((s) => s.trim()).filter(Boolean);
    for (const id of ids) {
      if (!app.channels.has(id)) throw new UsageError(`unknown channel "${id}"; channels are: ${[...app.channels.keys()].join(', ')}`);
    }
    return ids;
  }
  const routed = routeArticle(article, app.routing, app.now()).map((d) => d.channelId);
  if (routed.length === 0) throw new UsageError('no route sends this article to any channel; name them with --channels a,b');
  return routed;
}

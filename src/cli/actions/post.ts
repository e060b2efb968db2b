import type { Command } from 'commander';
import { runningDaemon } from '../../daemon/heartbeat.js';
import { articleIdentity, deliveryKey, routeArticle } from '../../ingest/route-article.js';
import { articleFromPage } from '../../sources/page/page-article.js';
import type { Delivery, NewDelivery, Priority, StoredArticle } from '../../store/store.js';
import { withCli, type CliContext } from '../context.js';
import { colour, parseTime, printJson, relativeTime, UsageError } from '../output.js';
import { findArticle, parseArticleRef } from '../resolve-article.js';

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

interface ChannelOutcome {
  channel: string;
  action: 'queued' | 'requeued' | 'skipped';
  deliveryId?: number;
  detail: string;
}

export async function postAction(program: Command, ref: string, options: PostOptions): Promise<void> {
  await withCli(program, options.by, async (ctx) => {
    const { app, out, actor } = ctx;
    const article = await resolveOrRecord(ctx, ref);
    const at = options.at ? parseTime(options.at, app.now(), 'future') : app.now();
    const priority: Priority = options.breaking ? 'breaking' : 'normal';
    const channelIds = chooseChannels(ctx, article, options.channels);
    const why = options.reason ? `: ${options.reason}` : '';
    const outcomes: ChannelOutcome[] = [];

    const existing = await app.store.listDeliveries({ articleId: article.id });
    const routed = new Map(routeArticle(article, app.routing, at).map((d) => [d.channelId, d]));
    for (const channelId of channelIds) {
      const delivery = existing.find((d) => d.channelId === channelId);
      if (!delivery) {
        const channel = app.channels.get(channelId);
        const planned: NewDelivery = routed.get(channelId) ?? {
          channelId,
          routeId: 'manual',
          priority,
          dryRun: channel?.config.dryRun ?? false,
          nextAttemptAt: at,
          idempotencyKey: deliveryKey(articleIdentity(article), channelId),
        };
        const [id] = await app.store.addDeliveries(article.id, [{ ...planned, priority, nextAttemptAt: at }], {
          at: app.now(),
          kind: 'manual-post',
          message: `posted by ${actor}${why}`,
          actor,
        });
        outcomes.push({ channel: channelId, action: 'queued', ...(id === undefined ? {} : { deliveryId: id }), detail: 'queued' });
        continue;
      }
      outcomes.push(await requeueExisting(ctx, delivery, { force: options.force === true, at, priority, why }));
    }

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
  const stored = await findArticle(app.store, parsed);
  if (stored) return stored;
  if (parsed.kind === 'id') throw new UsageError(`no article with id ${parsed.id}`);
  const article = await articleFromPage(parsed.url, 'manual', app.now());
  return app.store.recordArticle(article, app.now(), {
at: app.now(),
kind: 'article-recorded',
message: `read from the page for a manual post by ${actor}`,
actor,
sourceId: 'manual',
  });
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

async function requeueExisting(
  { app, actor }: CliContext,
  delivery: Delivery,
  options: { force: boolean; at: Date; priority: Priority; why: string },
): Promise<ChannelOutcome> {
  const base = { channel: delivery.channelId, deliveryId: delivery.id };
  if (delivery.state === 'sending') return { ...base, action: 'skipped', detail: 'being sent right now' };
  if (delivery.state === 'pending') {
    await app.store.requeue(delivery.id, { at: options.at, priority: options.priority }, {
      at: app.now(), kind: 'manual-post', message: `rescheduled by ${actor}${options.why}`, actor, articleId: delivery.articleId, deliveryId: delivery.id, channelId: delivery.channelId,
    });
    return { ...base, action: 'requeued', detail: 'was already queued; rescheduled' };
  }
  if (delivery.state === 'posted' && !options.force) {
    return { ...base, action: 'skipped', detail: `already posted ${relativeTime(delivery.postedAt, app.now())}${delivery.remoteUrl ? ` ${delivery.remoteUrl}` : ''}; use --force to post again` };
  }
  // A forced repost is a new post: new idempotency key, text rebuilt. A retry of a failed or
  // uncertain one keeps its key, so a platform that got the first attempt recognises it.
  const freshKey = options.force ? deliveryKey(`${delivery.idempotencyKey}\nrepost ${app.now().toISOString()}`, delivery.channelId) : undefined;
  await app.store.requeue(delivery.id, { at: options.at, priority: options.priority, freshKey }, {
    at: app.now(),
    kind: options.force ? 'manual-repost' : 'manual-retry',
    message: `${options.force ? 'forced repost' : `retry of a ${delivery.state} delivery`} by ${actor}${options.why}`,
    actor,
    articleId: delivery.articleId,
    deliveryId: delivery.id,
    channelId: delivery.channelId,
    data: delivery.remoteUrl ? { previous: delivery.remoteUrl } : undefined,
  });
  return { ...base, action: 'requeued', detail: options.force ? 'will be posted again' : `retrying the ${delivery.state} delivery` };
}

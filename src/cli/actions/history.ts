import type { Command } from 'commander';
import { withStoreCli, type StoreCliContext } from '../context.js';
import { colour, parseTime, printJson, relativeTime, table, UsageError } from '../output.js';
import { parseArticleRef } from '../resolve-article.js';
import { articleFates, FATE_EVENT_KINDS, type Fate } from '../article-fates.js';

export async function historyAction(program: Command, ref: string | undefined, options: { channel?: string; since?: string; limit: string; followUps?: boolean; json?: boolean }): Promise<void> {
  await withStoreCli(program, undefined, async ({ app, out }) => {
    const limit = Number(options.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError('--limit takes a positive whole number');
    const since = options.since ? parseTime(options.since, app.now(), 'past') : undefined;
    const article = ref ? await app.editor.findArticle(parseArticleRef(ref)) : undefined;
    if (ref && !article) throw new UsageError(`no article ${ref} in the store (it may not have been polled yet; try crier preview)`);

    if (!article && options.followUps) {
      await followUpsView(app, out, since, limit, options.json === true);
      return;
    }
    const deliveries = article ? await app.store.listDeliveries({ articleId: article.id, ...(options.channel ? { channelId: options.channel } : {}) }) : [];
    // Pulled, retracted, corrected: who, when and why, from all of the article's events.
    const fates = article ? articleFates(await app.store.listEvents({ articleId: article.id, limit: 100_000 })) : [];
    const events = await app.store.listEvents({
      articleId: article?.id,
      channelId: options.channel,
      since,
      newestFirst: !article,
      limit,
    });
    // Without an article, each event says which article it is about: its id and headline.
    const titles = new Map<number, string>();
    if (!article) {
      for (const id of new Set(events.flatMap((e) => (e.articleId === undefined ? [] : [e.articleId])))) {
        const found = await app.editor.findArticle({ kind: 'id', id });
        if (found) titles.set(id, found.title);
      }
    }
    if (options.json) {
      printJson(out, {
        article: article ?? null,
        deliveries,
        fates,
        events: article ? events : events.map((e) => ({ ...e, articleTitle: e.articleId === undefined ? null : (titles.get(e.articleId) ?? null) })),
      });
      return;
    }
    const now = app.now();
    if (article) {
      out.write(`${colour(out, 'bold', article.title)}\n${article.url}\narticle ${article.id} · source ${article.sourceId} · published ${relativeTime(article.publishedAt, now)} · first seen ${relativeTime(article.firstSeenAt, now)}${article.duplicateOf ? ` · same story as article ${article.duplicateOf}` : ''}\n\n`);
      for (const fate of fates) out.write(`${colour(out, fate.what === 'corrected' ? 'yellow' : 'red', fate.what)} by ${fate.by} ${relativeTime(fate.at, now)}${fate.channels.length ? ` (${fate.channels.join(', ')})` : ''}: ${fate.why}\n`);
      if (fates.length > 0) out.write('\n');
      if (deliveries.length > 0) {
        out.write(
          table(
            ['DELIVERY', 'KIND', 'CHANNEL', 'STATE', 'ATTEMPTS', 'WHEN', 'WHERE / WHY'],
            deliveries.map((d) => [
              String(d.id),
              d.kind === 'post' ? 'post' : `${d.kind} of ${d.parentId ?? '?'}`,
              d.channelId,
              stateText(out, d.state),
              String(d.attempts),
              relativeTime(d.postedAt ?? d.updatedAt, now),
              // A missing post: where it was, and what the read-back found (never re-sent by itself).
              d.state === 'missing' ? `${d.remoteUrl ?? d.remoteId ?? ''} · ${d.lastError ?? 'missing'}` : (d.remoteUrl ?? d.lastError ?? (d.state === 'pending' ? `due ${relativeTime(d.nextAttemptAt, now)}` : '')),
            ]),
          ),
        );
        out.write('\n');
      } else {
        out.write('no deliveries (not routed, present at a first poll, too old, or a duplicate: see the events)\n\n');
      }
    }
    out.write(
      article
        ? table(
            ['WHEN', 'EVENT', 'CHANNEL', 'BY', 'WHAT'],
            events.map((e) => [relativeTime(e.at, now), e.kind, e.channelId ?? '', e.actor, e.message]),
          )
        : table(
            ['WHEN', 'ARTICLE', 'TITLE', 'EVENT', 'CHANNEL', 'BY', 'WHAT'],
            events.map((e) => [
              relativeTime(e.at, now),
              e.articleId === undefined ? '' : String(e.articleId),
              e.articleId === undefined ? '' : shorten(titles.get(e.articleId) ?? '', TITLE_WIDTH),
              e.kind,
              e.channelId ?? '',
              e.actor,
              e.message,
            ]),
          ),
    );
  });
}

/** Stories pulled, retracted or corrected (newest first), each with who, when, why and where. */
async function followUpsView(app: StoreCliContext['app'], out: StoreCliContext['out'], since: Date | undefined, limit: number, json: boolean): Promise<void> {
  const events = (await app.store.listEvents({ since, newestFirst: true, limit: 100_000 })).filter((e) => FATE_EVENT_KINDS.includes(e.kind));
  const fates: (Fate & { title: string })[] = [];
  for (const fate of articleFates(events).reverse().slice(0, limit)) {
    fates.push({ ...fate, title: (await app.editor.findArticle({ kind: 'id', id: fate.articleId }))?.title ?? '' });
  }
  if (json) {
    printJson(out, { fates });
    return;
  }
  const now = app.now();
  out.write(
    fates.length === 0
      ? 'no story was pulled, retracted or corrected in that time\n'
      : table(
          ['WHEN', 'ARTICLE', 'TITLE', 'WHAT', 'BY', 'CHANNELS', 'WHY'],
          fates.map((f) => [relativeTime(f.at, now), String(f.articleId), shorten(f.title, TITLE_WIDTH), f.what, f.by, f.channels.join(', '), f.why]),
        ),
  );
}

/** Headlines are long: the table shows their start; `crier history <id>` shows the rest. */
const TITLE_WIDTH = 40;

function shorten(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

function stateText(out: Parameters<typeof colour>[0], state: string): string {
  if (state === 'posted' || state === 'verified') return colour(out, 'green', state);
  if (state === 'retracted' || state === 'missing') return colour(out, 'yellow', state);
  if (state === 'failed' || state === 'uncertain') return colour(out, 'red', state);
  return state;
}

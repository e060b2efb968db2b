import type { Command } from 'commander';
import { runningDaemon } from '../../daemon/heartbeat.js';
import { correctionTexts } from '../../delivery/correction-text.js';
import type { Delivery, StoredArticle } from '../../delivery/editor-actions.js';
import type { FollowUpOutcome } from '../../delivery/queue-follow-ups.js';
import { BUILTIN_TEMPLATES_DIR } from '../../runtime/templates.js';
import { withCli, type CliContext } from '../context.js';
import { colour, printJson, UsageError } from '../output.js';
import { parseArticleRef } from '../resolve-article.js';

interface FollowUpOptions {
  channel?: string;
  by?: string;
  now?: boolean;
  json?: boolean;
}

export interface RetractOptions extends FollowUpOptions {
  reason: string;
}

export interface CorrectOptions extends FollowUpOptions {
  text?: string;
  edit?: boolean;
}

export async function retractAction(program: Command, ref: string, options: RetractOptions): Promise<void> {
  if (options.reason.trim() === '') throw new UsageError('--reason must say why (it is kept in the history)');
  await withCli(program, options.by, async (ctx) => {
    const article = await findArticle(ctx, ref, options.channel);
    const outcomes = await ctx.app.editor.retract(article, { channelId: options.channel, reason: options.reason.trim(), actor: ctx.actor });
    await report(ctx, article, outcomes, options, 'retract');
  });
}

export async function correctAction(program: Command, ref: string, options: CorrectOptions): Promise<void> {
  if (options.text !== undefined && options.text.trim() === '') throw new UsageError('--text is empty: give the correction, or leave --text out to use the template');
  if (options.edit && options.text === undefined) throw new UsageError('--edit appends the --text words to the original post: give --text');
  await withCli(program, options.by, async (ctx) => {
    const { app, actor } = ctx;
    const article = await findArticle(ctx, ref, options.channel);
    const texts = correctionTexts(article, {
      text: options.text,
      edit: options.edit === true,
      channels: app.channels,
      configDir: app.config.dir,
      builtinDir: BUILTIN_TEMPLATES_DIR,
      defaultLanguage: app.config.defaults.language,
    });
    const outcomes = await app.editor.correct(article, { channelId: options.channel, texts, actor });
    await report(ctx, article, outcomes, options, 'correct');
  });
}

async function findArticle({ app }: CliContext, ref: string, channel: string | undefined): Promise<StoredArticle> {
  const found = await app.editor.findArticle(parseArticleRef(ref));
  if (!found) throw new UsageError(`no article ${ref} in the store (see crier history)`);
  // The same story seen first in another feed: its posts are the first article's.
  const article = found.duplicateOf === undefined ? found : ((await app.editor.findArticle({ kind: 'id', id: found.duplicateOf })) ?? found);
  if (channel !== undefined && !app.channels.has(channel)) {
    const posts = await app.store.listDeliveries({ articleId: article.id, channelId: channel, kinds: ['post'] });
    if (posts.length === 0) throw new UsageError(`unknown channel "${channel}"; channels are: ${[...app.channels.keys()].join(', ')}`);
  }
  return article;
}

/** One line per post, then what happens next; a second run says it had nothing to do (exit 0). */
async function report({ app, out }: CliContext, article: StoredArticle, outcomes: FollowUpOutcome[], options: FollowUpOptions, command: 'retract' | 'correct'): Promise<void> {
  const queued = outcomes.flatMap((o) => ((o.action === 'queued' || o.action === 'requeued') && o.deliveryId !== undefined ? [o.deliveryId] : []));
  const daemon = await runningDaemon(app.store, app.now());
  const verb = command === 'retract' ? 'delete them' : 'send them';
  const delivered: Delivery[] = [];
  let how: string;
  if (outcomes.length === 0) how = `article ${article.id} has no posts${options.channel ? ` on ${options.channel}` : ''}: nothing to ${command}`;
  else if (queued.length === 0) how = command === 'retract' ? 'nothing to do: already retracted (or never posted)' : 'nothing to do: this correction is already queued or posted';
  else if (daemon) how = `queued: the running daemon (pid ${daemon.pid}) will ${verb} within a second`;
  else if (options.now) {
    for (const id of queued) {
      const result = await app.worker.deliverOne(id);
      if (result) delivered.push(result);
    }
    how = 'no daemon is running: sent from this process';
  } else how = `queued, but no daemon is running: start \`crier run\`, or add --now to ${verb} from here`;

  if (options.json) {
    printJson(out, { article: { id: article.id, title: article.title }, outcomes, how, noop: queued.length === 0 && outcomes.every((o) => o.action !== 'cancelled'), delivered });
  } else {
    out.write(`${colour(out, 'bold', article.title)} · article ${article.id}\n`);
    for (const o of outcomes) {
      const mark = o.action === 'skipped' ? colour(out, 'yellow', 'skipped') : o.action === 'already' ? o.action : colour(out, 'green', o.action);
      const what = o.kind === 'post' ? '' : ` ${o.kind}`;
      out.write(`  ${o.channel} (post ${o.post}):${what} ${mark}${o.deliveryId !== undefined ? ` (delivery ${o.deliveryId})` : ''} · ${o.detail}\n`);
    }
    for (const d of delivered) {
      const result = d.state === 'posted' ? colour(out, 'green', `done ${d.remoteUrl ?? ''}`.trim()) : `${d.state}${d.lastError ? `: ${d.lastError}` : ''}`;
      out.write(`  ${d.channelId}: ${d.kind} ${result}\n`);
    }
    out.write(`${how}\n`);
  }
  if (delivered.some((d) => d.state === 'failed' || d.state === 'uncertain')) process.exitCode = 1;
}

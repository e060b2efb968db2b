import { alarmRaisedAt } from '../../delivery/alarms.js';
import type { App } from '../../runtime/app.js';
import { html, when, type Html } from '../html.js';

/** Channels and sources: health, holds, what is failing, and what has gone quiet. */
export async function channelsView(app: App): Promise<Html> {
  const now = app.now();
  const summaries = new Map((await app.store.channelSummaries()).map((s) => [s.channelId, s]));
  const holds = await app.store.listHolds(now);
  const channelRows: Html[] = [];
  for (const [id, channel] of app.channels) {
    const summary = summaries.get(id);
    const held = holds.filter((hold) => hold.channelId === id);
    const unverified = await alarmRaisedAt(app.store, `channel-unverified:${id}`);
    // What the account's documented limits have left, as the delivery gate counts them.
    const budgets: Html[] = [];
    for (const budget of channel.config.dryRun ? [] : channel.platform.rateBudgets(channel.config)) {
      const counter = budget.counts === 'images' ? `${id}/images` : id;
      const sends = await app.store.sendsSince(counter, 'attempt', new Date(now.getTime() - budget.windowMs));
      const used = sends.reduce((sum, send) => sum + send.cost, 0);
      budgets.push(html`<div>${budget.label}: ${used}/${budget.limit}</div>`);
    }
    channelRows.push(html`<tr><th scope="row">${id}</th><td>${channel.platform.label}${channel.config.dryRun ? ' (dry run)' : ''}</td>
      <td>${held.length ? held.map((h) => html`<div><strong>${h.kind}</strong> ${h.reason}${h.until ? ` until ${when(h.until, now)}` : ''}</div>`) : 'sending'}${
        unverified ? html`<div class="error">no verified post since ${when(unverified, now)}</div>` : ''
      }</td>
      <td>${budgets.length ? budgets : '—'}</td>
      <td>${summary?.pending ?? 0}</td><td>${summary?.failed ?? 0}</td><td>${summary?.uncertain ?? 0}</td>
      <td${(summary?.missing ?? 0) > 0 ? html` class="error"` : ''}>${summary?.missing ?? 0}</td>
      <td>${when(summary?.lastPostedAt, now)}</td>
      <td>${summary?.lastVerified ? /^https?:\/\//.test(summary.lastVerified.url ?? '') ? html`<a href="${summary.lastVerified.url}" rel="noreferrer noopener">${when(summary.lastVerified.postedAt, now)}</a>` : when(summary.lastVerified.postedAt, now) : '—'}</td>
      <td>${summary?.lastError ? html`<small class="error">${summary.lastError.message}</small>` : ''}</td></tr>`);
  }
  const states = new Map((await app.store.listSourceStates()).map((s) => [s.sourceId, s]));
  const sourceRows: Html[] = [];
  for (const source of app.config.sources) {
    const state = states.get(source.id);
    const failing = (state?.consecutiveFailures ?? 0) > 0;
    const silent = await alarmRaisedAt(app.store, `source-silent:${source.id}`);
    sourceRows.push(html`<tr${failing ? html` class="failing"` : ''}><th scope="row">${source.id}</th><td>${source.kind}</td>
      <td>${when(state?.lastOkAt, now)}</td><td>${when(state?.nextPollAt, now)}</td>
      <td>${failing ? html`<small class="error">${state?.consecutiveFailures} failures: ${state?.lastError ?? ''}</small>` : silent ? html`<small class="error">silent against its own rhythm since ${when(silent, now)}</small>` : 'ok'}</td></tr>`);
  }
  return html`<h1>Channels and sources</h1>
    <h2>Channels</h2>
    <table><thead><tr><th>Channel</th><th>Platform</th><th>Holds</th><th>Budget used</th><th>Pending</th><th>Failed</th><th>Uncertain</th><th>Missing</th><th>Last post</th><th>Last verified</th><th>Last error</th></tr></thead><tbody>${channelRows}</tbody></table>
    <h2>Sources</h2>
    <table><thead><tr><th>Source</th><th>Kind</th><th>Last good poll</th><th>Next poll</th><th>Health</th></tr></thead><tbody>${sourceRows}</tbody></table>`;
}

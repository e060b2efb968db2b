import type { Command } from 'commander';
import { ALERT_AFTER_FAILURES } from '../../sources/alert-threshold.js';
import { mainHold } from '../../delivery/channel-holds.js';
import { runningDaemon } from '../../daemon/heartbeat.js';
import { withStoreCli } from '../context.js';
import { colour, printJson, relativeTime, table } from '../output.js';
import { pulledStories } from '../pulled-stories.js';

export async function statusAction(program: Command, options: { json?: boolean }): Promise<void> {
  await withStoreCli(program, undefined, async ({ app, out }) => {
    const now = app.now();
    const daemon = await runningDaemon(app.store, now);
    const summaries = new Map((await app.store.channelSummaries()).map((s) => [s.channelId, s]));
    const holds = await app.store.listHolds(now);
    const channels = [];
    for (const config of app.config.channels) {
      const held = holds.filter((h) => h.channelId === config.id);
      const hold = mainHold(held);
      const summary = summaries.get(config.id);
      channels.push({
        id: config.id,
        platform: config.platform,
        dryRun: config.dryRun,
        state: hold ? hold.kind : 'ok',
        hold: hold ?? null,
        holds: held,
        pending: summary?.pending ?? 0,
        failed: summary?.failed ?? 0,
        uncertain: summary?.uncertain ?? 0,
        verified: summary?.verified ?? 0,
        missing: summary?.missing ?? 0,
        lastPostedAt: summary?.lastPostedAt ?? null,
        /** The newest post a read-back found on the platform (README "Read-back"). */
        lastVerified: summary?.lastVerified ?? null,
        lastError: summary?.lastError ?? null,
      });
    }
    const sources = (await app.store.listSourceStates()).filter((s) => app.config.sources.some((c) => c.id === s.sourceId));
    const failing = sources.filter((s) => s.consecutiveFailures > 0);
    const pulled = await pulledStories({ app }, now);
    if (options.json) {
      printJson(out, { daemon: daemon ?? null, channels, sources, pulled });
      return;
    }
    out.write(
      daemon
        ? `daemon: ${colour(out, 'green', 'running')} (pid ${daemon.pid}, up since ${relativeTime(daemon.startedAt, now)})\n\n`
        : `daemon: ${colour(out, 'red', 'not running')} (queued posts wait until \`crier run\` starts)\n\n`,
    );
    out.write(
      table(
        ['CHANNEL', 'PLATFORM', 'STATE', 'QUEUE', 'FAILED', 'UNCERTAIN', 'MISSING', 'LAST POST', 'LAST VERIFIED', 'LAST ERROR'],
        channels.map((c) => [
          c.id,
          `${c.platform}${c.dryRun ? ' (dry run)' : ''}`,
          c.hold
            ? colour(out, c.hold.kind === 'rate-limited' ? 'yellow' : 'red', `${c.hold.kind}${c.hold.until ? ` until ${relativeTime(c.hold.until, now)}` : ''}: ${c.hold.reason}`)
            : colour(out, 'green', 'ok'),
          String(c.pending),
          String(c.failed),
          String(c.uncertain),
          c.missing > 0 ? colour(out, 'red', String(c.missing)) : '0',
          relativeTime(c.lastPostedAt ?? undefined, now),
          c.lastVerified ? `${relativeTime(c.lastVerified.postedAt, now)} (delivery ${c.lastVerified.deliveryId})` : '',
          c.lastError ? `${relativeTime(c.lastError.at, now)} (delivery ${c.lastError.deliveryId}): ${c.lastError.message}` : '',
        ]),
      ),
    );
    out.write('\n');
    if (failing.length === 0) {
      out.write(`sources: ${sources.length} polled, none failing\n`);
    } else {
      out.write(
        table(
          ['SOURCE', 'FAILURES', 'LAST OK', 'NEXT POLL', 'ERROR'],
          failing.map((s) => [
            colour(out, s.consecutiveFailures >= ALERT_AFTER_FAILURES ? 'red' : 'yellow', s.sourceId),
            String(s.consecutiveFailures),
            relativeTime(s.lastOkAt, now),
            relativeTime(s.nextPollAt, now),
            s.lastError ?? '',
          ]),
        ),
      );
    }
    if (pulled.length > 0) {
      out.write(`\npulled in the last 24 h:\n`);
      out.write(
        table(
          ['ARTICLE', 'TITLE', 'PULLED', 'BY', 'POSTS UP', 'RETRACTED', 'NEXT'],
          pulled.map((p) => [
            String(p.articleId),
            p.title,
            relativeTime(p.at, now),
            p.by,
            p.up > 0 ? colour(out, 'red', String(p.up)) : '0',
            String(p.retracted),
            p.up > 0 ? `crier retract ${p.articleId} --reason "…"` : '',
          ]),
        ),
      );
    }
  });
}

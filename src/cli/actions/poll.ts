import type { Command } from 'commander';
import { pulledAfterPosting } from '../../delivery/pulled-after-posting.js';
import { pollSource } from '../../sources/poll-source.js';
import { isPolled } from '../../sources/source-configs.js';
import { withCli } from '../context.js';
import { printJson, UsageError } from '../output.js';

export async function pollAction(program: Command, options: { source?: string; watch?: boolean; json?: boolean }): Promise<void> {
  // Polling records articles and queues deliveries; it renders nothing, so the templates are
  // compiled only when something first needs one (the daemon and `config validate` check them all).
  await withCli(program, undefined, async ({ app, out }) => {
    const sources = options.source ? app.config.sources.filter((s) => s.id === options.source) : app.config.sources;
    if (sources.length === 0) {
      throw new UsageError(`unknown source "${options.source ?? ''}"; sources are: ${app.config.sources.map((s) => s.id).join(', ')}`);
    }
    if (options.watch) {
      // Only --watch runs the scheduler: a one-off poll loads none of it (cron, push sources).
      const { createDaemon } = await import('../../daemon/daemon.js');
      const noDelivery = { runDue: async () => 0, drain: async () => 0, recover: async () => 0, deliverOne: async () => undefined, nextDueAt: async () => undefined, stop: async () => undefined };
      const daemon = createDaemon({ ...app, config: { ...app.config, sources }, worker: noDelivery, readBack: undefined, alarms: undefined });
      await daemon.start();
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await daemon.stop();
      return;
    }
    // A story this poll finds pulled after it was posted: retracted or alerted (the route's onUnpublish).
    const pulled = pulledAfterPosting({ ...app, onUnpublish: (routeId) => app.config.routes.find((r) => r.id === routeId)?.onUnpublish ?? 'keep' });
    const reports = [];
    for (const source of sources) {
      // A webhook source has nothing to fetch: its articles are pushed to the daemon's server.
      if (!isPolled(source)) {
        reports.push({ source: source.id, result: 'push-only' as const, path: `/hooks/${source.id}` });
        continue;
      }
      const report = await pollSource(source, { ...app, fetchTimeoutMs: app.config.defaults.fetchTimeout, onPulled: (id, keys) => pulled.followKeys(id, keys) });
      reports.push({ source: source.id, ...report });
    }
    if (options.json) printJson(out, reports);
    else {
      for (const r of reports) {
        const line =
          r.result === 'push-only'
            ? `not polled: a ${sources.find((s) => s.id === r.source)?.kind ?? 'push'} source receives its articles at POST ${r.path} while \`crier run\` serves them`
            : r.result === 'error'
              ? `failed (${r.failures} in a row): ${r.error}`
              : r.result === 'not-modified' || r.result === 'stopped'
                ? r.result.replace('-', ' ')
                : `${r.found} items: ${r.counts.recorded} new (${r.counts.deliveriesCreated} deliveries queued), ${r.counts.known} known, ${r.counts.duplicates} duplicates, ${r.counts.updated} updated`;
        out.write(`${r.source}: ${line}\n`);
      }
    }
    if (reports.some((r) => r.result === 'error')) process.exitCode = 1;
  }, { secrets: ['sources'], checkTemplates: false });
}

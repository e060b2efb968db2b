import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { runningDaemon } from '../../daemon/heartbeat.js';
import { lastReload, type ReloadReport } from '../../daemon/reload-report.js';
import { withCli } from '../context.js';
import { printJson, UsageError } from '../output.js';

/** How long `crier reload` waits for the daemon's word: a reload waits for sends in flight. */
const ANSWER_WITHIN_MS = 60_000;
const POLL_EVERY_MS = 200;

export async function reloadAction(program: Command, options: { json?: boolean }): Promise<void> {
  // withCli loads the config (schema, references, templates) before anything else: a mistake is
  // reported here with its file and line, and the daemon is not disturbed. The daemon checks
  // the secrets itself, in its own environment.
  await withCli(program, undefined, async ({ app, out }) => {
    const daemon = await runningDaemon(app.store, app.now());
    if (!daemon) throw new UsageError('no daemon is running on this store; `crier run` reads the config when it starts');
    if (daemon.host !== undefined && daemon.host !== hostname()) {
      throw new UsageError(`the daemon (pid ${daemon.pid}) runs on ${daemon.host}, not here: run crier reload there (or systemctl reload crier)`);
    }
    const before = await lastReload(app.store);
    try {
      process.kill(daemon.pid, 'SIGHUP');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EPERM') throw new UsageError(`not allowed to signal the daemon (pid ${daemon.pid}, another user): sudo systemctl reload crier, or sudo kill -HUP ${daemon.pid}`);
      throw new UsageError(`the daemon (pid ${daemon.pid}) is not running here any more (${code ?? String(error)})`);
    }
    const report = await answer(() => lastReload(app.store), before, daemon.pid);
    if (options.json) printJson(out, { pid: daemon.pid, answered: report !== undefined, ok: report?.ok ?? null, message: report?.message ?? null });
    else if (!report) out.write(`sent SIGHUP to the daemon (pid ${daemon.pid}); it has not answered within ${ANSWER_WITHIN_MS / 1000} s: see its log\n`);
    else if (report.ok) out.write(`reloaded: the daemon (pid ${daemon.pid}) now runs ${report.message}\n`);
    else process.stderr.write(`crier: the daemon (pid ${daemon.pid}) refused the config and keeps the previous one: ${report.message}\n`);
    if (!report) process.exitCode = 1;
    else if (!report.ok) process.exitCode = 2;
  });
}

async function answer(read: () => Promise<ReloadReport | undefined>, before: ReloadReport | undefined, pid: number): Promise<ReloadReport | undefined> {
  const deadline = Date.now() + ANSWER_WITHIN_MS;
  while (Date.now() < deadline) {
    const report = await read();
    if (report && report.pid === pid && report.at.getTime() !== before?.at.getTime()) return report;
    await sleep(POLL_EVERY_MS);
  }
  return undefined;
}

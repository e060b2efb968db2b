import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { configPathFrom, loadConfig, type GlobalOptionsLike } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import { openApp, type App } from '../runtime/app.js';
import { stdoutOutput, type Output } from './output.js';

export interface CliContext {
  app: App;
  out: Output;
  /** Who is acting, for the event log: --by, else $USER. */
  actor: string;
  close(): Promise<void>;
}


/**
 * The same app the daemon uses, opened by an editor's command. Logs stay quiet (warnings and
 * errors on stderr) unless CRIER_LOG_LEVEL says otherwise: the command's own output is the point.
 */
export async function openCli(program: Command, by?: string): Promise<CliContext> {
  const file = configPathFrom(program.opts<GlobalOptionsLike>().config, process.env);
  const config = loadConfig(file, process.env);
  const out = stdoutOutput();
  const logger = createLogger({ level: process.env.CRIER_LOG_LEVEL ?? 'warn' });
  const app = await openApp(config, { logger, write: (text) => out.write(text) });
  return {
    app,
    out,
    actor: by ?? process.env.USER ?? safeUserName(),
    close: () => app.store.close(),
  };
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Runs a command body with the app open, and always closes the store. */
export async function withCli<T>(program: Command, by: string | undefined, body: (ctx: CliContext) => Promise<T>): Promise<T> {
  const ctx = await openCli(program, by);
  try {
    return await body(ctx);
  } finally {
    await ctx.close();
  }
}

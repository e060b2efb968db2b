import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { SecretPart } from '../config/config-secrets.js';
import { configPathFrom, loadConfig, type CrierConfig, type GlobalOptionsLike } from '../config/load.js';
import type { App } from '../runtime/app.js';
import { openStoreApp, type StoreApp } from '../runtime/store-app.js';
import { stdoutOutput, type Output } from './output.js';

export interface CliContext {
  app: App;
  out: Output;
  /** Who is acting, for the event log: --by, else $USER. */
  actor: string;
  close(): Promise<void>;
}

export interface StoreCliContext extends Omit<CliContext, 'app'> {
  app: StoreApp;
}

export interface CliOptions {
  /**
   * The secrets the command needs before it starts (default none): editors' commands run
   * without the platforms' credentials; `check` needs the channels', `poll` the sources'.
   */
  secrets?: readonly SecretPart[];
  /** Compile and check every template when the app opens (default true; see AppOptions). */
  checkTemplates?: boolean;
}

/** The config named by --config / $CRIER_CONFIG, with the secrets `needs` read (and checked) now. */
export function loadCliConfig(program: Command, needs: readonly SecretPart[]): CrierConfig {
  return loadConfig(configPathFrom(program.opts<GlobalOptionsLike>().config, process.env), process.env, { secrets: needs });
}

/**
 * The same app the daemon uses, opened by an editor's command. Logs stay quiet (warnings and
 * errors on stderr) unless CRIER_LOG_LEVEL says otherwise: the command's own output is the point.
 */
export async function openCli(program: Command, by?: string, options: CliOptions = {}): Promise<CliContext> {
  const config = loadCliConfig(program, options.secrets ?? []);
  const out = stdoutOutput();
  // The logger and the whole app (channels, templates, worker, undici, handlebars…) only for
  // commands that use them: `crier status` and `crier history` read the store alone.
  const [{ createLogger }, { openApp }] = await Promise.all([import('../log/logger.js'), import('../runtime/app.js')]);
  const logger = createLogger({ level: process.env.CRIER_LOG_LEVEL ?? 'warn' });
  const app = await openApp(config, { logger, write: (text) => out.write(text), checkTemplates: options.checkTemplates });
  return {
    app,
    out,
    actor: by ?? process.env.USER ?? safeUserName(),
    // A `post --now` leased the channels it sent for: give them back for the daemon at once.
    close: async () => {
      await app.worker.stop();
      await app.store.close();
    },
  };
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** The store alone (`openStoreApp`), for commands that only read it: status, history. */
export async function openStoreCli(program: Command, by?: string): Promise<StoreCliContext> {
  const app = await openStoreApp(loadCliConfig(program, []));
  return {
    app,
    out: stdoutOutput(),
    actor: by ?? process.env.USER ?? safeUserName(),
    close: () => app.store.close(),
  };
}

/** Runs a command body with the store open (`openStoreCli`), and always closes it. */
export async function withStoreCli<T>(program: Command, by: string | undefined, body: (ctx: StoreCliContext) => Promise<T>): Promise<T> {
  const ctx = await openStoreCli(program, by);
  try {
    return await body(ctx);
  } finally {
    await ctx.close();
  }
}

/** Runs a command body with the app open, and always closes the store. */
export async function withCli<T>(
  program: Command,
  by: string | undefined,
  body: (ctx: CliContext) => Promise<T>,
  options: CliOptions = {},
): Promise<T> {
  const ctx = await openCli(program, by, options);
  try {
    return await body(ctx);
  } finally {
    await ctx.close();
  }
}

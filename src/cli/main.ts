#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config-error.js';
import { registerCheckCommand } from './commands/check.js';
import { registerConfigCommands } from './commands/config.js';
import { registerDeskCommands } from './commands/desk.js';
import { registerFollowUpCommands } from './commands/follow-ups.js';
import { registerHistoryCommand } from './commands/history.js';
import { registerInitCommand } from './commands/init.js';
import { registerPauseCommands } from './commands/pause.js';
import { registerPollCommand } from './commands/poll.js';
import { registerPostCommand } from './commands/post.js';
import { registerPreviewCommand } from './commands/preview.js';
import { registerRetryCommands } from './commands/retry.js';
import { registerReloadCommand } from './commands/reload.js';
import { registerRunCommand } from './commands/run.js';
import { registerStatusCommand } from './commands/status.js';
import { registerStoreCommands } from './commands/store.js';
import { UsageError } from './output.js';
import { quietWhenStdoutCloses } from './closed-stdout.js';

/** Exit codes: 0 ok, 1 something failed, 2 usage or configuration error, or an action the state refuses. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function buildProgram(): Command {
  const program = new Command('crier')
    .description('Turns newly published articles into posts on X, Bluesky and Mastodon, exactly once per channel.')
    .option('-c, --config <file>', 'configuration file (default: $CRIER_CONFIG or config/crier.yaml)')
    .showHelpAfterError()
    .exitOverride();
  registerRunCommand(program);
  registerPollCommand(program);
  registerPreviewCommand(program);
  registerPostCommand(program);
  registerHistoryCommand(program);
  registerStatusCommand(program);
  registerRetryCommands(program);
  registerFollowUpCommands(program);
  registerPauseCommands(program);
  registerReloadCommand(program);
  registerCheckCommand(program);
  registerConfigCommands(program);
  registerDeskCommands(program);
  registerStoreCommands(program);
  registerInitCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  quietWhenStdoutCloses();
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    // The editor's refusals are classes of the delivery layer: loaded on this path only, so
    // `crier --help` never imports it.
    const { ActionRefused } = await import('../delivery/editor-actions.js');
    if (error instanceof ConfigError || error instanceof UsageError || error instanceof ActionRefused) {
      process.stderr.write(`crier: ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`crier: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
}

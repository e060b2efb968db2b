import type { Command } from 'commander';
import { isPublishError } from '../../platforms/errors.js';
import { withCli } from '../context.js';
import { colour, printJson } from '../output.js';

const VERIFY_TIMEOUT_MS = 20_000;

/** What to do about a failed verification, by error code: the message says what, this says how. */
const HINTS: Record<string, string> = {
  auth: 'the credentials were refused: renew them (README → Platforms) and update the environment variables or files the config references',
  'rate-limited': 'the platform is rate limiting this account; try again after the reset',
  transient: 'the platform could not be reached: check the URL in the config and this machine’s network',
  'unknown-outcome': 'the platform did not answer cleanly: try again; if it persists, check its status page',
  rejected: 'the platform refused the request: check the account and the config',
};

export async function checkAction(program: Command, options: { json?: boolean }): Promise<void> {
  await withCli(program, undefined, async ({ app, out }) => {
    const results = await Promise.all(
      [...app.channels.values()].map(async (channel) => {
        const id = channel.config.id;
        if (channel.config.dryRun) return { channel: id, ok: true, detail: 'dry run: nothing to verify' };
        try {
          const { account } = await channel.adapter.verify(AbortSignal.timeout(VERIFY_TIMEOUT_MS));
          return { channel: id, ok: true, detail: `ok as ${account}` };
        } catch (error) {
          const code = isPublishError(error) ? error.code : 'unknown-outcome';
          const message = error instanceof Error ? error.message : String(error);
          return { channel: id, ok: false, detail: `${code}: ${message} → ${HINTS[code] ?? ''}` };
        }
      }),
    );
    if (options.json) printJson(out, { config: app.config.file, channels: results });
    else {
      out.write(`config ${app.config.file}: ok\n`);
      const width = Math.max(...results.map((r) => r.channel.length));
      for (const r of results) {
        out.write(`${r.channel.padEnd(width)}  ${r.ok ? colour(out, 'green', 'ok    ') : colour(out, 'red', 'FAILED')}  ${r.detail}\n`);
      }
    }
    if (results.some((r) => !r.ok)) process.exitCode = 1;
  }, { secrets: ['channels'] });
}

import type { Command } from 'commander';
import { accountCheck } from '../account-check.js';
import { checkFinding } from '../check-finding.js';
import { withCli } from '../context.js';
import { colour, printJson } from '../output.js';

const VERIFY_TIMEOUT_MS = 20_000;

export async function checkAction(program: Command, options: { json?: boolean }): Promise<void> {
  await withCli(program, undefined, async ({ app, out }) => {
    const results = await Promise.all(
      [...app.channels.values()].map(async (channel) => {
        const id = channel.config.id;
        if (channel.config.dryRun) return { channel: id, ok: true, detail: 'dry run: nothing to verify' };
        try {
          const info = await channel.adapter.verify(AbortSignal.timeout(VERIFY_TIMEOUT_MS));
          const { detail, lines } = accountCheck(info, app.now());
          return { channel: id, ok: true, detail, lines, account: info.account, budget: info.budget, notes: info.notes };
        } catch (error) {
          const found = checkFinding(channel.platform.label, error, app.now());
          return { channel: id, ok: false, detail: `credentials check: ${found.finding} → ${found.hint}`, code: found.code, error: found.error };
        }
      }),
    );
    if (options.json) printJson(out, { config: app.config.file, channels: results });
    else {
      out.write(`config ${app.config.file}: ok\n`);
      const width = Math.max(...results.map((r) => r.channel.length));
      for (const r of results) {
        out.write(`${r.channel.padEnd(width)}  ${r.ok ? colour(out, 'green', 'ok    ') : colour(out, 'red', 'FAILED')}  ${r.detail}\n`);
        for (const line of 'lines' in r ? (r.lines ?? []) : []) out.write(`${' '.repeat(width + 10)}${line}\n`);
      }
    }
    if (results.some((r) => !r.ok)) process.exitCode = 1;
  }, { secrets: ['channels'] });
}

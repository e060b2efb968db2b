import { newToken, tokenHash } from '../../desk/auth.js';
import { printJson, UsageError } from '../output.js';

/** A new token and its hash: only the hash goes in the config, the token only to its person. */
export async function deskTokenAction(options: { name: string; role: string; json?: boolean }): Promise<void> {
  if (options.role !== 'viewer' && options.role !== 'editor') throw new UsageError(`--role is viewer or editor, not ${options.role}`);
  const name = options.name.trim();
  if (!name) throw new UsageError('--name needs the person\'s name');
  const token = newToken();
  const entry = { name, role: options.role, tokenSha256: tokenHash(token) };
  if (options.json) {
    printJson(process.stdout, { token, user: entry });
    return;
  }
  process.stdout.write(
    `Token for ${name} (give it to them; it is not stored anywhere):\n  ${token}\n\n` +
      `Add under server.desk.users in the config, then reload (crier reload):\n` +
      `  - { name: ${JSON.stringify(name)}, role: ${entry.role}, tokenSha256: ${entry.tokenSha256} }\n`,
  );
}

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/crier.js', import.meta.url));

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout+stderr satisfy the predicate; rejects with both outputs after timeoutMs. */
  waitFor(predicate: (out: { stdout: string; stderr: string }) => boolean, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  /** The child's umask (e.g. 0o022), set by a shell before it runs Crier; default: inherited. */
  umask?: number;
}

/** Runs the real CLI as a child process, the way an operator or systemd would. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}, options: SpawnOptions = {}): CliProcess {
  const command = options.umask === undefined ? [process.execPath, BIN, ...args] : ['/bin/sh', '-c', `umask ${options.umask.toString(8).padStart(3, '0')} && exec "$0" "$@"`, process.execPath, BIN, ...args];
  const child = spawn(command[0] ?? process.execPath, command.slice(1), {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CRIER_LOG_LEVEL: 'info', ...env },
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const l of listeners) l();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const l of listeners) l();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitFor(predicate, timeoutMs = 15_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!predicate({ stdout, stderr })) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`condition not met in ${timeoutMs} ms\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
        }, timeoutMs);
        const onExit = () => {
          cleanup();
          reject(new Error(`process exited early\n--- stdout\n${stdout}\n--- stderr\n${stderr}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
  };
}

export function countMatches(text: string, pattern: RegExp): number {
  return text.match(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`))?.length ?? 0;
}

/** Runs one CLI command to completion. */
export async function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  options: SpawnOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = spawnCli(args, env, options);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

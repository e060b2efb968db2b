import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Messages between the bench and its child processes (over the IPC channel). */
export interface ChildMessage {
  kind: string;
  data?: unknown;
}

export interface BenchChild {
  child: ChildProcess;
  pid: number;
  /** Resolves with the data of the next message of this kind; rejects if the child exits first. */
  next(kind: string, timeoutMs?: number): Promise<unknown>;
  send(message: ChildMessage): void;
  /** The last few KB of the child's stderr, for error messages. */
  stderr(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** For a child that exits by itself after its result: let it (a CPU profile is written at exit), else stop it. */
  finish(timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

const TAIL = 16_384;

/** Absolute path of a file next to the caller, e.g. benchFile(import.meta.url, './support/x.ts'). */
export function benchFile(base: string, relative: string): string {
  return fileURLToPath(new URL(relative, base));
}

/**
 * Runs a bench TypeScript file in its own Node process (node --import tsx), so its CPU time and
 * RSS are its own and the process measuring it does not share its event loop.
 */
export function startChild(script: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}): BenchChild {
  const child = spawn(process.execPath, [...profileFlags(), '--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, ...env },
  });
  return wrapChild(child);
}

/**
 * `npm run bench -- --profile` sets CRIER_BENCH_PROFILE_DIR: every measured process then writes
 * a V8 CPU profile there (open it in Chrome DevTools or speedscope).
 */
export function profileFlags(): string[] {
  const dir = process.env.CRIER_BENCH_PROFILE_DIR;
  return dir ? ['--cpu-prof', '--cpu-prof-dir', dir] : [];
}

export function wrapChild(child: ChildProcess): BenchChild {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-TAIL);
  });
  const inbox: ChildMessage[] = [];
  const waiters = new Set<() => void>();
  child.on('message', (message: ChildMessage) => {
    inbox.push(message);
    for (const wake of waiters) wake();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => {
    gone = true;
    for (const wake of waiters) wake();
  });
  if (child.pid === undefined) throw new Error('child process did not start');

  return {
    child,
    pid: child.pid,
    exited,
    stderr: () => stderr,
    send(message) {
      child.send(message);
    },
    next(kind, timeoutMs = 240_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const failed = inbox.find((m) => m.kind === 'error');
          const index = inbox.findIndex((m) => m.kind === kind);
          if (failed && kind !== 'error') {
            cleanup();
            reject(new Error(`child ${child.pid ?? '?'} failed: ${String(failed.data)}\n${stderr}`));
          } else if (index >= 0) {
            const [message] = inbox.splice(index, 1);
            cleanup();
            resolve(message?.data);
          } else if (gone) {
            cleanup();
            reject(new Error(`child ${child.pid ?? '?'} exited before sending "${kind}"\n${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`child ${child.pid ?? '?'} sent no "${kind}" within ${timeoutMs} ms\n${stderr}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async finish(timeoutMs = 10_000) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
      await this.stop();
    },
    async stop(graceMs = 5_000) {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** In a child: report to the parent bench process. */
export function sendToParent(kind: string, data?: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      reject(new Error('not started by the bench (no IPC channel)'));
      return;
    }
    process.send({ kind, data } satisfies ChildMessage, (error: Error | null) => (error ? reject(error) : resolve()));
  });
}

/** In a child: the next message of this kind from the parent. */
export function fromParent(kind: string): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (message: ChildMessage): void => {
      if (message.kind !== kind) return;
      process.off('message', onMessage);
      resolve(message.data);
    };
    process.on('message', onMessage);
  });
}

/** In a child: run main, report its result (or its error) and exit. */
export function childMain(main: () => Promise<unknown>): void {
  main()
    .then(async (data) => {
      await sendToParent('result', data);
      process.exit(0);
    })
    .catch(async (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      await sendToParent('error', error instanceof Error ? error.message : String(error)).catch(() => undefined);
      process.exit(1);
    });
}

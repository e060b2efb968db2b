import { statSync } from 'node:fs';

export interface StoreFileWatch {
  stop(): void;
}

/**
 * A daemon's SQLite connection keeps the file it opened, even after that file is deleted or
 * another file is moved to its path: the daemon would go on posting from a store no one else
 * sees, while every CLI command (`crier pause --all`) works on the new file and reports success.
 * So the daemon remembers the file's device and inode when it starts and checks the path every
 * `everyMs`; when it no longer names that file, `onChange` is called once with what happened.
 */
export function watchStoreFile(path: string, everyMs: number, onChange: (problem: string) => void): StoreFileWatch {
  if (path === ':memory:') return { stop: () => undefined };
  const opened = statSync(path);
  const timer = setInterval(() => {
    const problem = storeFileProblem(path, opened);
    if (problem === undefined) return;
    clearInterval(timer);
    onChange(problem);
  }, everyMs);
  return { stop: () => clearInterval(timer) };
}

/** Why `path` is no longer the file that was opened, or undefined while it still is. */
export function storeFileProblem(path: string, opened: { dev: number; ino: number }): string | undefined {
  let now;
  try {
    now = statSync(path);
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'unreadable';
    return code === 'ENOENT' ? `store ${path} was deleted` : `store ${path} cannot be read (${code})`;
  }
  if (now.dev !== opened.dev || now.ino !== opened.ino) return `store ${path} was replaced by another file`;
  return undefined;
}

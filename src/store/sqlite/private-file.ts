import { closeSync, openSync } from 'node:fs';

/**
 * Creates `path` empty and readable by its owner only (0600), unless it exists. SQLite gives a
 * database's -wal and -shm files the mode of the database file itself (os_unix.c,
 * findCreateFileMode), so a store created this way keeps its sessions and tokens private
 * whatever the process umask; an existing file keeps the mode its admin gave it.
 */
export function ensurePrivateFile(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
  }
}

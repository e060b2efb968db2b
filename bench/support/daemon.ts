import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { profileFlags, wrapChild, type BenchChild } from './child.js';

export const CRIER_BIN = fileURLToPath(new URL('../../bin/crier.js', import.meta.url));

/** The real daemon, `node bin/crier.js run --config <file>`, as an operator or systemd runs it. */
export function startDaemon(configFile: string, env: NodeJS.ProcessEnv = {}): BenchChild {
  const child = spawn(process.execPath, [...profileFlags(), CRIER_BIN, 'run', '--config', configFile], {
    // Dry-run posts go to stdout: discarded, as a daemon's stdout usually is (journald aside).
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CRIER_LOG_LEVEL: 'info', ...env },
  });
  return wrapChild(child);
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  return clockTicks;
}

/** CPU time (user + system) a process has used so far, from /proc/<pid>/stat. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces; fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / ticksPerSecond();
}

/**
 * CPU time (user + system) of this process's waited-for children so far (cutime + cstime in
 * /proc/self/stat): around a spawnSync, the child's own CPU, which machine load does not inflate
 * the way it inflates wall time.
 */
export function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / ticksPerSecond();
}

/** Resident set size now and at its peak (VmRSS, VmHWM), in bytes. */
export function processMemory(pid: number): { rssBytes: number; peakRssBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssBytes: kb('VmRSS') * 1024, peakRssBytes: kb('VmHWM') * 1024 };
}

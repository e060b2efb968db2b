import { createRequire } from 'node:module';
import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };

/** Credential values must never reach a log line, whatever object they travel in. */
const REDACT = [
  'credentials',
  '*.credentials',
  '*.*.credentials',
  'accessToken',
  '*.accessToken',
  'appPassword',
  '*.appPassword',
  'applicationPassword',
  '*.applicationPassword',
  '*.*.applicationPassword',
  'session',
  '*.session',
  'headers.authorization',
  '*.headers.authorization',
];

/**
 * Readable lines on a terminal, JSON otherwise (journald, Docker, log shippers). Logs go to
 * stderr so stdout carries only what a command prints on purpose (dry-run posts, tables).
 */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  const level = options.level ?? process.env.CRIER_LOG_LEVEL ?? 'info';
  const base = { level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (options.pretty ?? process.stderr.isTTY) {
    // Loaded only for a terminal: the daemon under systemd or Docker logs JSON and never pays for it.
    const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
    return pino(base, pretty({ destination: 2, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss' }));
  }
  return pino(base, pino.destination({ dest: 2, sync: true }));
}

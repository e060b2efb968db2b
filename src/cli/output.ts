/** People-first output: aligned tables, relative times, colour only on a terminal. */

export interface Output {
  write(text: string): void;
  isTTY: boolean;
}

export function stdoutOutput(): Output {
  return { write: (text) => process.stdout.write(text), isTTY: process.stdout.isTTY === true && !process.env.NO_COLOR };
}

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;

export function colour(out: Output, name: keyof typeof CODES, text: string): string {
  return out.isTTY ? `\u001b[${CODES[name]}m${text}\u001b[0m` : text;
}

/** Visible width, ignoring colour codes, so coloured cells still line up. */
function width(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[\d+m/g, '').length;
}

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell))))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** "3 min ago", "in 2 h", "just now": editors read times relative to now. */
export function relativeTime(date: Date | undefined, now: Date): string {
  if (!date) return '—';
  const seconds = Math.round((date.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 10) return 'just now';
  const [value, unit] =
    abs < 90 ? [abs, 's'] : abs < 5400 ? [Math.round(abs / 60), 'min'] : abs < 129600 ? [Math.round(abs / 3600), 'h'] : [Math.round(abs / 86400), 'd'];
  return seconds < 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
}

export function printJson(out: Output, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Parses --since / --at values: an ISO time, or a relative "90m", "2h", "1d" (ago / from now). */
export function parseTime(value: string, now: Date, direction: 'past' | 'future'): Date {
  const relative = /^(\d+)\s*(s|m|min|h|d)$/.exec(value.trim());
  if (relative) {
    const unit = { s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'min' | 'h' | 'd'];
    const delta = Number(relative[1]) * unit;
    return new Date(now.getTime() + (direction === 'past' ? -delta : delta));
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`not a time: "${value}" (use ISO 8601 like 2026-11-29T18:00 or a duration like 2h)`);
  return date;
}

/** A mistake in how a command was called: exit code 2, one line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

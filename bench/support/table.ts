/** One line of the printed table and of bench/results/latest.json. */
export interface Row {
  benchmark: string;
  metric: string;
  /** A number in `unit`, or a word ("not built yet") when there is nothing to measure. */
  crier: number | string;
  unit: string;
  baseline?: number | string | undefined;
  /** The bar as people read it, e.g. "≤ 0.5 ms". */
  bar?: string | undefined;
  /** true/false against the bar; undefined when the row has no bar or nothing was measured. */
  met?: boolean | undefined;
  note?: string | undefined;
}

export interface PartResult {
  rows: Row[];
  /** Raw numbers behind the rows (every run), written to latest.json. */
  details: Record<string, unknown>;
}

export const NOT_BUILT = 'not built yet';

export function notBuilt(benchmark: string, metric: string, bar?: string): Row {
  return { benchmark, metric, crier: NOT_BUILT, unit: '', bar };
}

function show(value: number | string | undefined, unit: string): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits });
  return unit === '' ? text : `${text} ${unit}`;
}

function verdict(row: Row): string {
  if (row.met === undefined) return row.bar && row.crier !== NOT_BUILT ? '—' : '';
  return row.met ? 'met' : 'NOT MET';
}

/** A plain-text table that reads the same in a terminal and pasted into an issue. */
export function formatTable(rows: readonly Row[]): string {
  const header = ['benchmark', 'metric', 'Crier', 'baseline', 'bar', 'met?'];
  const cells = rows.map((row) => [
    row.benchmark,
    row.metric,
    show(row.crier, row.unit),
    show(row.baseline, row.unit),
    row.bar ?? '',
    verdict(row),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]) => c.map((text, i) => text.padEnd(widths[i] ?? 0)).join(' | ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('-|-');
  return [line(header), rule, ...cells.map(line)].join('\n');
}

/** Footnotes: one line per row that has a note, in table order. */
export function formatNotes(rows: readonly Row[]): string {
  return rows
    .filter((row) => row.note)
    .map((row) => `- ${row.benchmark} / ${row.metric}: ${row.note ?? ''}`)
    .join('\n');
}

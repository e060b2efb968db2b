import { encode } from 'html-entities';

/** Markup that is already safe: what `html` builds and what it inserts without escaping. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = Html | string | number | boolean | null | undefined | readonly Value[];

function render(value: Value): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map((item: Value) => render(item)).join('');
  return encode(String(value), { mode: 'specialChars' });
}

/**
 * A tagged template that escapes every interpolated value unless it is Html: headlines, names
 * and error messages come from feeds and people, and the desk must never run their markup.
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    text += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(text);
}

/** A time people read at a glance, in UTC with the date when it is not today. */
export function when(date: Date | undefined, now: Date): string {
  if (!date) return '—';
  const iso = date.toISOString();
  const sameDay = iso.slice(0, 10) === now.toISOString().slice(0, 10);
  return sameDay ? `${iso.slice(11, 16)} UTC` : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

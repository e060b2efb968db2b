/**
 * HTTP-date (RFC 9110 §5.6.7, https://www.rfc-editor.org/rfc/rfc9110#section-5.6.7), read
 * strictly by its grammar instead of `Date.parse`, which accepts nearly anything (`"2"` is a
 * date in 2001, a minus sign makes a year BC) and reads asctime as local time.
 *
 * Every form is accepted, as a recipient must: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`),
 * the obsolete RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
 * (`Sun Nov  6 08:49:37 1994`). Names are matched without regard to case and the weekday is not
 * checked against the date, in the robust spirit the RFC asks of recipients.
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY = '(?:mon|tue|wed|thu|fri|sat|sun)';
const LONG_DAY = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)';
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i');
const RFC850_DATE = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i');
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} (\\d{2}| \\d) ${TIME} (\\d{4})$`, 'i');

interface Parts {
  year: number;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

/**
 * The instant an HTTP-date names, or undefined for anything else. `now` only places the RFC 850
 * two-digit year: one more than 50 years ahead is the latest past year with those digits.
 */
export function parseHttpDate(value: string, now: Date): Date | undefined {
  const text = value.trim();
  let match = IMF_FIXDATE.exec(text);
  if (match) return instant({ day: at(match, 1), month: at(match, 2), year: Number(at(match, 3)), ...time(match, 4) });
  match = RFC850_DATE.exec(text);
  if (match) {
    return instant({ day: at(match, 1), month: at(match, 2), year: fullYear(Number(at(match, 3)), now), ...time(match, 4) });
  }
  match = ASCTIME_DATE.exec(text);
  if (match) return instant({ month: at(match, 1), day: at(match, 2), ...time(match, 3), year: Number(at(match, 6)) });
  return undefined;
}

function at(match: RegExpExecArray, index: number): string {
  return match[index] ?? '';
}

function time(match: RegExpExecArray, first: number): Pick<Parts, 'hour' | 'minute' | 'second'> {
  return { hour: at(match, first), minute: at(match, first + 1), second: at(match, first + 2) };
}

function fullYear(twoDigits: number, now: Date): number {
  const current = now.getUTCFullYear();
  const year = current - (current % 100) + twoDigits;
  return year > current + 50 ? year - 100 : year;
}

function instant(parts: Parts): Date | undefined {
  const month = MONTHS.indexOf(parts.month.toLowerCase());
  const day = Number(parts.day.trim());
  const [hour, minute, second] = [Number(parts.hour), Number(parts.minute), Number(parts.second)];
  // 60 is a leap second, which the grammar allows; it is read as :59 rather than rolled over.
  if (hour > 23 || minute > 59 || second > 60 || day < 1) return undefined;
  const date = new Date(Date.UTC(parts.year, month, day, hour, minute, Math.min(second, 59)));
  // Date.UTC rolls 31 Feb over into March: such a day does not exist.
  return date.getUTCMonth() === month && date.getUTCDate() === day ? date : undefined;
}

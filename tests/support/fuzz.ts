import fc from 'fast-check';

/**
 * How many generated inputs each property tries, and from which seed. `npm test` runs a fixed
 * seed and FUZZ_RUNS_DEFAULT inputs per property (bounded time, the same inputs every run);
 * CRIER_FUZZ_RUNS=100000 (and CRIER_FUZZ_SEED=<n> for new inputs) runs a longer campaign.
 * A failure prints its seed and path: fc.assert replays it with { seed, path }.
 */
export const FUZZ_RUNS_DEFAULT = 2000;

export function fuzzOptions(runs = FUZZ_RUNS_DEFAULT): fc.Parameters<unknown> {
  const fromEnv = Number(process.env.CRIER_FUZZ_RUNS);
  const seed = Number(process.env.CRIER_FUZZ_SEED);
  return {
    numRuns: Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : runs,
    seed: Number.isInteger(seed) ? seed : 20261202,
    endOnFailure: true,
  };
}

/** The test timeout for a property: the default run is seconds, a long campaign gets what it needs. */
export function fuzzTimeoutMs(): number {
  const fromEnv = Number(process.env.CRIER_FUZZ_RUNS);
  return Number.isInteger(fromEnv) && fromEnv > FUZZ_RUNS_DEFAULT ? 240_000 + fromEnv * 20 : 240_000;
}

/** Schemes and spellings that must never come out as a link. */
const HOSTILE_PREFIXES = [
  'javascript:',
  ' JaVaScRiPt:',
  'java\tscript:',
  'java\nscript:',
  'data:text/html,',
  'vbscript:',
  'file:///etc/passwd',
  'ftp://',
  'mailto:',
  '//',
  '\u0000javascript:',
  'https://user:pass@',
  'http://',
  'https://',
  'HTTPS://',
  '/relative/',
  '',
];

/** Strings a hostile or broken source sends where a URL belongs. */
export const urlLike: fc.Arbitrary<string> = fc.oneof(
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc.tuple(fc.constantFrom(...HOSTILE_PREFIXES), fc.string({ unit: 'binary', maxLength: 40 })).map(([prefix, rest]) => prefix + rest),
  fc.tuple(fc.constantFrom(...HOSTILE_PREFIXES), fc.webUrl()).map(([prefix, url]) => prefix + url.replace(/^https?:\/\//, '')),
  fc.string({ unit: 'binary', maxLength: 60 }),
);

/** Text as feeds carry it: any Unicode, emoji, CJK, markup, entities, control characters. */
export const feedText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 400 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.array(fc.constantFrom('<b>', '</b>', '&amp;', '&lt;script&gt;', '<![CDATA[', ']]>', '&#x1F30A;', '🌊', '家', 'é', ' ', '\n', 'word', '#tag', 'https://x.example/'), { maxLength: 80 }).map((parts) => parts.join('')),
);

/** True when `value` is empty or an absolute http(s) URL with a host and no credentials. */
export function isEmptyOrWebUrl(value: string | undefined): boolean {
  if (value === undefined || value === '') return true;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}

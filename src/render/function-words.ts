/**
 * Words a shortened headline or summary must not end on: articles, conjunctions, prepositions,
 * particles. "Council approves the…" or "Streik bei der…" reads as broken; the cut backs off to
 * the word before. Small lists of the commonest ones per language, keyed by the primary language
 * subtag; compared lower-cased. A language without a list has no such rule.
 */
const LISTS: Readonly<Record<string, string>> = {
  en: 'a an the and or but nor of to in on at by for from with as into onto than that which who whose this these those its his her their our your my is are was were be been has have had will would can could should may might must not no so if when while about after before over under between against during without via per amid amongst among upon',
  de: 'der die das den dem des ein eine einen einem einer eines und oder aber sondern denn von vom zu zum zur im in ins am an auf aus bei beim mit nach seit für gegen ohne um über unter vor hinter neben zwischen durch als wie dass ob wenn weil nicht kein keine ist sind war wird werden hat haben sich',
  fr: 'le la les l un une des du de d et ou mais ni car donc que qu qui dont à au aux en dans par pour sur sous avec sans entre vers chez ce cet cette ces son sa ses leur leurs est sont a ont ne se',
  es: 'el la los las un una unos unas y e o u pero ni que de del a al en con por para sin sobre entre hacia desde hasta según su sus se es son fue ha han lo le les no',
  pt: 'o a os as um uma uns umas e ou mas nem que de do da dos das em no na nos nas num numa ao aos à às por pelo pela pelos pelas para com sem sobre entre até desde seu sua seus suas se é são foi foram não',
  it: 'il lo la i gli le un uno una e o ma né che di del dello della dei degli delle a al allo alla ai agli alle da dal dalla in nel nella con su sul sulla per tra fra è sono non si',
  nl: 'de het een en of maar van in op aan met voor door bij naar uit om tot over onder dat die dit deze is zijn was werd wordt niet',
  sv: 'och eller men att i på av till för med om från som en ett den det de är',
  pl: 'i a ale lub oraz w we na z ze do od po o dla przy bez nad pod przez że jak nie się jest to',
  tr: 've ile veya ama için gibi de da bu şu bir',
  ru: 'и а но или в во на с со к ко по о об от до из у за для при без над под про через что как не ни же ли бы',
  uk: 'і й та а але або в у на з із зі до від по про для при без над під через що як не',
  ar: 'و في من على إلى الى عن مع أن إن أو لا ما التي الذي هذا هذه بين بعد قبل حول ضد عند منذ خلال',
  ja: 'の は が を に で と へ も や から まで より',
  zh: '的 了 和 与 在 是 对 把 被 及 或',
};

const SETS = new Map(Object.entries(LISTS).map(([language, words]) => [language, new Set(words.split(' '))]));

/** Whether `word` is a function word in `language` (a BCP 47 tag; only its primary subtag counts). */
export function isFunctionWord(word: string, language: string | undefined): boolean {
  const primary = language?.split(/[-_]/)[0]?.toLowerCase();
  if (!primary) return false;
  return SETS.get(primary)?.has(word.toLocaleLowerCase(primary)) ?? false;
}

/** isFunctionWord for one language, with its list looked up once (fitting asks for every word). */
export function functionWordTest(language: string | undefined): (word: string) => boolean {
  const primary = language?.split(/[-_]/)[0]?.toLowerCase();
  const set = primary ? SETS.get(primary) : undefined;
  if (!primary || !set) return () => false;
  return (word) => set.has(word.toLocaleLowerCase(primary));
}

// CPR numbers and eCPR replacement numbers in text that never enters DuckDB (file names, header
// names, log lines, messages): the twin of transforms/macros/cpr_find.sql (has_cpr, cpr_find,
// cpr_mask). The rule, the accepted spellings and the boundary are written out in that file's
// header; this file follows it clause by clause, and test/transforms/cpr-detect.test.ts holds the
// two to the same answers on generated text.

/** What a number is replaced by, in SQL (cpr_mask) and here. */
export const IDENTIFIER_MASK = '[CPR]';

/**
 * Separators between DD, MM, YY and the serial: white space, spaces, dashes, minus and the signs
 * drawn as one (modifier, superscript, subscript and heavy minus, hyphen bullet), C1 controls,
 * U+FFFD (a byte that is not UTF-8), middle dot, bullet, ellipsis, . / _, typed punctuation (: , ;
 * apostrophe ~ * #, round brackets, | and backslash), the UTF-8 bytes of a
 * space or dash read as Latin-1 or as Windows-1252, and a space or dash escaped by HTML, a URL or
 * JSON (cpr_find.sql).
 */
const plainSeparator = '[\\t\\n\\v\\f\\r\\p{Z}\\p{Pd}\\u2212\\u02D7\\u2043\\u207B\\u208B\\u2796\\u0080-\\u009F\\uFFFD\\u00B7\\u2022\\u2026./_,;\'~*#()|\\\\]';
/**
 * Between the date and the serial also the colon (not inside the date: 10:05:30-0500 is a time
 * with an offset) and the signs + and = (010190+1234), the signs plain or escaped (cpr_find.sql).
 */
const plainSerialSeparator = '[\\t\\n\\v\\f\\r\\p{Z}\\p{Pd}\\u2212\\u02D7\\u2043\\u207B\\u208B\\u2796\\u0080-\\u009F\\uFFFD\\u00B7\\u2022\\u2026./_:+=,;\'~*#()|\\\\]';
/**
 * The separators written with more than one character, each group led by one character, so that
 * a text without that character needs none of them (see `detector`); with them the escaped
 * letters of a replacement number (_cpr_letter in cpr_find.sql).
 */
const spelledSeparators: Array<{ lead: RegExp; alternatives: string; serial?: string; letter?: string }> = [
  // the UTF-8 bytes of a space or dash read as Latin-1 or Windows-1252
  { lead: /[\u00C2\u00E2\u00E3]/u, alternatives: '\\u00C2[\\u00A0\\u00AD]?'
    + '|\\u00E2\\u0080[\\u0080-\\u0095\\u00A8\\u00A9\\u00AF]|\\u00E2\\u0088\\u0092|\\u00E2\\u0081\\u009F|\\u00E3\\u0080\\u0080'
    + '|\\u00E2\\u20AC[\\u20AC\\u0081\\u201A\\u0192\\u201E\\u2026\\u2020\\u2021\\u02C6\\u2030\\u0160\\u2039\\u0152\\u008D\\u017D\\u008F\\u0090\\u2018\\u2019\\u201C\\u201D\\u2022\\u00A8\\u00A9\\u00AF]'
    + '|\\u00E2\\u02C6\\u2019|\\u00E2\\u0081\\u0178|\\u00E3\\u20AC\\u20AC' },
  // a space or dash as an HTML character reference
  { lead: /&/u, serial: '&#0*(?:43|61);|&#[xX]0*(?:2[bB]|3[dD]);|&(?:plus|equals|PLUS|EQUALS);',
    letter: '&#0*(?:6[5-9]|[78][0-9]|9[07-9]|1[01][0-9]|12[0-2]|6531[3-9]|6532[0-9]|6533[0-8]|6534[5-9]|653[56][0-9]|65370);|&#[xX]0*(?:4[1-9A-Fa-f]|5[0-9Aa]|6[1-9A-Fa-f]|7[0-9Aa]|[fF][fF](?:2[1-9A-Fa-f]|3[0-9Aa]|4[1-9A-Fa-f]|5[0-9Aa]));',
    alternatives: '&#0*(?:32|45|160|173|819[2-9]|820[0-289]|821[0-3]|8239|8722|12288);|&#[xX]0*(?:20|2[dD]|[aA]0|[aA][dD]|200[0-9aA]|201[0-5]|202[fF]|2212|3000);|&(?:nbsp|ensp|emsp|thinsp|hairsp|numsp|puncsp|ndash|mdash|minus|hyphen|dash|shy|NBSP|ENSP|EMSP|THINSP|HAIRSP|NUMSP|PUNCSP|NDASH|MDASH|MINUS|HYPHEN|DASH|SHY);' },
  // ... percent-encoded UTF-8
  { lead: /%/u, serial: '%(?:2[bB]|3[dD])',
    letter: '%(?:4[1-9A-Fa-f]|5[0-9Aa]|6[1-9A-Fa-f]|7[0-9Aa]|[eE][fF]%[bB][cC]%(?:[aA][1-9A-Fa-f]|[bB][0-9Aa])|[eE][fF]%[bB][dD]%(?:8[1-9A-Fa-f]|9[0-9Aa]))',
    alternatives: '%(?:20|2[dD]|[cC]2%[aA]0|[cC]2%[aA][dD]|[eE]2%80%(?:8[0-9aA]|9[0-5]|[aA][fF])|[eE]2%88%92|[eE]3%80%80)' },
  // ... or a JSON escape
  { lead: /\\/u, serial: '\\\\[uU]00(?:2[bB]|3[dD])',
    letter: '\\\\[uU](?:00(?:4[1-9A-Fa-f]|5[0-9Aa]|6[1-9A-Fa-f]|7[0-9Aa])|[fF][fF](?:2[1-9A-Fa-f]|3[0-9Aa]|4[1-9A-Fa-f]|5[0-9Aa]))',
    alternatives: '\\\\[uU](?:0020|002[dD]|00[aA]0|00[aA][dD]|200[0-9aA]|201[0-5]|202[fF]|2212|3000)' },
];

// The same text as _cpr_pattern() in cpr_find.sql, with S for a separator run inside the date,
// Q for one before the serial and L for a letter of a replacement number. Groups: 1 the
// character before (or empty at the start), 2 the number, 3 the character after (or the hex
// letters after it and the letter that ends them). The characters
// around the number are consumed, as RE2 (which has no lookaround) must, so that both twins pick
// the same numbers where numbers overlap; masking takes two passes for the same reason.
const template =
  '(^|[^0-9A-Fa-fT]|^T|[^0-9]T|[G-Zg-z][A-Fa-f]+)((?:(?:(?:0[.,\' \\u00A0\\u202F\\u2009][1-9]|1[.,\' \\u00A0\\u202F\\u2009][0-9]|2[.,\' \\u00A0\\u202F\\u2009][0-8]|6[.,\' \\u00A0\\u202F\\u2009][1-9]|7[.,\' \\u00A0\\u202F\\u2009][0-9]|8[.,\' \\u00A0\\u202F\\u2009][0-8])(?:0[1-9]|1[0-2])|(?:2[.,\' \\u00A0\\u202F\\u2009]9|3[.,\' \\u00A0\\u202F\\u2009]0|8[.,\' \\u00A0\\u202F\\u2009]9|9[.,\' \\u00A0\\u202F\\u2009]0)(?:0[13-9]|1[0-2])|(?:3[.,\' \\u00A0\\u202F\\u2009]1|9[.,\' \\u00A0\\u202F\\u2009]1)(?:0[13578]|1[02]))[.,\' \\u00A0\\u202F\\u2009][0-9]{3}[.,\' \\u00A0\\u202F\\u2009][0-9]{3}|(?:2[.,\' \\u00A0\\u202F\\u2009]9|8[.,\' \\u00A0\\u202F\\u2009]9)02[.,\' \\u00A0\\u202F\\u2009](?:[02468][048]|[13579][26])[0-9][.,\' \\u00A0\\u202F\\u2009][0-9]{3}|(?:(?:0[1-9]|1[0-9]|2[0-8]|6[1-9]|7[0-9]|8[0-8])S(?:0[1-9]|1[0-2])S[0-9]{2}|(?:29|30|89|90)S(?:0[13-9]|1[0-2])S[0-9]{2}|(?:31|91)S(?:0[13578]|1[02])S[0-9]{2}|(?:29|89)S02S(?:[02468][048]|[13579][26]))(?:Q(?:[0-9]{4}|[0-9]L{2}[0-9])|[\\t\\p{Z}\\p{Pd}./_]Q[0-9]{2}[\\t\\p{Z}][0-9]{2})))([^0-9A-Fa-f]|$|[A-Fa-f]+[G-Zg-z])';

/**
 * The detector for a text: the pattern with the spelled separators whose lead character the text
 * holds. V8 unrolls each {0,3} of the pattern, so every spelling in it multiplies its compile
 * time (paid by every command on its first file name); a spelled separator cannot match in a text
 * without its lead character, so the smaller pattern gives the same numbers there.
 */
function detector(text: string): { first: RegExp; every: RegExp } {
  let key = 0;
  spelledSeparators.forEach((s, i) => { if (s.lead.test(text)) key |= 1 << i; });
  let found = detectors.get(key);
  if (found === undefined) {
    const spelled = spelledSeparators.filter((_, i) => key & (1 << i));
    const sep = `(?:${[plainSeparator, ...spelled.map((s) => s.alternatives)].join('|')}){0,3}`;
    const serialSep = `(?:${[plainSerialSeparator, ...spelled.flatMap((s) => [s.alternatives, ...(s.serial ? [s.serial] : [])])].join('|')}){0,3}`;
    const letter = `(?:${['[A-Za-z]', ...spelled.flatMap((s) => (s.letter ? [s.letter] : []))].join('|')})`;
    // L first: the separators spell PLUS and EQUALS
    const source = template.replaceAll('L', letter).replaceAll('S', sep).replaceAll('Q', serialSep);
    found = { first: new RegExp(source, 'u'), every: new RegExp(source, 'gu') };
    detectors.set(key, found);
  }
  return found;
}
const detectors = new Map<number, { first: RegExp; every: RegExp }>();

// Full-width digits, letters and . / _ to ASCII (U+FF0E-FF5A is U+002E-005A shifted by 0xFEE0),
// invisible format characters removed, other scripts' decimal digits to ASCII: the same
// characters as _cpr_fold and _cpr_digits in cpr_find.sql.
const fullWidth = /[\uFF0E\uFF0F\uFF10-\uFF19\uFF21-\uFF3A\uFF3F\uFF41-\uFF5A]/gu;
const invisible = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/gu;
// Unicode 17.0's decimal digits but ASCII's and the full-width ones, as _cpr_fold lists them
const otherDigit = /[\u{660}-\u{669}\u{6F0}-\u{6F9}\u{7C0}-\u{7C9}\u{966}-\u{96F}\u{9E6}-\u{9EF}\u{A66}-\u{A6F}\u{AE6}-\u{AEF}\u{B66}-\u{B6F}\u{BE6}-\u{BEF}\u{C66}-\u{C6F}\u{CE6}-\u{CEF}\u{D66}-\u{D6F}\u{DE6}-\u{DEF}\u{E50}-\u{E59}\u{ED0}-\u{ED9}\u{F20}-\u{F29}\u{1040}-\u{1049}\u{1090}-\u{1099}\u{17E0}-\u{17E9}\u{1810}-\u{1819}\u{1946}-\u{194F}\u{19D0}-\u{19D9}\u{1A80}-\u{1A89}\u{1A90}-\u{1A99}\u{1B50}-\u{1B59}\u{1BB0}-\u{1BB9}\u{1C40}-\u{1C49}\u{1C50}-\u{1C59}\u{A620}-\u{A629}\u{A8D0}-\u{A8D9}\u{A900}-\u{A909}\u{A9D0}-\u{A9D9}\u{A9F0}-\u{A9F9}\u{AA50}-\u{AA59}\u{ABF0}-\u{ABF9}\u{104A0}-\u{104A9}\u{10D30}-\u{10D39}\u{10D40}-\u{10D49}\u{11066}-\u{1106F}\u{110F0}-\u{110F9}\u{11136}-\u{1113F}\u{111D0}-\u{111D9}\u{112F0}-\u{112F9}\u{11450}-\u{11459}\u{114D0}-\u{114D9}\u{11650}-\u{11659}\u{116C0}-\u{116C9}\u{116D0}-\u{116E3}\u{11730}-\u{11739}\u{118E0}-\u{118E9}\u{11950}-\u{11959}\u{11BF0}-\u{11BF9}\u{11C50}-\u{11C59}\u{11D50}-\u{11D59}\u{11DA0}-\u{11DA9}\u{11DE0}-\u{11DE9}\u{11F50}-\u{11F59}\u{16130}-\u{16139}\u{16A60}-\u{16A69}\u{16AC0}-\u{16AC9}\u{16B50}-\u{16B59}\u{16D70}-\u{16D79}\u{1CCF0}-\u{1CCF9}\u{1D7CE}-\u{1D7FF}\u{1E140}-\u{1E149}\u{1E2F0}-\u{1E2F9}\u{1E4F0}-\u{1E4F9}\u{1E5F1}-\u{1E5FA}\u{1E950}-\u{1E959}\u{1FBF0}-\u{1FBF9}]/gu;
const otherDigitOrFullWidth = new RegExp(`^(?:[\uFF10-\uFF19]|${otherDigit.source})$`, 'u');
const needsFold = /[\uFF0E-\uFF5A\p{Cf}\p{M}\u00B2\u00B3\u00B9\u2070\u2074-\u2079\u2080-\u2089\u2460-\u2468\u24EA\u24F5-\u24FD\u24FF\u2776-\u277E\u2780-\u2788\u278A-\u2792\u{1F10B}\u{1F10C}]|[\u{660}-\u{669}\u{6F0}-\u{6F9}\u{7C0}-\u{7C9}\u{966}-\u{96F}\u{9E6}-\u{9EF}\u{A66}-\u{A6F}\u{AE6}-\u{AEF}\u{B66}-\u{B6F}\u{BE6}-\u{BEF}\u{C66}-\u{C6F}\u{CE6}-\u{CEF}\u{D66}-\u{D6F}\u{DE6}-\u{DEF}\u{E50}-\u{E59}\u{ED0}-\u{ED9}\u{F20}-\u{F29}\u{1040}-\u{1049}\u{1090}-\u{1099}\u{17E0}-\u{17E9}\u{1810}-\u{1819}\u{1946}-\u{194F}\u{19D0}-\u{19D9}\u{1A80}-\u{1A89}\u{1A90}-\u{1A99}\u{1B50}-\u{1B59}\u{1BB0}-\u{1BB9}\u{1C40}-\u{1C49}\u{1C50}-\u{1C59}\u{A620}-\u{A629}\u{A8D0}-\u{A8D9}\u{A900}-\u{A909}\u{A9D0}-\u{A9D9}\u{A9F0}-\u{A9F9}\u{AA50}-\u{AA59}\u{ABF0}-\u{ABF9}\u{104A0}-\u{104A9}\u{10D30}-\u{10D39}\u{10D40}-\u{10D49}\u{11066}-\u{1106F}\u{110F0}-\u{110F9}\u{11136}-\u{1113F}\u{111D0}-\u{111D9}\u{112F0}-\u{112F9}\u{11450}-\u{11459}\u{114D0}-\u{114D9}\u{11650}-\u{11659}\u{116C0}-\u{116C9}\u{116D0}-\u{116E3}\u{11730}-\u{11739}\u{118E0}-\u{118E9}\u{11950}-\u{11959}\u{11BF0}-\u{11BF9}\u{11C50}-\u{11C59}\u{11D50}-\u{11D59}\u{11DA0}-\u{11DA9}\u{11DE0}-\u{11DE9}\u{11F50}-\u{11F59}\u{16130}-\u{16139}\u{16A60}-\u{16A69}\u{16AC0}-\u{16AC9}\u{16B50}-\u{16B59}\u{16D70}-\u{16D79}\u{1CCF0}-\u{1CCF9}\u{1D7CE}-\u{1D7FF}\u{1E140}-\u{1E149}\u{1E2F0}-\u{1E2F9}\u{1E4F0}-\u{1E4F9}\u{1E5F1}-\u{1E5FA}\u{1E950}-\u{1E959}\u{1FBF0}-\u{1FBF9}]/u;
const isDigit = /^\p{Nd}$/u;

/** A decimal digit's value: digits come in runs of ten from 0 (the mathematical ones in five runs back to back). */
function digitValue(c: string): string {
  const cp = c.codePointAt(0)!;
  let zero = cp;
  while (isDigit.test(String.fromCodePoint(zero - 1))) zero--;
  return String((cp - zero) % 10);
}

// Combining marks on anything but a letter (a digit underlined, struck through or in a keycap),
// dropped as _cpr_unmark drops them.
const markOnNonLetter = /(\P{L})\p{M}+/gu;
// Superscript, subscript and circled digits (_cpr_compat): each with its value; one that touches
// an ASCII digit is first set apart from it by U+FDD0, which masking drops again.
const compatDigits = '⁰¹²³⁴⁵⁶⁷⁸⁹₀₁₂₃₄₅₆₇₈₉⓪①②③④⑤⑥⑦⑧⑨⓿❶❷❸❹❺❻❼❽❾🄋➀➁➂➃➄➅➆➇➈🄌➊➋➌➍➎➏➐➑➒⓵⓶⓷⓸⓹⓺⓻⓼⓽';
const compatValues = new Map([...compatDigits].map((c, i) => [c, i < 60 ? String(i % 10) : String(i - 59)]));
const compatClass = '[\\u00B2\\u00B3\\u00B9\\u2070\\u2074-\\u2079\\u2080-\\u2089\\u2460-\\u2468\\u24EA\\u24F5-\\u24FD\\u24FF\\u2776-\\u277E\\u2780-\\u2788\\u278A-\\u2792\\u{1F10B}\\u{1F10C}]';
const compatDigit = new RegExp(compatClass, 'gu');
const hasCompatDigit = new RegExp(compatClass, 'u');
const digitThenCompat = new RegExp(`([0-9])(${compatClass})`, 'gu');
const compatThenDigit = new RegExp(`(${compatClass})([0-9])`, 'gu');
const APART = '\uFDD0';

function fold(text: string): string {
  if (!needsFold.test(text)) return text;
  const folded = text.replace(fullWidth, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(invisible, '').replace(otherDigit, digitValue)
    .replace(markOnNonLetter, '$1');
  if (!hasCompatDigit.test(folded)) return folded;
  return folded.replace(digitThenCompat, `$1${APART}$2`).replace(compatThenDigit, `$1${APART}$2`).replace(compatDigit, (c) => compatValues.get(c)!);
}

// Escapes of escapes read back to one layer (_cpr_unwrap): the '&', '#', ';', '\' and '%' that
// spell an escape, themselves escaped (&amp;#49;, %26%2349%3B, \u0026#49;, &#37;31, %5Cu0031),
// in the order of the macro: percent-encoding applied more than once, then each character.
const unwrapSteps: Array<[RegExp, string]> = [
  [/%(?:25)+([0-9A-Fa-f]{2})/gu, '%$1'],
  [/%26|\\[uU]0026|&(?:amp;|AMP;|#0*38;|#[xX]0*26;)+/gu, '&'],
  [/%23|\\[uU]0023|&#0*35;|&#[xX]0*23;|&num;/gu, '#'],
  [/%3[bB]|\\[uU]003[bB]|&#0*59;|&#[xX]0*3[bB];|&semi;/gu, ';'],
  [/%5[cC]|\\[uU]005[cC]|&#0*92;|&#[xX]0*5[cC];|&bsol;/gu, '\\'],
  [/\\[uU]0025|&#0*37;|&#[xX]0*25;|&percnt;/gu, '%'],
];
const unwrap = (text: string) => unwrapSteps.reduce((t, [re, by]) => t.replace(re, by), text);

// The digits of other scripts escaped (&#x661; &#1633; \u0661 %D9%A1, \uD835\uDFCF, &#x1D7CF;)
// as the digit they stand for (_cpr_wide): an escape of anything else stays as written.
// the escapes that can stand for such a digit, as _cpr_wide lists them
const mayBeWide = new RegExp(String.raw`&#x0*(?:66[0-9]|6f[0-9]|7c[0-9]|96[6-9a-f]|9e[6-9a-f]|a6[6-9a-f]|ae[6-9a-f]|b6[6-9a-f]|be[6-9a-f]|c6[6-9a-f]|ce[6-9a-f]|d6[6-9a-f]|de[6-9a-f]|e5[0-9]|ed[0-9]|f2[0-9]|104[0-9]|109[0-9]|17e[0-9]|181[0-9]|194[6-9a-f]|19d[0-9]|1a8[0-9]|1a9[0-9]|1b5[0-9]|1bb[0-9]|1c4[0-9]|1c5[0-9]|a62[0-9]|a8d[0-9]|a90[0-9]|a9d[0-9]|a9f[0-9]|aa5[0-9]|abf[0-9]|104a[0-9]|10d3[0-9]|10d4[0-9]|1106[6-9a-f]|110f[0-9]|1113[6-9a-f]|111d[0-9]|112f[0-9]|1145[0-9]|114d[0-9]|1165[0-9]|116c[0-9]|116d[0-9a-f]|116e[0-3]|1173[0-9]|118e[0-9]|1195[0-9]|11bf[0-9]|11c5[0-9]|11d5[0-9]|11da[0-9]|11de[0-9]|11f5[0-9]|1613[0-9]|16a6[0-9]|16ac[0-9]|16b5[0-9]|16d7[0-9]|1ccf[0-9]|1d7c[ef]|1d7d[0-9a-f]|1d7e[0-9a-f]|1d7f[0-9a-f]|1e14[0-9]|1e2f[0-9]|1e4f[0-9]|1e5f[1-9a]|1e95[0-9]|1fbf[0-9]|ff1[0-9]);|&#0*(?:163[2-9]|164[01]|177[6-9]|178[0-5]|198[4-9]|199[0-3]|240[6-9]|241[0-5]|253[4-9]|254[0-3]|266[2-9]|267[01]|279[0-9]|291[89]|292[0-7]|304[6-9]|305[0-5]|317[4-9]|318[0-3]|330[2-9]|331[01]|343[0-9]|355[89]|356[0-7]|366[4-9]|367[0-3]|379[2-9]|380[01]|387[2-9]|388[01]|416[0-9]|424[0-9]|611[2-9]|612[01]|616[0-9]|647[0-9]|660[89]|661[0-7]|678[4-9]|679[0-3]|680[0-9]|699[2-9]|700[01]|708[89]|709[0-7]|723[2-9]|724[0189]|725[0-7]|4252[89]|4253[0-7]|4321[6-9]|4322[0-5]|4326[4-9]|4327[0-3]|4347[2-9]|4348[01]|4350[4-9]|4351[0-3]|4360[0-9]|4401[6-9]|4402[0-5]|6672[0-9]|6891[2-9]|6892[0189]|6893[0-7]|6973[4-9]|6974[0-3]|6987[2-9]|6988[01]|6994[2-9]|6995[01]|7009[6-9]|7010[0-5]|7038[4-9]|7039[0-3]|7073[6-9]|7074[0-5]|7086[4-9]|7087[0-3]|7124[89]|7125[0-7]|7136[0-9]|7137[6-9]|7138[0-9]|7139[0-5]|7147[2-9]|7148[01]|7190[4-9]|7191[0-3]|7201[6-9]|7202[0-5]|7268[89]|7269[0-7]|7278[4-9]|7279[0-3]|7304[0-9]|7312[0-9]|7318[4-9]|7319[0-3]|7355[2-9]|7356[01]|9041[6-9]|9042[0-5]|9276[89]|9277[0-7]|9286[4-9]|9287[0-3]|9300[89]|9301[0-7]|9355[2-9]|9356[01]|11800[0-9]|12078[2-9]|12079[0-9]|12080[0-9]|12081[0-9]|12082[0-9]|12083[01]|12320[0-9]|12363[2-9]|12364[01]|12414[4-9]|12415[0-3]|12440[1-9]|124410|12526[4-9]|12527[0-3]|13003[2-9]|13004[01]|6529[6-9]|6530[0-5]);|\\u(?:066[0-9]|06f[0-9]|07c[0-9]|096[6-9a-f]|09e[6-9a-f]|0a6[6-9a-f]|0ae[6-9a-f]|0b6[6-9a-f]|0be[6-9a-f]|0c6[6-9a-f]|0ce[6-9a-f]|0d6[6-9a-f]|0de[6-9a-f]|0e5[0-9]|0ed[0-9]|0f2[0-9]|104[0-9]|109[0-9]|17e[0-9]|181[0-9]|194[6-9a-f]|19d[0-9]|1a8[0-9]|1a9[0-9]|1b5[0-9]|1bb[0-9]|1c4[0-9]|1c5[0-9]|a62[0-9]|a8d[0-9]|a90[0-9]|a9d[0-9]|a9f[0-9]|aa5[0-9]|abf[0-9]|ff1[0-9])|\\ud[89ab][0-9a-f]{2}\\ud[c-f]|%d9%a[0-9]|%db%b[0-9]|%df%8[0-9]|%e0%a5%a[6-9a-f]|%e0%a7%a[6-9a-f]|%e0%a9%a[6-9a-f]|%e0%ab%a[6-9a-f]|%e0%ad%a[6-9a-f]|%e0%af%a[6-9a-f]|%e0%b1%a[6-9a-f]|%e0%b3%a[6-9a-f]|%e0%b5%a[6-9a-f]|%e0%b7%a[6-9a-f]|%e0%b9%9[0-9]|%e0%bb%9[0-9]|%e0%bc%a[0-9]|%e1%81%8[0-9]|%e1%82%9[0-9]|%e1%9f%a[0-9]|%e1%a0%9[0-9]|%e1%a5%8[6-9a-f]|%e1%a7%9[0-9]|%e1%aa%8[0-9]|%e1%aa%9[0-9]|%e1%ad%9[0-9]|%e1%ae%b[0-9]|%e1%b1%8[0-9]|%e1%b1%9[0-9]|%ea%98%a[0-9]|%ea%a3%9[0-9]|%ea%a4%8[0-9]|%ea%a7%9[0-9]|%ea%a7%b[0-9]|%ea%a9%9[0-9]|%ea%af%b[0-9]|%f0%90%92%a[0-9]|%f0%90%b4%b[0-9]|%f0%90%b5%8[0-9]|%f0%91%81%a[6-9a-f]|%f0%91%83%b[0-9]|%f0%91%84%b[6-9a-f]|%f0%91%87%9[0-9]|%f0%91%8b%b[0-9]|%f0%91%91%9[0-9]|%f0%91%93%9[0-9]|%f0%91%99%9[0-9]|%f0%91%9b%8[0-9]|%f0%91%9b%9[0-9a-f]|%f0%91%9b%a[0-3]|%f0%91%9c%b[0-9]|%f0%91%a3%a[0-9]|%f0%91%a5%9[0-9]|%f0%91%af%b[0-9]|%f0%91%b1%9[0-9]|%f0%91%b5%9[0-9]|%f0%91%b6%a[0-9]|%f0%91%b7%a[0-9]|%f0%91%bd%9[0-9]|%f0%96%84%b[0-9]|%f0%96%a9%a[0-9]|%f0%96%ab%8[0-9]|%f0%96%ad%9[0-9]|%f0%96%b5%b[0-9]|%f0%9c%b3%b[0-9]|%f0%9d%9f%8[ef]|%f0%9d%9f%9[0-9a-f]|%f0%9d%9f%a[0-9a-f]|%f0%9d%9f%b[0-9a-f]|%f0%9e%85%8[0-9]|%f0%9e%8b%b[0-9]|%f0%9e%93%b[0-9]|%f0%9e%97%b[1-9a]|%f0%9e%a5%9[0-9]|%f0%9f%af%b[0-9]|%ef%bc%9[0-9]`, 'iu');
const wideEscape = /&#[xX]0*([0-9A-Fa-f]{1,6});|&#0*([0-9]{1,7});|\\[uU]([dD][89abAB][0-9A-Fa-f]{2})\\[uU]([dD][c-fC-F][0-9A-Fa-f]{2})|\\[uU]([0-9A-Fa-f]{4})|(%[cdCD][0-9A-Fa-f]%[89abAB][0-9A-Fa-f]|%[eE][0-9A-Fa-f](?:%[89abAB][0-9A-Fa-f]){2}|%[fF][0-7](?:%[89abAB][0-9A-Fa-f]){3})/gu;
const utf8 = new TextDecoder('utf-8', { fatal: true });
function unwide(text: string): string {
  if (!mayBeWide.test(text)) return text;
  return text.replace(wideEscape, (whole, hex?: string, dec?: string, high?: string, low?: string, json?: string, url?: string) => {
    let char: string;
    try {
      const cp = hex !== undefined ? parseInt(hex, 16) : dec !== undefined ? Number(dec) : json !== undefined ? parseInt(json, 16)
        : high !== undefined ? (parseInt(high, 16) - 0xd800) * 0x400 + parseInt(low!, 16) - 0xdc00 + 0x10000 : -1;
      char = cp >= 0 ? String.fromCodePoint(cp) : utf8.decode(Buffer.from(url!.replaceAll('%', ''), 'hex'));
    } catch {
      return whole;
    }
    return otherDigitOrFullWidth.test(char) ? char : whole;
  });
}

// Digits escaped one by one (&#50; &#x32; \u0032 %32), full-width ones too (&#xFF12; &#65298;
// \uFF12 %EF%BC%92), read as digits, in the order and with the rules of _cpr_unescape in
// cpr_find.sql: a character reference needs its ';', and only the ten digits are read.
// Percent-encoding applied more than once (%2531, %252D) is first read back to once.
const mayBeEscaped = /&#|%3|%[eE]|%25|\\|&amp;|&AMP;|%26|%5|%[dDfF]/u;
function unescapeDigits(text: string): string {
  if (!mayBeEscaped.test(text)) return text;
  return unwide(unwrap(text)).replace(/%(?:25)+([0-9A-Fa-f]{2})/gu, '%$1').replace(/&#[xX]0*(?:3|[fF][fF]1)([0-9]);|\\[uU](?:003|[fF][fF]1)([0-9])|%(?:3|[eE][fF]%[bB][cC]%9)([0-9])|&#0*(4[89]|5[0-7]|6529[6-9]|6530[0-5]);/gu,
    (_, hex?: string, json?: string, url?: string, decimal?: string) => hex ?? json ?? url ?? String(Number(decimal) - (Number(decimal) >= 65296 ? 65296 : 48)));
}

/** What the detector reads (_cpr_read): escapes of escapes and other scripts' escaped digits read, the digits unescaped, then folded. */
const read = (text: string) => fold(unescapeDigits(text));

/** The first (leftmost) CPR or eCPR number in `text` as written after folding, or null. */
export function findIdentifier(text: string | null | undefined): string | null {
  if (text == null || text.length < 10) return null;
  const folded = read(text);
  return detector(folded).first.exec(folded)?.[2] ?? null;
}

/** Whether `text` holds a CPR or eCPR number in any accepted spelling. */
export function hasIdentifier(text: string | null | undefined): boolean {
  return findIdentifier(text) !== null;
}

/**
 * `text` with every CPR and eCPR number replaced by IDENTIFIER_MASK. A text without a number is
 * returned unchanged; one with a number comes back folded (full-width forms as ASCII, invisible
 * format characters removed), as cpr_mask does.
 */
export function maskIdentifiers(text: string): string;
export function maskIdentifiers(text: string | null | undefined): string | null | undefined;
export function maskIdentifiers(text: string | null | undefined): string | null | undefined {
  if (text == null || !hasIdentifier(text)) return text;
  const mask = `$1${IDENTIFIER_MASK}$3`;
  const folded = read(text);
  const { every } = detector(folded);
  return folded.replace(every, mask).replace(every, mask).replaceAll(APART, '');
}

/**
 * A document (report data, a summary) with every string in it masked, keys included: for
 * outputs whose figures come with names, reasons and samples quoted from delivered text.
 */
export function maskIdentifiersDeep<T>(value: T): T {
  if (typeof value === 'string') return maskIdentifiers(value) as T;
  if (Array.isArray(value)) return value.map((v) => maskIdentifiersDeep(v)) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [maskIdentifiers(k), maskIdentifiersDeep(v)])) as T;
  }
  return value;
}

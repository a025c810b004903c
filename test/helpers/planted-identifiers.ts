// CPR and replacement numbers planted in a hand-built inbox, spelled every way a person or a
// journal system writes them (issue 15, item 1), and a reader that finds them again in whatever
// an output makes of them: JSON or HTML escapes, full-width forms, separators changed or added.

/** One way of writing a number: the date part (DDMMYY) and the serial (4 digits or eCPR tail). */
export interface Spelling {
  readonly name: string;
  /** Whether the spelling survives a Latin-1 (Windows-1252) file. */
  readonly latin1: boolean;
  /** Whether it breaks the line (a quoted field, a JSON string, a Parquet value; no header or file name). */
  readonly lineBreak?: boolean;
  /** Whether the serial is an eCPR tail (digit, two letters, digit) rather than four digits. */
  readonly replacement?: boolean;
  write(date: string, serial: string): string;
}

const between = (sep: string) => (d: string, s: string) => `${d}${sep}${s}`;
const fullWidth = (text: string) => text.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));
const arabicIndic = (text: string) => text.replace(/[0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x30 + 0x660));
const superscript = (text: string) => text.replace(/[0-9]/g, (c) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[Number(c)]!);
const circled = (text: string) => text.replace(/[0-9]/g, (c) => [...'⓪①②③④⑤⑥⑦⑧⑨'][Number(c)]!);
/** Every digit escaped one by one (&#50; %32 \\u0032); other characters as they are. */
const escapeDigits = (text: string, escape: (cp: number) => string) => text.replace(/[0-9]/g, (c) => escape(c.charCodeAt(0)));
const underlined = (text: string) => [...text].map((c) => `${c}\u0332`).join('');
/** Digits in the script whose zero is `zero` (Devanagari U+0966, Thai U+0E50, mathematical bold U+1D7CE). */
const inScript = (text: string, zero: number) => text.replace(/[0-9]/g, (c) => String.fromCodePoint(zero + Number(c)));
/** A character as JSON writes it: \\uXXXX, a surrogate pair beyond U+FFFF. */
const json = (c: string) => c.split('').map((u) => `\\u${u.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
const percentUtf8 = (c: string) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase()}`).join('');

export const SPELLINGS: readonly Spelling[] = [
  { name: 'hyphen', latin1: true, write: between('-') },
  { name: 'no separator', latin1: true, write: between('') },
  { name: 'no-break space', latin1: true, write: between('\u00a0') },
  { name: 'en dash', latin1: false, write: between('\u2013') },
  { name: 'em dash', latin1: false, write: between('\u2014') },
  { name: 'non-breaking hyphen', latin1: false, write: between('\u2011') },
  { name: 'minus sign', latin1: false, write: between('\u2212') },
  { name: 'zero-width space', latin1: false, write: (d, s) => `${d}${s.slice(0, 2)}\u200b${s.slice(2)}` },
  { name: 'two spaces', latin1: true, write: between('  ') },
  { name: 'tab', latin1: true, write: between('\t') },
  { name: 'slash', latin1: true, write: between('/') },
  { name: 'underscore', latin1: true, write: between('_') },
  { name: 'colon', latin1: true, write: between(':') },
  { name: 'comma', latin1: true, write: between(',') },
  { name: 'semicolon', latin1: true, write: between(';') },
  { name: 'date in brackets', latin1: true, write: (d, s) => `(${d})${s}` },
  { name: 'dots', latin1: true, write: (d, s) => `${d.slice(0, 2)}.${d.slice(2, 4)}.${d.slice(4)}-${s}` },
  { name: 'spaced pairs', latin1: true, write: (d, s) => `${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4)} ${s}` },
  { name: 'full-width digits', latin1: false, write: (d, s) => fullWidth(`${d}-${s}`) },
  { name: 'Arabic-Indic digits', latin1: false, write: (d, s) => arabicIndic(`${d}-${s}`) },
  { name: 'superscript digits', latin1: false, write: (d, s) => superscript(`${d}${s}`) },
  { name: 'circled digits', latin1: false, write: (d, s) => circled(`${d}-${s}`) },
  { name: 'underlined (combining low line)', latin1: false, write: (d, s) => underlined(`${d}-${s}`) },
  { name: 'heavy minus sign', latin1: false, write: between('\u2796') },
  { name: 'line break', latin1: true, lineBreak: true, write: between('\n') },
  // an outside reviewer found these published and in file names, headers and the shareable report
  { name: 'plus sign', latin1: true, write: between('+') },
  { name: 'equals sign', latin1: true, write: (d, s) => `${d} = ${s}` },
  { name: 'digits as HTML character references', latin1: true, write: (d, s) => escapeDigits(`${d}-${s}`, (cp) => `&#${cp};`) },
  { name: 'digits percent-encoded', latin1: true, write: (d, s) => escapeDigits(`${d}${s}`, (cp) => `%${cp.toString(16).toUpperCase()}`) },
  { name: 'digits as JSON escapes', latin1: true, write: (d, s) => escapeDigits(`${d}-${s}`, (cp) => `\\u00${cp.toString(16)}`) },
  { name: 'full-width digits as HTML character references', latin1: true, write: (d, s) => escapeDigits(`${d}-${s}`, (cp) => `&#x${(cp + 0xfee0).toString(16)};`) },
  { name: 'digits percent-encoded twice', latin1: true, write: (d, s) => escapeDigits(`${d}${s}`, (cp) => `%25${cp.toString(16)}`) },
  { name: 'replacement, letters as HTML character references', latin1: true, replacement: true,
    write: (d, s) => `${d}-${s[0]}${[...s.slice(1, 3)].map((c) => `&#${c.charCodeAt(0)};`).join('')}${s[3]}` },
  { name: 'replacement, lowercase', latin1: true, replacement: true, write: between('') },
  // an attack on nightly and lab-quality found these unmasked in the outbox, flagged rows and reports
  { name: 'Devanagari digits', latin1: false, write: (d, s) => inScript(`${d}-${s}`, 0x966) },
  { name: 'mathematical bold digits', latin1: false, write: (d, s) => inScript(`${d}${s}`, 0x1d7ce) },
  { name: 'Arabic-Indic digits as HTML references', latin1: true, write: (d, s) => [...arabicIndic(`${d}-${s}`)].map((c) => (c === '-' ? c : `&#x${c.charCodeAt(0).toString(16)};`)).join('') },
  { name: 'Thai digits as decimal HTML references', latin1: true, write: (d, s) => [...inScript(`${d}${s}`, 0xe50)].map((c) => `&#${c.codePointAt(0)};`).join('') },
  { name: 'Devanagari digits as JSON escapes', latin1: true, write: (d, s) => [...inScript(`${d}-${s}`, 0x966)].map((c) => (c === '-' ? c : json(c))).join('') },
  { name: 'mathematical digits as JSON surrogate pairs', latin1: true, write: (d, s) => [...inScript(`${d}${s}`, 0x1d7f6)].map(json).join('') },
  { name: 'Arabic-Indic digits percent-encoded', latin1: true, write: (d, s) => [...arabicIndic(`${d}${s}`)].map(percentUtf8).join('') },
  { name: 'digits as HTML references escaped again', latin1: true, write: (d, s) => escapeDigits(`${d}-${s}`, (cp) => `&amp;#${cp};`) },
  { name: 'digits as HTML references percent-encoded', latin1: true, write: (d, s) => escapeDigits(`${d}${s}`, (cp) => `%26%23${cp}%3B`) },
  { name: 'digits as HTML references in JSON', latin1: true, write: (d, s) => escapeDigits(`${d}${s}`, (cp) => `\\u0026#${cp};`) },
  { name: 'percent-encoded digits as HTML', latin1: true, write: (d, s) => escapeDigits(`${d}${s}`, (cp) => `&#37;${cp.toString(16)}`) },
  { name: 'en dash as an HTML reference escaped again', latin1: true, write: between('&amp;ndash;') },
  { name: 'replacement, letters as HTML references escaped again', latin1: true, replacement: true,
    write: (d, s) => `${d}${s[0]}${[...s.slice(1, 3)].map((c) => `&amp;#${c.charCodeAt(0)};`).join('')}${s[3]}` },
  { name: 'replacement, lowercase, en dash', latin1: false, replacement: true, write: between('\u2013') },
];

/**
 * Windows-1252's en and em dash (bytes 0x96, 0x97): what "Latin-1" files from Windows systems hold
 * where a person typed a dash. Read as ISO 8859-1 they are the C1 controls U+0096 and U+0097.
 */
export const CP1252_SPELLINGS: readonly Spelling[] = [
  { name: 'Windows-1252 en dash', latin1: true, write: between('\u0096') },
  { name: 'Windows-1252 em dash', latin1: true, write: between('\u0097') },
];

/** Hands out numbers that occur nowhere else (one date, a new serial each), remembering each. */
export class Planter {
  /** Every planted number as ten lowercase characters, with where it was planted. */
  readonly planted = new Map<string, string>();
  private next = 1000;
  // 23 July 1971: a date no fixture or generated value uses.
  private readonly date = '230771';

  /** A new number spelled `spelling`, recorded under `where`. */
  plant(spelling: Spelling, where: string): string {
    const n = this.next++;
    const serial = spelling.replacement
      // the 7th character after the 6,760 tails of two letters and a last digit: a new number each up to 33,800
      ? `${'01567'[Math.floor(n / 6760) % 5]}${String.fromCharCode(97 + (Math.floor(n / 10) % 26))}${String.fromCharCode(97 + (Math.floor(n / 260) % 26))}${n % 10}`
      : String(n);
    this.planted.set(`${this.date}${serial}`.toLowerCase(), `${where} (${spelling.name})`);
    return spelling.write(this.date, serial);
  }
}

const NAMED: Record<string, string> = { nbsp: '\u00a0', ndash: '\u2013', mdash: '\u2014', minus: '\u2212', amp: '&', lt: '<', gt: '>', quot: '"' };

/**
 * Text as a reader would take it in: JSON and HTML escapes and percent-encoded digits decoded, escaped line breaks and tabs
 * as spaces, Unicode NFKC (full-width, superscript and circled digits to ASCII), combining marks
 * on anything but a letter dropped, Arabic-Indic digits as ASCII, lowercase.
 */
export function readable(text: string): string {
  // An escape written into an output is escaped again by it (&amp;#50; in HTML, \\u0032 in JSON):
  // decoded until nothing changes.
  let decoded = text;
  for (let previous = ''; previous !== decoded;) {
    previous = decoded;
    decoded = decoded
      .replace(/\\+[uU]([0-9a-fA-F]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))
      .replace(/\\[ntr]/g, ' ')
      .replace(/&#x([0-9a-fA-F]+);/g, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
      .replace(/&#([0-9]+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
      .replace(/&([a-z]+);/g, (m, name: string) => NAMED[name] ?? m)
      // a URL's percent-encoded digits, and a percent sign so encoded (%2531)
      .replace(/%3([0-9])/g, '$1')
      .replace(/%25([0-9A-Fa-f]{2})/g, '%$1')
      // the characters an escape is written with, percent-encoded (%26%2349%3B), and any other
      // character percent-encoded as UTF-8 (%D9%A1)
      .replace(/%26/gi, '&').replace(/%23/gi, '#').replace(/%3B/gi, ';').replace(/%5C/gi, '\\')
      .replace(/(?:%[c-f][0-9a-f](?:%[89ab][0-9a-f]){1,3})+/gi, (m) => { try { return decodeURIComponent(m); } catch { return m; } });
  }
  return decoded
    .normalize('NFKC')
    // a mark on a digit or a separator (an underline, a keycap) hides none of it
    .replace(/(\P{L})\p{M}+/gu, '$1')
    // NFKC keeps other scripts' digits: each reads as its value (digits come in runs of ten from 0)
    .replace(/[^\P{Nd}0-9]/gu, (c) => { const cp = c.codePointAt(0)!; let zero = cp; while (/\p{Nd}/u.test(String.fromCodePoint(zero - 1))) zero--; return String((cp - zero) % 10); })
    .toLowerCase();
}

/**
 * The planted numbers found in `text`, in any spelling: after `readable`, the planted date with up
 * to four characters that are neither digits nor letters between its pairs and before the serial
 * (any separator, invisible or not, or one an output put in), then a serial that was planted.
 * A serial of the planted shape that was never handed out is reported too: a number is a number.
 */
export function plantedIn(text: string, planter: Planter): string[] {
  const plain = readable(text);
  const sep = '[^0-9a-z]{0,4}';
  const pattern = new RegExp(`23${sep}07${sep}71${sep}([0-9a-z]{2})${sep}([0-9a-z]{2})(?![0-9])`, 'gu');
  const found: string[] = [];
  for (const m of plain.matchAll(pattern)) {
    const number = `230771${m[1]}${m[2]}`;
    const where = planter.planted.get(number);
    if (where) found.push(`${number} from ${where}`);
    else if (/^(?:[0-9]{4}|[01567][a-z]{2}[0-9])$/.test(number.slice(6))) found.push(`${number} (not planted)`);
  }
  return found;
}

// Utf8Check (transforms/ingest/utf8-check.ts) on bytes split into chunks anywhere, a multi-byte
// character cut in two included: UTF-8 text beyond ASCII is 'utf-8', ASCII is 'ascii', and
// Danish text in Latin-1 is never taken for UTF-8.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Check } from '../../transforms/ingest/utf8-check.ts';

const verdictOf = (bytes: Buffer, cuts: number[]) => {
  const check = new Utf8Check();
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const to of [...at, bytes.length]) {
    check.push(bytes.subarray(from, to));
    from = to;
  }
  return check.verdict();
};
const cuts = fc.array(fc.nat(), { maxLength: 12 });
// Danish text as a clinic writes it: words of letters (æ ø å among them) between spaces, digits,
// punctuation and symbols (µ ½ § °). A Latin-1 æ, ø or å is a byte that starts a UTF-8 sequence of
// three or four and a letter after it ends that: a word with one makes the file no UTF-8. (Latin-1
// text whose only characters beyond ASCII are pairs such as "Ø§" is valid UTF-8, and would be read
// as such: no clinic's text is that.)
const word = fc.array(fc.constantFrom(...'abcdefghijklmnoprstuvyæøåÆØÅé'.split('')), { minLength: 2, maxLength: 12 }).map((a) => a.join(''));
const between = fc.constantFrom(' ', ', ', '. ', ' 120 µmol/L ', ' ½ ', ' § ', ' 38,5 ° ', '\n');
const danish = fc.array(fc.tuple(word, between), { minLength: 1, maxLength: 12 }).map((a) => a.flat().join(''))
  .filter((s) => /[æøå][a-zæøå]/.test(s));

describe('Utf8Check', () => {
  it('calls UTF-8 text with a character beyond ASCII utf-8, however it is cut', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', minLength: 1 }).filter((s) => /[^\x00-\x7f]/.test(s)), cuts,
      (s, c) => verdictOf(Buffer.from(s, 'utf8'), c) === 'utf-8'), { numRuns: 300 });
  });

  it('calls ASCII ascii', () => {
    // ASCII text: every character but NUL (a NUL says binary, see below)
    fc.assert(fc.property(fc.string({ unit: 'binary-ascii' }).map((t) => t.replaceAll('\u0000', ' ')), cuts, (s, c) => verdictOf(Buffer.from(s, 'latin1'), c) === 'ascii'), { numRuns: 200 });
  });

  it('never calls Latin-1 Danish text utf-8', () => {
    fc.assert(fc.property(danish, cuts, (s, c) => verdictOf(Buffer.from(s, 'latin1'), c) === 'other'), { numRuns: 300 });
  });

  it('calls Latin-1 Danish lines with UTF-8 lines among them mixed, wherever the UTF-8 lines are and however it is cut', () => {
    fc.assert(fc.property(fc.array(fc.tuple(danish, fc.boolean()), { minLength: 2, maxLength: 8 }), fc.nat(), cuts, (lines, at, c) => {
      // at least one line of each
      const chosen = lines.map(([t, utf8], i) => [t, i === at % lines.length ? true : i === (at + 1) % lines.length ? false : utf8] as const);
      const bytes = Buffer.concat(chosen.map(([t, utf8]) => Buffer.from(`${t}\n`, utf8 ? 'utf8' : 'latin1')));
      return verdictOf(bytes, c) === 'mixed';
    }), { numRuns: 200 });
  });

  it('reads past a UTF-8 byte order mark, however it is cut: Windows-1252 text after one is other, not mixed', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    fc.assert(fc.property(danish, cuts, (s, c) => verdictOf(Buffer.concat([bom, Buffer.from(s, 'latin1')]), c) === 'other'), { numRuns: 300 });
    fc.assert(fc.property(danish, cuts, (s, c) => verdictOf(Buffer.concat([bom, Buffer.from(s, 'utf8')]), c) === 'utf-8'), { numRuns: 100 });
  });

  it('calls bytes with a NUL among them other, whatever else they hold (binary, UTF-16)', () => {
    expect(verdictOf(Buffer.concat([Buffer.from('Kreatinin µmol/L\n', 'utf8'), Buffer.from([0, 0x41])]), [])).toBe('other');
    expect(verdictOf(Buffer.concat([Buffer.from('µ', 'utf8'), Buffer.from('æ\u0000', 'latin1')]), [1])).toBe('other');
  });

  it('calls a file cut inside its last character other, and a Latin-1 byte after UTF-8 mixed', () => {
    expect(verdictOf(Buffer.from('Kreatinin µ', 'utf8').subarray(0, -1), [])).toBe('other');
    expect(verdictOf(Buffer.concat([Buffer.from('µmol/L ', 'utf8'), Buffer.from('æ', 'latin1')]), [3])).toBe('mixed');
  });
});

describe('Utf8Check on a file already no UTF-8', () => {
  it('finds a UTF-8 line whose only character beyond ASCII is cut between two chunks (fast-check seed 113866798)', () => {
    const latin1 = Buffer.from('aaaaaaaaaa. aa ½ aaaaaaaaaaa § 38,5 ° aaaaaøaaaa\n', 'latin1');
    const utf8 = Buffer.from('aaaaa øaaa.\n', 'utf8');
    const bytes = Buffer.concat([latin1, utf8, Buffer.from('aaaaaaaaaa ½ æa\n', 'latin1')]);
    const inside = latin1.length + utf8.indexOf(0xb8);
    expect(verdictOf(bytes, [inside])).toBe('mixed');
  });
});

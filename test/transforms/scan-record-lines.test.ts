// The scan's record lines (FileScan.lineShifts): for a delimited file it says on which line of the
// file each record starts, where that is not the line staging numbers it (the k-th record line
// k + 1): after a quoted value holding line breaks, or an empty line. Files are built here record
// by record, each record's first line noted as it is written, so the expected lines are known
// without reading the file back. Both ways: every such file is mapped exactly; a file whose
// quotes do not pair up, or with a CR alone, gets no mapping (its lines are not known).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES, scanFile, type LineShifts } from '../../transforms/ingest/scan-file.ts';
import { workspace } from '../helpers/inbox.ts';

interface Built { text: string; starts: number[]; empty: number[] }

const field = fc.oneof(
  fc.stringMatching(/^[a-z0-9 .]{0,8}$/),
  // a quoted value: line breaks, doubled quotes and delimiters inside
  fc.array(fc.constantFrom('a', 'b', ' ', ';', '\n', '\r\n', '""'), { maxLength: 10 }).map((cs) => `"${cs.join('')}"`),
);
const record = fc.record({ fields: fc.array(field, { minLength: 1, maxLength: 4 }), emptyBefore: fc.nat({ max: 2 }) });
const fileOf = fc.record({ records: fc.array(record, { maxLength: 12 }), eol: fc.constantFrom('\n', '\r\n'), finalEol: fc.boolean() });

/** The file, each record's first line (the header's included) and DuckDB's numbers of the empty lines. */
function build(f: { records: { fields: string[]; emptyBefore: number }[]; eol: string; finalEol: boolean }): Built {
  let line = 1;
  let duckLine = 1;
  const parts: string[] = [];
  const starts: number[] = [];
  const empty: number[] = [];
  const rows = [{ fields: ['h1', 'h2'], emptyBefore: 0 }, ...f.records];
  rows.forEach((r, i) => {
    for (let e = 0; e < r.emptyBefore; e++) {
      parts.push(f.eol);
      empty.push(duckLine);
      line++;
      duckLine++;
    }
    starts.push(line);
    const text = r.fields.join(';');
    parts.push(text);
    line += (text.match(/\n/g) ?? []).length;
    if (i < rows.length - 1 || f.finalEol) parts.push(f.eol);
    line++;
    duckLine++;
  });
  return { text: parts.join(''), starts, empty };
}

/** The line of the file staging's line `staged` stands for, by the scan's shifts. */
function fileLine(s: LineShifts, staged: number): number {
  let shift = 0;
  s.lines.forEach((l, i) => { if (l <= staged) shift = s.shifts[i]!; });
  return staged + shift;
}

describe("the scan's record lines", () => {
  it('map every record to the line it starts on, and number the empty lines as DuckDB does', async () => {
    const ws = await workspace();
    const path = join(ws.root, 'f.csv');
    await fc.assert(fc.asyncProperty(fileOf, async (f) => {
      const built = build(f);
      // a record whose every field is empty is no record ('' alone makes an empty line)
      fc.pre(f.records.every((r) => r.fields.join(';') !== ''));
      await writeFile(path, built.text);
      const scan = await scanFile(path, { maxLineBytes: MAX_LINE_BYTES, delimiter: ';', recordLines: true });
      // a quoted CR LF is a CR before a LF: the lines are still known
      expect(scan.lineShifts, JSON.stringify(built.text)).not.toBeNull();
      const s = scan.lineShifts!;
      expect(s.records).toBe(built.starts.length);
      built.starts.forEach((start, k) => expect(fileLine(s, k + 1), `record ${k} of ${JSON.stringify(built.text)}`).toBe(start));
      expect(s.empty).toEqual(built.empty);
      // a file whose records are its lines says so with no entry
      if (built.starts.every((start, k) => start === k + 1)) expect(s.lines).toEqual([]);
    }), { numRuns: 300 });
  });

  it('give no mapping where the quotes do not pair up, or a CR stands alone', async () => {
    const ws = await workspace();
    const path = join(ws.root, 'g.csv');
    const spoil = fc.constantFrom('"', 'x"y', '\r');
    await fc.assert(fc.asyncProperty(fileOf, spoil, fc.nat(), async (f, bad, at) => {
      const { text } = build(f);
      const lines = text.split('\n');
      const i = at % lines.length;
      // a quote added to a line outside any quoted value leaves one quote unpaired; a CR alone anywhere
      const spoilt = [...lines.slice(0, i), `${lines[i]}${bad}`, ...lines.slice(i + 1)].join('\n');
      fc.pre(bad === '\r' ? !spoilt.endsWith('\r') && /\r(?!\n)/.test(spoilt) : ((spoilt.match(/"/g) ?? []).length % 2 === 1));
      await writeFile(path, spoilt);
      const scan = await scanFile(path, { maxLineBytes: MAX_LINE_BYTES, delimiter: ';', recordLines: true });
      expect(scan.lineShifts, JSON.stringify(spoilt)).toBeNull();
    }), { numRuns: 200 });
  });

  it('counts a quote that is the first byte of a chunk, its quoted line break in the next', async () => {
    // contentStream reads 1 MiB at a time: the padding puts the opening quote of the last record's
    // second field exactly there, and the records before it hold none
    const chunk = 1 << 20;
    const ws = await workspace();
    const path = join(ws.root, 'boundary.csv');
    const records = Array.from({ length: 60_000 }, (_, i) => ({ fields: [`r${i}`, `v${i}`], emptyBefore: 0 }));
    const before = build({ records, eol: '\n', finalEol: true }).text.length;
    const pad = chunk - before - 1; // the padding, then ';', then the quote at byte `chunk`
    expect(pad).toBeGreaterThan(0);
    const f = {
      records: [...records, { fields: ['p'.repeat(pad), '"two\nlines"'], emptyBefore: 0 }, { fields: ['last', 'v'], emptyBefore: 0 }],
      eol: '\n', finalEol: true,
    };
    const built = build(f);
    expect(built.text[chunk]).toBe('"');
    await writeFile(path, built.text);
    const s = (await scanFile(path, { maxLineBytes: MAX_LINE_BYTES, delimiter: ';', recordLines: true })).lineShifts!;
    expect(fileLine(s, f.records.length + 1)).toBe(built.starts.at(-1));
    built.starts.forEach((start, k) => expect(fileLine(s, k + 1), `record ${k}`).toBe(start));
  });

  it('maps a file read in many chunks, quoted line breaks on every side of a chunk boundary', async () => {
    const ws = await workspace();
    const path = join(ws.root, 'big.csv');
    // contentStream reads 1 MiB at a time: more than three of them
    const f = { records: Array.from({ length: 120_000 }, (_, i) => ({ fields: [`r${i}`, i % 3 === 0 ? `"${'x'.repeat(i % 97)}\n${'""'.repeat(i % 5)}\r\nend"` : `v${i}`], emptyBefore: i % 11 === 0 ? 1 : 0 })), eol: '\r\n', finalEol: true };
    const built = build(f);
    expect(built.text.length).toBeGreaterThan(3 * (1 << 20));
    await writeFile(path, built.text);
    const s = (await scanFile(path, { maxLineBytes: MAX_LINE_BYTES, delimiter: ';', recordLines: true })).lineShifts!;
    // every record's line in one pass over the shifts (fileLine looks through all of them)
    let next = 0;
    let shift = 0;
    const lines = built.starts.map((_, k) => {
      while (next < s.lines.length && s.lines[next]! <= k + 1) shift = s.shifts[next++]!;
      return k + 1 + shift;
    });
    expect(lines).toEqual(built.starts);
    expect(s.empty).toEqual(built.empty);
  });
});

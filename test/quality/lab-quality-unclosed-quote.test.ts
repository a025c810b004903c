// A laboratory system's export in which a quote opens a value and is never closed, after a comment
// that holds a line break in quotes and an empty line: read as DuckDB reads it, the rest of the
// file would be that one value, so the evaluation rejects the file whole, and --check-mapping
// says so first (exit 2), both in fangst's words and with the line of the file the quote opens on
// (DuckDB counts records, which is another line here). The line is found from the fixture's text.
// The scan that finds it is checked against files written from a model of their records.
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { exitCodeOf } from '../../jobs/exit-codes.ts';
import { runCheckMapping, runLabQuality } from '../../jobs/lab-quality.ts';
import { unclosedQuote } from '../../transforms/ingest/unclosed-quote.ts';
import { workspace } from '../helpers/inbox.ts';
import { here } from '../fixtures/lab/extract.ts';
import { lisMapping } from '../fixtures/lab/lis-mapping.ts';

describe('lab-quality on an export with a quote never closed', () => {
  const text = readFileSync(join(here, 'lis-unclosed-quote.csv'), 'utf8');
  const lines = text.trimEnd().split('\n');
  // the record whose result opens a quote: its line in an editor, and the lines from it to the end
  const line = lines.findIndex((l) => l.startsWith('24100902;')) + 1;
  const rest = lines.length - line + 1;
  it('is the fixture it says (the quote on line 5, two lines to the end)', () => expect([line, rest]).toEqual([5, 2]));

  const setUp = async () => {
    const ws = await workspace();
    const file = await ws.put('export/LIS_2024-03.csv', text);
    const mapping = await ws.put('m.yaml', lisMapping('PatientID'));
    return { ws, file, mapping };
  };

  it('rejects the file whole, naming the line the quote opens on, its column and what to do', async () => {
    const { ws, file, mapping } = await setUp();
    const result = await runLabQuality({ extracts: [file], mapping, out: join(ws.root, 'out'), now: new Date('2024-12-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.text.split('\n')[0]).toBe(`NOT USABLE: LIS_2024-03.csv was rejected whole: line ${line}, column Resultat: a quote opens a value and is never closed, `
      + `so the rest of the file (${rest} lines) would be read as that one value; close the quote (a quote inside a value is written twice: "") and deliver the file again`);
  });

  it('--check-mapping stops with that reason (exit 2), in its own words rather than DuckDB\'s', async () => {
    const { file, mapping } = await setUp();
    const err = await runCheckMapping({ extracts: [file], mapping }).catch((e: unknown) => e);
    expect(exitCodeOf(err)).toBe(2);
    expect((err as Error).message).toBe(`LIS_2024-03.csv: line ${line}, column Resultat: found "a quote that opens a value and is never closed", `
      + `expected the quote closed (a quote inside a value is written twice): the evaluation rejects this file whole, as the rest of it (${rest} lines) would be read as that one value`);
  });

  it('--check-mapping names a quote left open on the last line as such, and samples the lines before it', async () => {
    const { ws, mapping } = await setUp();
    const last = await ws.put('export/LIS_2024-04.csv', `${lines[0]}\n24100904;P0904;SOR1001;NPU02319;8,0;mmol/L;05-04-2024 08:15;\n24100905;P0905;SOR1001;NPU02319;"8,2;mmol/L;05-04-2024 08:16;`);
    const { exitCode, text: out } = await runCheckMapping({ extracts: [last], mapping });
    expect(exitCode).toBe(0);
    expect(out).toContain('malformed lines, the first: line 3: a quote opens a value and is never closed (the file ends first)');
    expect(out).not.toMatch(/unterminated/i);
  });
});

describe('lab-quality on an export whose last line opens a quote', () => {
  it('rejects that line saying the quote is never closed, and evaluates the lines before it', async () => {
    const ws = await workspace();
    const header = 'Provenr;PatientID;Afdeling;Analysekode;Resultat;Enhed;Provetidspunkt;Kommentar';
    const text = `${header}\n24100904;P0904;SOR1001;NPU02319;8,0;mmol/L;05-04-2024 08:15;\n24100905;P0905;SOR1001;NPU02319;"8,2;mmol/L;05-04-2024 08:16;`;
    const file = await ws.put('export/LIS_2024-04.csv', text);
    const result = await runLabQuality({ extracts: [file], mapping: await ws.put('m.yaml', lisMapping('PatientID')), out: join(ws.root, 'out'),
      now: new Date('2024-12-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.outputs.summary).toMatchObject({ rowsRead: 2, usable: 1, rejected: 1 });
    expect(result.outputs.text.split('\n')).toContain(
      '  LIS_2024-04.csv line 3: Resultat: a quote opens a value and is never closed: the file ends inside it; close the quote (a quote inside a value is written twice: "")');
  });
});

describe('the scan for a quote never closed', () => {
  // a value: plain text, or quoted text that may hold the delimiter, line breaks and doubled quotes
  // ('"Bedre" sagde': a quote closing before the end of a value is not written, see below)
  const plain = fc.stringMatching(/^[a-z0-9 ,.]{0,6}$/);
  const quoted = fc.array(fc.constantFrom('a', '1', ';', '\n', '\r\n', '""', ' '), { maxLength: 6 }).map((parts) => `"${parts.join('')}"`);
  const record = fc.array(fc.oneof(plain, quoted), { minLength: 1, maxLength: 5 });
  const file = fc.record({
    records: fc.array(record, { minLength: 1, maxLength: 12 }),
    eol: fc.constantFrom('\n', '\r\n', '\r'),
    empty: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
    open: fc.option(fc.record({ record: fc.nat(), field: fc.nat() }), { nil: null }),
    finalEol: fc.boolean(),
  });

  it('finds the line and field a quote opens on, and the lines to the end; nothing where quotes pair up', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fangst-quote-'));
    await fc.assert(fc.asyncProperty(file, async ({ records, eol, empty, open, finalEol }) => {
      const at = open && { record: open.record % records.length, field: open.field % records[open.record % records.length]!.length };
      const out: string[] = [];
      let expected: { line: number; field: number } | null = null;
      records.forEach((fields, r) => {
        // the value the quote opens, and all after it, hold no quote of their own: one would close it
        const after = (f: number) => at !== null && (r > at.record || (r === at.record && f >= at.field));
        const shown = fields.map((v, f) => (!after(f) ? v : `${at!.record === r && at!.field === f ? '"' : ''}${v.replaceAll('"', '')}`));
        if (at && at.record === r) {
          // the line the record starts on, plus the line breaks inside its values before the open quote
          const before = shown.slice(0, at.field).join(';');
          const line = out.join(eol).split(/\r\n|\r|\n/).length + (out.length ? 1 : 0) + before.split(/\r\n|\r|\n/).length - 1;
          expected = { line, field: at.field };
        }
        out.push(shown.join(';'));
        if (empty[r] && !(at && at.record <= r)) out.push('');
      });
      const content = out.join(eol) + (finalEol ? eol : '');
      const path = join(dir, 'f.csv');
      await writeFile(path, content);
      const total = content.replace(/(\r\n|\r|\n)$/, '').split(/\r\n|\r|\n/).length;
      const got = await unclosedQuote(path, ';');
      const want = expected as { line: number; field: number } | null;
      expect(got).toEqual(want && { line: want.line, field: want.field, lines: total - want.line + 1 });
    }), { numRuns: 300 });
  });
});

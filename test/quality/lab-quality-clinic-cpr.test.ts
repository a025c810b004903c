// A CPR number where an export's clinic should be (a column mapped to `clinic` that holds the
// patient's number on some rows) is a privacy finding of its own: the rows are not usable, the
// finding says why without quoting the number, and no output holds it. Without a register the
// clinics cannot be resolved, and an unresolved clinic is no finding there: this one still is.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { queryRows, sqlString, withDatabase } from '../../transforms/db/connection.ts';
import { hasIdentifier } from '../../transforms/privacy/identifiers.ts';
import { everyFile } from '../helpers/every-file.ts';
import { workspace } from '../helpers/inbox.ts';

const silent = pino({ level: 'silent' });

describe('a CPR number in the clinic column of a mapped export', () => {
  it('is a privacy finding on its rows, in every spelling, and is in no output', async () => {
    const ws = await workspace();
    const clinics = ['Klinik Nord', '150385-1037', 'Klinik Nord', '150385\u00a01037', '１５０３８５－１０３７', 'Klinik Syd', '670385-1234'];
    const lines = clinics.map((c, i) => `r${i};P${i};"${c}";NPU02319;8,${i};2025-03-0${i + 1} 08:00`);
    await ws.put('export/results.csv', ['Id;Pt;Afdeling;Code;Val;Taken', ...lines, ''].join('\n'));
    const mapping = await ws.put('m.yaml', ['system: Export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    delimiter: ";"', '    decimal: ","', '    timestamps: "%Y-%m-%d %H:%M"',
      '    columns: { record_id: Id, clinic: Afdeling, patient: Pt, analysis_code: Code, value: Val, sampled_at: Taken }', ''].join('\n'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out, now: new Date('2026-01-01T00:00:00Z'), logger: silent });
    expect(result.outputs.summary).toMatchObject({ rowsRead: 7, usable: 3, unusable: 4 });
    const finding = result.outputs.summary.checks.find((c) => c.checkId === 'pipeline.clinic_cpr');
    expect(finding).toMatchObject({ category: 'privacy', severity: 'error', rows: 4, reason: 'a CPR number or replacement number appears in this field' });
    // nor are the checks of the register's SOR code, which no row has without a register, listed as passed
    expect(result.outputs.summary.checks.map((c) => c.checkId)).not.toContain('pipeline.clinic_unresolved');
    expect(result.outputs.summary.checks.map((c) => c.checkId).filter((id) => /sor_/.test(id))).toEqual([]);
    const leaked: string[] = [];
    for (const f of await everyFile(out)) {
      if (f.endsWith('.duckdb') || f.endsWith('.parquet')) continue;
      const text = await readFile(f, 'utf8');
      if (hasIdentifier(text)) leaked.push(f);
    }
    expect(leaked).toEqual([]);
    expect(hasIdentifier(result.outputs.text)).toBe(false);
  });
});

describe('a CPR number written as a number in a value or a reference limit', () => {
  it('is no value, no limit and no reported figure, and its digits are in no output in any notation', async () => {
    const ws = await workspace();
    // '1.503.851.037' as a Danish spreadsheet shows the ten digits, '1.503851037E9' as a machine writes them
    const values = ['8,1', '1.503.851.037', '1 503 851 037', '1,503851037E9', '15038510,37e2', '8,3', '8,2'];
    const lines = values.map((v, i) => `r${i};P${i};NPU02319;"${v}";${i === 5 ? '1.503.851.037' : '9,5'};2025-03-0${i + 1} 08:00`);
    await ws.put('export/results.csv', ['Id;Pt;Code;Val;Hi;Taken', ...lines, ''].join('\n'));
    const mapping = await ws.put('m.yaml', ['system: Export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    delimiter: ";"', '    decimal: ","', '    timestamps: "%Y-%m-%d %H:%M"',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val, ref_high: Hi, sampled_at: Taken }', ''].join('\n'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out, now: new Date('2026-01-01T00:00:00Z'), logger: silent });
    // r1-r4 are no value; r5's limit is no limit: its row is rejected
    expect(result.outputs.summary).toMatchObject({ rowsRead: 7, usable: 2, unusable: 4, rejected: 1 });
    const digits = /1[^0-9]{0,3}5[^0-9]{0,3}0[^0-9]{0,3}3[^0-9]{0,3}8[^0-9]{0,3}5[^0-9]{0,3}1[^0-9]{0,3}0[^0-9]{0,3}3[^0-9]{0,3}7/;
    const leaked: string[] = [];
    await withDatabase(':memory:', async (_db, conn) => {
      for (const f of await everyFile(out)) {
        if (f.endsWith('.duckdb')) continue;
        const text = f.endsWith('.parquet')
          ? JSON.stringify((await queryRows(conn, `select * from read_parquet(${sqlString(f)})`)).map((r) => Object.values(r).map(String)))
          : await readFile(f, 'utf8');
        if (digits.test(text) || hasIdentifier(text)) leaked.push(f);
      }
    });
    expect(leaked).toEqual([]);
    expect(digits.test(result.outputs.text)).toBe(false);
  });
});

// Each field is masked on its own; where the report or the terminal joins two fields into one
// text (an analysis as "name (code)", "most in <code> <name>"), a date in one and four digits in
// the other read as one number. The split number in two cells of a table, or two columns of
// flagged-rows.csv, stays two values: a reader sees them apart, under their own headings.
describe('a CPR number split across an analysis code and its name', () => {
  it('is masked where the two are joined into one text, and two ordinary numbers so joined are not', async () => {
    const ws = await workspace();
    const lines = [
      // the heading's "150385 (1037)"
      ...Array.from({ length: 12 }, (_, i) => `r${i};P${i % 3};1037;150385;abc;2025-03-0${(i % 9) + 1} 08:00`),
      // the terminal's "most in 150385 1037": the analysis with the most findings
      ...Array.from({ length: 14 }, (_, i) => `q${i};P${i % 3};150385;1037;abc;2025-03-0${(i % 9) + 1} 09:00`),
      ...Array.from({ length: 6 }, (_, i) => `s${i};P${i % 3};2046;320145;def;2025-03-0${(i % 9) + 1} 08:00`),
    ];
    await ws.put('export/results.csv', ['Id;Pt;Code;Name;Val;Taken', ...lines, ''].join('\n'));
    const mapping = await ws.put('m.yaml', ['system: Export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    delimiter: ";"', '    decimal: ","', '    timestamps: "%Y-%m-%d %H:%M"',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, analysis_name: Name, value: Val, sampled_at: Taken }', ''].join('\n'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out, now: new Date('2026-01-01T00:00:00Z'), logger: silent });
    expect(result.outputs.text).toContain('most in [CPR]');
    expect(hasIdentifier(result.outputs.text)).toBe(false);
    const report = await readFile(result.outputs.report, 'utf8');
    // the analysis's heading and its row in the tables were "150385 (1037)"
    expect(report).not.toMatch(/150385 \(1037\)/);
    for (const m of report.match(/<h2>[^<]*<\/h2>|<td>[^<]*<\/td>/g) ?? []) expect(hasIdentifier(m), m).toBe(false);
    // no date, no number: the other analysis keeps its name and code
    expect(report).toContain('320145 (2046)');
  });
});

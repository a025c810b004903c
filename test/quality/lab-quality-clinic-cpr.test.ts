// A CPR number where an export's clinic should be (a column mapped to `clinic` that holds the
// patient's number on some rows) is a privacy finding of its own: the rows are not usable, the
// finding says why without quoting the number, and no output holds it. Without a register the
// clinics cannot be resolved, and an unresolved clinic is no finding there: this one still is.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
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
  }, 120_000);
});

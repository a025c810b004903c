// A laboratory system's export that writes a reference limit it does not have as a word or a dash
// (a database's NULL, R's NA, '-', 'N/A'), beside empty ones and one limit that is a word of its
// own ('høj'). A placeholder is no limit, as an empty field is: the result is kept and judged
// without it; only the word that is no number is rejected. The expected limits are worked out
// here from the fixture's text.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { workspace } from '../helpers/inbox.ts';
import { here } from '../fixtures/lab/extract.ts';
import { lisMapping } from '../fixtures/lab/lis-mapping.ts';

const PLACEHOLDERS = new Set(['', 'null', 'na', 'n/a', '-', '--']);

/** A limit as the fixture writes it: a number (decimal comma), none, or not a number. */
function limit(text: string): number | null | 'no number' {
  const t = text.trim();
  if (PLACEHOLDERS.has(t.toLowerCase())) return null;
  return /^\d+(,\d+)?$/.test(t) ? Number(t.replace(',', '.')) : 'no number';
}

describe('lab-quality on reference limits written as NULL, NA or a dash', () => {
  it('reads each as no limit, keeping the result, and rejects only a limit that is a word', async () => {
    const text = await readFile(join(here, 'lis-reference-placeholders.csv'), 'utf8');
    const [header, ...lines] = text.trimEnd().split('\n');
    const cols = header!.split(';');
    const rows = lines.map((l, i) => {
      const f = l.split(';');
      return { line: i + 2, id: f[0]!, low: limit(f[cols.indexOf('RefNedre')]!), high: limit(f[cols.indexOf('RefOevre')]!) };
    });
    const kept = rows.filter((r) => r.low !== 'no number' && r.high !== 'no number');
    const word = rows.filter((r) => !kept.includes(r));
    expect([kept.length, word.length]).toEqual([7, 1]); // the fixture's own counts

    const ws = await workspace();
    const file = await ws.put('export/LIS_2024-03.csv', text);
    const mapping = await ws.put('m.yaml', lisMapping('PatientID', { ref_low: 'RefNedre', ref_high: 'RefOevre' }));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], mapping, out, now: new Date('2024-12-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.outputs.summary).toMatchObject({ rowsRead: rows.length, rejected: word.length, usable: kept.length });

    await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
      const read = await queryRows<{ id: string; low: number | null; high: number | null }>(conn,
        `select record_id as id, ref_low as low, ref_high as high from lab.results order by record_id`);
      expect(read).toEqual(kept.map((r) => ({ id: r.id, low: r.low, high: r.high })));
      const rejects = await queryRows<{ line: number; column_name: string }>(conn,
        `select source_line::int as line, column_name from meta.rejects where source_line is not null order by line`);
      expect(rejects).toEqual(word.map((r) => ({ line: r.line, column_name: 'ref_high' })));
      // a result with neither limit is one without an interval, as one with both fields empty is
      const missing = await queryRows<{ line: number }>(conn,
        `select source_line::int as line from quality.row_findings where check_id = 'lab.reference_missing' order by line`);
      expect(missing.map((m) => m.line)).toEqual(kept.filter((r) => r.low === null && r.high === null).map((r) => r.line));
    });
  });
});

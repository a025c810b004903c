// A laboratory system's export in which each record but the first leaves one field empty: the
// unit, the value, the patient (empty or spaces), the sampling time, the clinic. Each is a result
// of its analysis with that field missing (a finding on its row naming the column), not a record
// rejected whole; which finding each empty column gives is written out here, and the rows that
// give it are found from the fixture's text.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { workspace } from '../helpers/inbox.ts';
import { here } from '../fixtures/lab/extract.ts';
import { lisMapping } from '../fixtures/lab/lis-mapping.ts';

// the export's column, the finding an empty one gives, and whether the result is still usable
const EMPTY: ReadonlyArray<readonly [string, string, boolean]> = [
  ['Enhed', 'lab.unit_missing', true],
  ['Resultat', 'lab.value_missing', false],
  ['PatientID', 'lab.patient_missing', false],
  ['Provetidspunkt', 'laboratoriesvar.sampled_at_present', false],
  ['Afdeling', 'pipeline.clinic_unresolved', false],
];

describe('lab-quality on records with an empty field', () => {
  it('reads each as a result of its analysis with that field missing, none rejected', async () => {
    const text = await readFile(join(here, 'lis-empty-fields.csv'), 'utf8');
    const [header, ...lines] = text.trimEnd().split('\n');
    const cols = header!.split(';');
    const records = lines.map((l, i) => {
      const f = l.split(';');
      const empty = EMPTY.filter(([c]) => f[cols.indexOf(c)]!.trim() === '');
      return { line: i + 2, id: f[0]!, code: f[cols.indexOf('Analysekode')]!, findings: empty.map(([, check]) => check), usable: empty.every(([, , u]) => u) };
    });
    expect(records.filter((r) => r.findings.length === 1).length).toBe(6);

    const ws = await workspace();
    const file = await ws.put('export/LIS_2024-03.csv', text);
    const mapping = await ws.put('m.yaml', lisMapping('PatientID'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], mapping, out, now: new Date('2024-12-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    const usable = records.filter((r) => r.usable).length;
    expect(result.outputs.summary).toMatchObject({ rowsRead: records.length, rejected: 0, usable, unusable: records.length - usable });
    await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
      const results = await queryRows<{ id: string; code: string }>(conn, `select record_id as id, analysis_code as code from lab.results order by id`);
      expect(results).toEqual(records.map((r) => ({ id: r.id, code: r.code })));
      const findings = await queryRows<{ line: number; check_id: string }>(conn,
        `select source_line::int as line, check_id from quality.row_findings
          where check_id in (${EMPTY.map(([, c]) => `'${c}'`).join(', ')}) order by line, check_id`);
      expect(findings).toEqual(records.flatMap((r) => r.findings.map((check_id) => ({ line: r.line, check_id }))));
    });
  });
});

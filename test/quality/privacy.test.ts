import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openDatabase, queryRows, type Database } from '../../transforms/db/connection.ts';
import { loadChecks, runChecks, type CheckDefinition } from '../../quality/engine.ts';
import { createWorkTables, diagnosis, epikrise, insertClinics, insertRows } from '../helpers/quality-fixtures.ts';

const now = new Date('2026-03-10T02:00:00Z');
let db: Database;
let conn: DuckDBConnection;
let checks: CheckDefinition[];
beforeEach(async () => {
  db = await openDatabase(':memory:');
  conn = await db.connect();
  await createWorkTables(conn);
  await insertClinics(conn);
  checks = (await loadChecks()).filter((c) => c.category === 'privacy');
});
afterEach(() => db.close());

describe('CPR numbers in text and id fields', () => {
  it('finds CPR and eCPR numbers in any field and names file, line and column, never the number', async () => {
    await insertRows(conn, 'work.diagnoser', [
      diagnosis({ record_id: 'cpr_as_patient', patient: '0101901234', source_line: 7 }),
      // A digest the pipeline computes is not delivered text, whatever digits it holds.
      diagnosis({ record_id: 'clean', content_hash: 'e3b0c44298fc1c149afb0101901234b9' }),
    ]);
    await insertRows(conn, 'work.epikriser', [
      epikrise({ record_id: 'cpr_in_text', text: 'Set i dag, cpr 241287-1234, kontrol om 3 mdr.', source_line: 12 }),
      epikrise({ record_id: 'ecpr_in_title', title: 'Epikrise 0101901AB2' }),
      epikrise({ record_id: 'sample_id', text: 'Prøve-id 3213451234 (ikke en dato), svar 5,4 mmol/L' }),
      epikrise({ record_id: 'clean' }),
    ]);
    const run = await runChecks(conn, { runId: 'r1', batchId: 'b1', checks, now });
    const f = await queryRows<Record<string, unknown>>(
      conn,
      `select record_key, source_file, source_line::integer as source_line, column_name, severity, reason from quality.row_findings order by record_key`,
    );
    expect(f).toEqual([
      { record_key: 'NOVAX:cpr_as_patient', source_file: 'novax/novax_diagnoser_2026-03.csv', source_line: 7, column_name: 'patient', severity: 'error', reason: 'a CPR number or replacement number appears in this field' },
      { record_key: 'NOVAX:cpr_in_text', source_file: 'novax/novax_epikriser_2026-03.csv', source_line: 12, column_name: 'text', severity: 'error', reason: 'a CPR number or replacement number appears in this field' },
      { record_key: 'NOVAX:ecpr_in_title', source_file: 'novax/novax_epikriser_2026-03.csv', source_line: expect.any(Number), column_name: 'title', severity: 'error', reason: 'a CPR number or replacement number appears in this field' },
    ]);
    // Nothing the run stores or returns carries the numbers.
    const stored = JSON.stringify([run, await queryRows(conn, `select * from quality.check_results`), await queryRows(conn, `select * from quality.row_findings`)], (_k, v) => (typeof v === 'bigint' ? String(v) : v));
    for (const n of ['0101901234', '241287-1234', '0101901AB2']) expect(stored).not.toContain(n);
    expect(run.heldBackKinds).toEqual([]);
  });
});

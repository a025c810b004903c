// A lab result needs the time it was sampled: without one it belongs to no day, month or
// patient history. A mapped export's empty time and a FHIR Observation without one are not
// usable; a FHIR time of a month or a year alone is rejected with a message that says so.
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { workspace } from '../helpers/inbox.ts';

const silent = pino({ level: 'silent' });

describe('a lab result without its sampling time', () => {
  it('is not usable in a mapped export, with the check that says why', async () => {
    const ws = await workspace();
    await ws.put('export/results.csv', 'Id,Pt,Code,Val,Taken\nr1,P1,NPU02319,8.1,2025-03-01 08:00\nr2,P2,NPU02319,8.4,\nr3,P3,NPU02319,8.2,2025-03-02 08:00\n');
    const mapping = await ws.put('m.yaml', ['system: Export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    timestamps: "%Y-%m-%d %H:%M"', '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val, sampled_at: Taken }', ''].join('\n'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: new Date('2026-01-01T00:00:00Z'), logger: silent });
    expect(result.outputs.summary).toMatchObject({ rowsRead: 3, usable: 2, unusable: 1 });
    const found = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ record_id: string; check_id: string }>(conn,
      `select r.record_id, f.check_id from quality.row_findings as f join lab.results as r on r.source_line = f.source_line where f.severity = 'error'`));
    expect(found).toEqual([{ record_id: 'r2', check_id: 'laboratoriesvar.sampled_at_present' }]);
  });

  it('is not held against each row of an export whose mapping maps no sampling time at all', async () => {
    const ws = await workspace();
    await ws.put('export/results.csv', 'Id,Pt,Code,Val\nr1,P1,NPU02319,8.1\nr2,P2,NPU02319,8.4\n');
    const mapping = await ws.put('m.yaml', ['system: Export', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"', '    format: csv',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val }', ''].join('\n'));
    const result = await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out: join(ws.root, 'out'), now: new Date('2026-01-01T00:00:00Z'), logger: silent });
    expect(result.outputs.summary).toMatchObject({ rowsRead: 2, usable: 2 });
    expect(result.outputs.summary.checks.map((c) => c.checkId)).not.toContain('laboratoriesvar.sampled_at_present');
  });

  it('in FHIR: none is not usable; a month or a year alone is rejected saying a day is needed', async () => {
    const ws = await workspace();
    const obs = (id: string, time: string | null) => JSON.stringify({
      resourceType: 'Observation', id, status: 'final', subject: { reference: `Patient/P${id}` }, ...(time ? { effectiveDateTime: time } : {}),
      code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] }, valueQuantity: { value: 95, unit: 'mg/dL' },
    });
    const file = await ws.put('Observation.ndjson', [obs('a', '2025-03-04'), obs('b', null), obs('c', '2025-03'), obs('d', '2025')].join('\n') + '\n');
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], out, now: new Date('2026-01-01T00:00:00Z'), logger: silent });
    expect(result.outputs.summary).toMatchObject({ rowsRead: 4, usable: 1, unusable: 1, rejected: 2 });
    const rejects = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ source_line: number; reason: string }>(conn,
      `select source_line::int as source_line, reason from meta.rejects order by source_line`));
    expect(rejects.map((r) => r.source_line)).toEqual([3, 4]);
    for (const r of rejects) expect(r.reason).toMatch(/not a valid time: expected the format FHIR dateTime to the day at least .*a month or a year alone dates no result/);
  });
});

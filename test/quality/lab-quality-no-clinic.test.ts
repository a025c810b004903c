// A laboratory system's export evaluated without a clinic register, two of whose results name no
// clinic (the department column empty, or a space). Without a register no clinic is checked
// against one, but a result that names none cannot be placed by any register: it is a finding
// and not usable, as it is when a register is given. A file none of whose results names a clinic
// is an extract without clinics (as FHIR Observations without a performer are): no finding.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { workspace } from '../helpers/inbox.ts';
import { here } from '../fixtures/lab/extract.ts';
import { lisMapping } from '../fixtures/lab/lis-mapping.ts';

describe('lab-quality without a register, on results that name no clinic', () => {
  it('flags each of them, and only them, as not usable', async () => {
    const text = await readFile(join(here, 'lis-no-clinic.csv'), 'utf8');
    const [header, ...lines] = text.trimEnd().split('\n');
    const clinic = header!.split(';').indexOf('Afdeling');
    const without = lines.flatMap((l, i) => (l.split(';')[clinic]!.trim() === '' ? [i + 2] : []));
    expect(without.length).toBe(2);

    const ws = await workspace();
    const file = await ws.put('export/LIS_2024-03.csv', text);
    const mapping = await ws.put('m.yaml', lisMapping('PatientID'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], mapping, out, now: new Date('2024-12-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.outputs.summary).toMatchObject({ rowsRead: lines.length, usable: lines.length - without.length, unusable: without.length, rejected: 0 });
    const flagged = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ line: number; check_id: string; severity: string }>(conn,
      `select source_line::int as line, check_id, severity from quality.row_findings where check_id like 'pipeline.%' order by line`));
    expect(flagged).toEqual(without.map((line) => ({ line, check_id: 'pipeline.clinic_unresolved', severity: 'error' })));
  });

  it('flags none where no result of the file names a clinic', async () => {
    const text = await readFile(join(here, 'lis-no-clinic.csv'), 'utf8');
    const none = text.replace(/;SOR100\d;/g, ';;');
    expect(none).not.toMatch(/SOR/);
    const ws = await workspace();
    const file = await ws.put('export/LIS_2024-03.csv', none);
    const mapping = await ws.put('m.yaml', lisMapping('PatientID'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], mapping, out, now: new Date('2024-12-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    const rows = text.trimEnd().split('\n').length - 1;
    expect(result.outputs.summary).toMatchObject({ rowsRead: rows, usable: rows, unusable: 0 });
  });
});

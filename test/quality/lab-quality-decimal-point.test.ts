// A decimal-comma laboratory export with some values written with a decimal point ('8.1',
// '<0.5 mg/L', '7.9 mmol/L'). fangst does not guess at them (a '.' may group thousands), so
// they are unparseable; the finding now says what an analyst would look for: read with '.' they
// are numbers, and the file writes ','. A word, or a number no separator makes one, gets no such
// note. Which values get it is found here from the fixture's text.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { workspace } from '../helpers/inbox.ts';
import { here } from '../fixtures/lab/extract.ts';
import { lisMapping } from '../fixtures/lab/lis-mapping.ts';

describe('lab-quality on values with a decimal point in a decimal-comma export', () => {
  it("says of each that it is a number read with '.', and of no other unparseable value", async () => {
    const text = await readFile(join(here, 'lis-decimal-point.csv'), 'utf8');
    const [header, ...lines] = text.trimEnd().split('\n');
    const value = header!.split(';').indexOf('Resultat');
    const rows = lines.map((l, i) => ({ line: i + 2, value: l.split(';')[value]! }));
    const point = rows.filter((r) => /^[<>]?\d+\.\d+( ?[a-zA-Z/]+)?$/.test(r.value)).map((r) => r.line);
    const unreadable = rows.filter((r) => !/^[<>]?\d+(,\d+)?$/.test(r.value) && !/^\d+,\d+ ?mmol\/L$/.test(r.value)).map((r) => r.line);
    expect(point.length).toBe(3);

    const ws = await workspace();
    const file = await ws.put('export/LIS_2024-03.csv', text);
    const mapping = await ws.put('m.yaml', lisMapping('PatientID'));
    const out = join(ws.root, 'out');
    await runLabQuality({ keepDatabase: true, extracts: [file], mapping, out, now: new Date('2024-12-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    const found = await withDatabase(join(out, 'lab-quality.duckdb'), (_db, conn) => queryRows<{ line: number; detail: string }>(conn,
      `select source_line::int as line, detail from lab.row_findings where check_id = 'lab.value_unparseable' order by line`));
    expect(found.map((f) => f.line)).toEqual(unreadable);
    const note = ": read with '.' as decimal separator it is a number, and its file writes ',' (decimal in the layout)";
    expect(found.filter((f) => f.detail.endsWith(note)).map((f) => f.line)).toEqual(point);
  });
});

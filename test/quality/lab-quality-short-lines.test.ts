// A laboratory system's export with lines shorter than its header (trailing fields left out, or a
// record cut short) and lines without a record id (empty, or spaces), among complete ones. Each
// such line is held back on its own, with a reason that names its file, its line and what it
// lacks (the header's columns it has no field for, by name); the terminal lists the first of them,
// and every other line of the file is evaluated. What each line lacks is worked out here from the
// fixture's text.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { workspace } from '../helpers/inbox.ts';
import { here } from '../fixtures/lab/extract.ts';
import { lisMapping } from '../fixtures/lab/lis-mapping.ts';

const FILE = 'LIS_2024-03.csv';

describe('lab-quality on lines shorter than the header, or without a record id', () => {
  it('holds each back naming its file, line and what it lacks, and evaluates the rest of the file', async () => {
    const text = await readFile(join(here, 'lis-short-lines.csv'), 'utf8');
    const [headerLine, ...lines] = text.trimEnd().split('\n');
    const header = headerLine!.split(';');
    const records = lines.map((l, i) => {
      const f = l.split(';');
      const lacks = header.slice(f.length);
      const reason = lacks.length
        ? `missing columns: the line has ${f.length} of the header's ${header.length} fields, without ${lacks.join(', ')}: `
          + 'trailing empty fields left out, or the record cut short (the line cannot tell which), so it is not read'
        : f[0]!.trim() === '' ? 'record_id is missing: the field is empty, and a record is known (and corrected) by its id, so the line is not read' : null;
      return { line: i + 2, id: f[0]!, reason };
    });
    const held = records.filter((r) => r.reason !== null);
    const kept = records.filter((r) => r.reason === null);
    expect([held.length, kept.length]).toEqual([5, 2]); // the fixture's own counts, so that a changed fixture is noticed

    const ws = await workspace();
    const file = await ws.put(`export/${FILE}`, text);
    const mapping = await ws.put('m.yaml', lisMapping('PatientID'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], mapping, out, now: new Date('2024-12-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.outputs.summary).toMatchObject({ rowsRead: records.length, rejected: held.length, usable: kept.length });

    await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
      const results = await queryRows<{ id: string }>(conn, 'select record_id as id from lab.results order by source_line');
      expect(results.map((r) => r.id)).toEqual(kept.map((r) => r.id));
      const rejects = await queryRows<{ file: string; line: number; reason: string }>(conn,
        'select source_file as file, source_line::int as line, reason from meta.rejects where source_line is not null order by line');
      expect(rejects).toEqual(held.map((r) => ({ file: FILE, line: r.line, reason: r.reason })));
    });
    // the terminal says which lines and why, not only how many
    const shown = result.outputs.text.split('\n');
    expect(shown).toContain(`lines rejected while reading, their results not evaluated: ${held.length} (all in flagged-rows.csv)`);
    for (const r of held) expect(shown).toContain(`  ${FILE} line ${r.line}: ${r.reason}`);
  });
});

describe('lab-quality on an export whose every line is held back', () => {
  it('says first that nothing is usable because the lines were rejected while reading, naming no check', async () => {
    const ws = await workspace();
    const text = 'Provenr;PatientID;Afdeling;Analysekode;Resultat;Enhed;Provetidspunkt\n24101101;P1101;SOR1001;NPU02319;8,4\n;P1102;SOR1001;NPU02319;8,1;mmol/L;05-03-2024 08:16\n';
    const file = await ws.put(`export/${FILE}`, text);
    const result = await runLabQuality({ extracts: [file], mapping: await ws.put('m.yaml', lisMapping('PatientID')), out: join(ws.root, 'out'),
      now: new Date('2024-12-01T00:00:00Z'), logger: pino({ level: 'silent' }) });
    expect(result.exitCode).toBe(1);
    expect(result.outputs.text.split('\n')[0]).toBe('NOT USABLE: nothing is usable: 0 of 2 lab results; the lines were rejected while reading (flagged-rows.csv gives each line and why)');
  });
});

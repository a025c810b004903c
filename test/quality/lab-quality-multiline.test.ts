// A laboratory system's export with comments over several lines (quoted, as CSV allows), empty
// lines between records, in LF and in CR LF: every line number lab-quality gives (its findings,
// its rejects) is the line of the file where that record starts, as an editor shows it. The
// expected lines are found here by looking each flagged record's id up at the start of a line.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { workspace } from '../helpers/inbox.ts';
import { here } from '../fixtures/lab/extract.ts';
import { lisMapping } from '../fixtures/lab/lis-mapping.ts';

const silent = pino({ level: 'silent' });
const NOW = new Date('2024-12-01T00:00:00Z');
// the records the fixture spoils, each in one way: a value that is none, a day 32, no patient,
// a field too many (DuckDB rejects that record itself)
const SPOILED = ['24100302', '24100304', '24100305', '24100306', '24100308'];

describe('lab-quality line numbers in an export with quoted line breaks and empty lines', () => {
  it('name the line of the file each flagged record starts on, in each of two files', async () => {
    const text = await readFile(join(here, 'lis-multiline.csv'), 'utf8');
    const ws = await workspace();
    const files = { 'LIS_2024-03-a.csv': text, 'LIS_2024-03-b.csv': text.replaceAll('\n', '\r\n').replace('24100301', '24100401') };
    for (const [name, content] of Object.entries(files)) await ws.put(`export/${name}`, content);
    const mapping = await ws.put('m.yaml', lisMapping('PatientID'));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: NOW, logger: silent });
    const lineOf = (content: string, id: string) => content.split('\n').findIndex((l) => l.startsWith(`${id};`)) + 1;
    const expected = Object.entries(files).flatMap(([name, content]) => SPOILED.map((id) => ({ file: name, line: lineOf(content, id) }))).sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
    expect(expected.every((e) => e.line > 1)).toBe(true);
    expect(result.outputs.summary).toMatchObject({ rowsRead: 18 });

    await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
      const flagged = await queryRows<{ file: string; line: number }>(conn, `select distinct source_file as file, source_line::int as line from (
          select source_file, source_line from lab.row_findings where check_id in ('lab.value_unparseable', 'lab.patient_missing')
          union all select source_file, source_line from meta.rejects where source_line is not null)
        order by file, line`);
      expect(flagged).toEqual(expected);
      // and the rows read well are where they are too
      const good = await queryRows<{ file: string; id: string; line: number }>(conn,
        `select source_file as file, record_id as id, source_line::int as line from lab.results where value_state = 'numeric' order by file, line`);
      // 301, 303, 305 (no patient, read all the same), 307 and 309 in each file
      expect(good.length).toBe(10);
      for (const g of good) expect(g.line, `${g.file} ${g.id}`).toBe(lineOf(files[g.file as keyof typeof files], g.id));
    });
  });
});

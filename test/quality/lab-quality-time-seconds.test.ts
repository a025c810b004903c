// A laboratory system's export that writes most times to the minute and some to the second, read
// through a mapping written from the first rows ('%d-%m-%Y %H:%M'). A time with its seconds is
// read with them, and so is one with a fraction of its seconds; what is no time (75 seconds) is
// still rejected with the format. The expected instants are worked out here from the fixture's text: early March is
// winter time in Copenhagen, one hour ahead of UTC.
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

/** The UTC instant of a Copenhagen winter time 'dd-mm-yyyy hh:mm[:ss[.fff]]', or null when it is none. */
function winterInstant(text: string): string | null {
  const m = /^(\d\d)-(\d\d)-(\d{4}) (\d\d):(\d\d)(?::(\d\d)(?:[.,](\d{1,3}))?)?$/.exec(text.trim());
  if (!m || Number(m[6] ?? 0) > 59) return null;
  return new Date(`${m[3]}-${m[2]}-${m[1]}T${m[4]}:${m[5]}:${m[6] ?? '00'}.${(m[7] ?? '').padEnd(3, '0')}+01:00`).toISOString();
}

describe('lab-quality on times with seconds where the mapping says minutes', () => {
  it('reads each time to the second, and rejects only the lines whose time is none', async () => {
    const text = await readFile(join(here, 'lis-seconds.csv'), 'utf8');
    const [header, ...lines] = text.trimEnd().split('\n');
    const cols = header!.split(';');
    const rows = lines.map((l, i) => {
      const f = l.split(';');
      return { line: i + 2, id: f[cols.indexOf('Provenr')]!, sampled: winterInstant(f[cols.indexOf('Provetidspunkt')]!), resulted: winterInstant(f[cols.indexOf('Svartidspunkt')]!) };
    });
    const good = rows.filter((r) => r.sampled !== null && r.resulted !== null);
    const bad = rows.filter((r) => r.sampled === null || r.resulted === null);
    expect(good.length).toBe(5); // the fixture's own count, so that a changed fixture is noticed

    const ws = await workspace();
    const file = await ws.put('export/LIS_2024-03.csv', text);
    const mapping = await ws.put('m.yaml', lisMapping('PatientID', { resulted_at: 'Svartidspunkt' }));
    const out = join(ws.root, 'out');
    const result = await runLabQuality({ keepDatabase: true, extracts: [file], mapping, out, now: NOW, logger: silent });
    expect(result.outputs.summary).toMatchObject({ rowsRead: rows.length, rejected: bad.length });

    await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
      const read = await queryRows<{ record_id: string; sampled: string; resulted: string }>(conn,
        `select record_id, strftime(sampled_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') as sampled,
          strftime(resulted_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') as resulted from lab.results order by record_id`);
      expect(read).toEqual(good.map((r) => ({ record_id: r.id, sampled: r.sampled, resulted: r.resulted })));
      const rejects = await queryRows<{ source_line: number; reason: string }>(conn,
        `select source_line::int as source_line, reason from meta.rejects where source_line is not null order by source_line`);
      expect(rejects).toEqual(bad.map((r) => ({ source_line: r.line, reason: 'not a valid time: expected the format %d-%m-%Y %H:%M' })));
    });
  });
});

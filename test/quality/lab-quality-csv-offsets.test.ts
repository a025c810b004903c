// flagged-rows.csv shows times as the export's clock read them. In the hour the clocks go back the
// clock reads the same twice: an analyst saw 02:40 before 02:10 and took the rows for out of order,
// while the Parquet file held the instants. Each time now carries its UTC offset.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { workspace } from '../helpers/inbox.ts';

describe('flagged-rows.csv in the repeated autumn hour', () => {
  it('writes each local time with its UTC offset, so the first 02:40 and the second 02:10 read in order', async () => {
    const ws = await workspace();
    // Copenhagen, 27 October 2024: 02:00-02:59 comes twice, first at +02:00, then at +01:00. No value: both flagged.
    await ws.put('export/LIS_2024-10.csv', [
      'Id;Pt;Code;Val;Taken',
      'f1;P1;NPU02319;;2024-10-27T02:40:00+02:00',
      'f2;P2;NPU02319;;2024-10-27T02:10:00+01:00',
      '',
    ].join('\n'));
    const mapping = await ws.put('m.yaml', ['system: Regional LIS', 'time_zone: Europe/Copenhagen', 'as_of: 2024-12-01', 'deliveries:', '  - kind: laboratoriesvar',
      '    files: "LIS_*.csv"', '    format: csv', '    delimiter: ";"', '    timestamps: "%Y-%m-%dT%H:%M:%S%z"',
      '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val, sampled_at: Taken }', ''].join('\n'));
    const out = join(ws.root, 'out');
    await runLabQuality({ extracts: [join(ws.inbox, 'export')], mapping, out, logger: pino({ level: 'silent' }) });
    const [header, ...rows] = (await readFile(join(out, 'flagged-rows.csv'), 'utf8')).trim().split('\n');
    const sampled = header!.split(',').indexOf('sampled_at (Europe/Copenhagen)');
    expect(sampled).toBeGreaterThan(-1);
    const timeOf = (id: string) => rows.find((r) => r.includes(`:${id},`))!.split(',')[sampled];
    expect(timeOf('f1')).toBe('2024-10-27 02:40:00+02:00');
    expect(timeOf('f2')).toBe('2024-10-27 02:10:00+01:00');
  });
});

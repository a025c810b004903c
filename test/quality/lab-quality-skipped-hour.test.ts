// A wall-clock time the clocks skip (02:30 on the morning summer time begins) is no instant: ICU
// would read it as 03:30 summer time, a guess an hour off that a finding then quotes as if it were
// delivered. The row is rejected instead, saying why and quoting the time as written; the hour
// the clocks repeat in autumn happens twice and is read as ICU reads it (its second pass), not rejected.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runLabQuality } from '../../jobs/lab-quality.ts';
import { queryRows, withDatabase } from '../../transforms/db/connection.ts';
import { OFFSETS_FROM_BYTES } from '../../transforms/ingest/local-time.ts';
import { workspace } from '../helpers/inbox.ts';

const silent = pino({ level: 'silent' });

describe('a local time in the hour the clocks skip', () => {
  for (const rows of [4, 40_000]) {
    it(`is rejected with the reason and the time as written (${rows === 4 ? 'a small file, read by ICU' : 'a file large enough to be read by the zone\'s offsets'})`, async () => {
      const ws = await workspace();
      const times = ['2025-03-30 01:59', '2025-03-30 02:30', '2025-03-30 03:00', '2025-10-26 02:30'];
      const lines = Array.from({ length: rows }, (_, i) => `r${i},P${i % 50},NPU02319,8.${i % 10},${times[i % 4]},${'a note that makes the file large enough '.repeat(3)}`);
      const file = await ws.put('export/results.csv', ['Id,Pt,Code,Val,Taken,Note', ...lines, ''].join('\n'));
      expect((await stat(file)).size >= OFFSETS_FROM_BYTES).toBe(rows > 4);
      const mapping = await ws.put('m.yaml', ['system: Lab export', 'time_zone: Europe/Copenhagen', 'deliveries:', '  - kind: laboratoriesvar', '    files: "results*.csv"',
        '    format: csv', '    timestamps: "%Y-%m-%d %H:%M"', '    columns: { record_id: Id, clinic: none, patient: Pt, analysis_code: Code, value: Val, sampled_at: Taken }', ''].join('\n'));
      const out = join(ws.root, 'out');
      const result = await runLabQuality({ keepDatabase: true, extracts: [join(ws.inbox, 'export')], mapping, out, now: new Date('2026-01-01T00:00:00Z'), logger: silent });
      expect(result.outputs.summary).toMatchObject({ rowsRead: rows, rejected: rows / 4 });
      await withDatabase(join(out, 'lab-quality.duckdb'), async (_db, conn) => {
        const rejects = await queryRows<{ reason: string; raw_value: string; n: bigint }>(conn,
          `select reason, raw_value, count(*) as n from meta.rejects group by all`);
        expect(rejects.map((r) => ({ ...r, n: Number(r.n) }))).toEqual([{
          reason: 'not a valid time: the clocks skip this hour when summer time begins in the time zone it is read in', raw_value: '2025-03-30 02:30', n: rows / 4,
        }]);
        // the times around it are read: 01:59 winter time, 03:00 summer time, October's 02:30 as winter time
        const read = await queryRows<{ utc: string }>(conn, `select distinct strftime(sampled_at at time zone 'UTC', '%Y-%m-%d %H:%M') as utc from lab.results order by 1`);
        expect(read.map((r) => r.utc)).toEqual(['2025-03-30 00:59', '2025-03-30 01:00', '2025-10-26 01:30']);
      });
    });
  }
});

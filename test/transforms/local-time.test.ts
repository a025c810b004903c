import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, type Database } from '../../transforms/db/connection.ts';
import { FIRST_YEAR, LAST_YEAR, localToUtcSql, zoneOffsets } from '../../transforms/ingest/local-time.ts';
import { KINDS, loadConfig } from '../../config/load.ts';
import { createStagingTables, deliveryTarget, stageFile } from '../../transforms/ingest/stage.ts';
import { workspace } from '../helpers/inbox.ts';
import type { DuckDBConnection } from '@duckdb/node-api';

// localToUtcSql must give what DuckDB's timezone(zone, t) gives for every local time t that exists
// (null for one the clocks skip, which ICU reads as if they had not moved yet, in FIRST_YEAR..LAST_YEAR): these
// compare the two on times all over the years and around every switch, in zones with summer
// time north and south, half-hour offsets and shifts, offsets changed by law, summer time
// abolished, a skipped day, switches several times a year (Casablanca's Ramadan), and none.
const ZONES = [
  'Europe/Copenhagen', 'America/New_York', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/St_Johns',
  'Europe/Moscow', 'America/Sao_Paulo', 'Asia/Tehran', 'Pacific/Apia', 'Africa/Casablanca', 'UTC',
];

let db: Database;
let conn: DuckDBConnection;
beforeAll(async () => {
  db = await openDatabase(':memory:');
  conn = await db.connect();
});
afterAll(() => db?.close());

/** Local times (as 'YYYY-MM-DD HH:MM:SS.ffffff' text) whose conversion differs from ICU's. */
async function mismatches(zone: string, locals: readonly string[]): Promise<string[]> {
  const offsets = await zoneOffsets(conn, zone);
  const values = locals.map((l) => `('${l}'::timestamp)`).join(', ');
  const rows = await queryRows<{ l: string; mine: string | null; icu: string | null }>(conn, `
    select l::varchar as l, mine::varchar as mine, icu::varchar as icu from (
      select l, ${localToUtcSql('l', offsets)} as mine,
        -- no instant for a time the clocks skip, in the years the offsets cover (beyond them ICU's reading)
        case when year(l) not between ${FIRST_YEAR} and ${LAST_YEAR} or timezone('${zone}', timezone('${zone}', l)) = l then timezone('${zone}', l) end as icu
      from (values ${values}) as t(l)
    ) where mine is distinct from icu`);
  return rows.map((r) => `${r.l}: ${r.mine} vs ICU ${r.icu}`);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const text = (ms: number, micros: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}.${pad(micros, 6)}`;

describe('local times to UTC by the zone\'s switches', () => {
  it('reads Denmark\'s summer time of 2025 from ICU: 30 March 03:00 (the skipped hour reads as winter time) to 26 October 02:00', async () => {
    const offsets = await zoneOffsets(conn, 'Europe/Copenhagen');
    expect(offsets.years[2025 - FIRST_YEAR]).toEqual({ exact: true, s1: '2025-03-30 03:00:00', s2: '2025-10-26 02:00:00', o: [3600, 7200, 3600] });
  });

  for (const zone of ZONES) {
    it(`${zone}: ICU's instant for any local time, next to every switch too`, async () => {
      const offsets = await zoneOffsets(conn, zone);
      const edges = offsets.years.flatMap((y) => [y.s1, y.s2]).filter((s): s is string => s !== null).flatMap((s) => {
        const at = Date.parse(`${s}Z`);
        return [-3_600_000, -61_000, -1000, -1, 0, 1, 59_000, 1_800_000, 3_600_000].map((d) => text(at + d, d === -1 ? 999_999 : 0));
      });
      expect(await mismatches(zone, [...edges, `${FIRST_YEAR}-01-01 00:00:00`, `${LAST_YEAR}-12-31 23:59:59.999999`, '1989-12-31 23:59:59', '2060-01-01 00:00:00'])).toEqual([]);
      await fc.assert(fc.asyncProperty(
        fc.array(fc.record({ ms: fc.integer({ min: Date.UTC(1960, 0, 1), max: Date.UTC(2090, 0, 1) }), micros: fc.integer({ min: 0, max: 999_999 }) }), { minLength: 1, maxLength: 200 }),
        async (times) => {
          expect(await mismatches(zone, times.map((t) => text(t.ms, t.micros)))).toEqual([]);
        },
      ), { numRuns: 10 });
    });
  }

  it('leaves a year to ICU where its switches do not fit two a year (Casablanca suspends summer time for Ramadan)', async () => {
    const offsets = await zoneOffsets(conn, 'Africa/Casablanca');
    expect(offsets.years.some((y) => !y.exact)).toBe(true);
    expect((await zoneOffsets(conn, 'Europe/Copenhagen')).years.every((y) => y.exact)).toBe(true);
  });
});

describe('staging reads local times as ICU does', () => {
  // A lab export's sampling times, in the layout's zone or a mapping's own: around the night a
  // clock skips and the night it repeats, a leap day, far outside the years the offsets cover,
  // with spaces, and times that are no times. The instant staged must be ICU's for the text (none
  // for a time the clocks skip),
  // from a small file (ICU itself) and from one large enough to be read by the zone's offsets.
  const times = [
    '2025-03-30T01:59:59', '2025-03-30T02:00:00', '2025-03-30T02:30:00', '2025-03-30T02:59:59', '2025-03-30T03:00:00',
    '2025-10-26T01:59:59', '2025-10-26T02:00:00', '2025-10-26T02:30:00', '2025-10-26T02:59:59', '2025-10-26T03:00:00',
    '2024-02-29T12:00:00', '2025-11-02T01:30:00', '2025-03-09T02:30:00', '2125-07-01T08:00:00', '1899-12-31T23:59:59',
    ' 2025-06-01T10:00:00 ', '2025-13-01T10:00:00', 'not a time', '',
  ];
  for (const zone of ['Europe/Copenhagen', 'America/New_York']) {
    for (const copies of [1, 2500]) {
      it(`in ${zone}, ${copies === 1 ? 'a small file' : 'a file of 5 MB'}`, async () => {
        const ws = await workspace();
        const config = await loadConfig('config/pipeline.yaml', { inbox: ws.inbox });
        const delivery = config.deliveries.find((d) => d.system === 'EG Clinea' && d.kind === 'laboratoriesvar')!;
        const header = 'id,sor,provider_number,patient_ref,code,code_system,name,value,operator,unit,ref_low,ref_high,ref_text,flag,status,sampled,resulted';
        const rows = Array.from({ length: copies }, () => times).flat()
          .map((t, i) => `L${i + 2},61741000016007,,P1,NPU03230,NPU,P-Kalium,3.7,,mmol/L,3.5,4.6,,,svar_endeligt,${t},${t}`);
        const path = await ws.put('eg-clinea/x-labresults-2025.csv', [header, ...rows].join('\n') + '\n');
        const staging = await openDatabase(':memory:', { threads: 2, preserveInsertionOrder: true });
        try {
          const c = await staging.connect();
          await createStagingTables(c, ['register', ...KINDS]);
          await stageFile(c, deliveryTarget(delivery), { runId: 'r', batchId: 'b', fileHash: 'h', file: 'x', path, timeZone: zone, seq: 0 });
          // the text of each line again, from the list above; ICU's instant for it
          const [got] = await queryRows<{ rows: bigint; times: bigint; differ: bigint; kept: string[] }>(c, `
            with staged as (
              select *, [${times.map((t) => `'${t}'`).join(', ')}][(source_line - 2) % ${times.length} + 1] as t
              from staging.raw_laboratoriesvar
            )
            select count(*) as rows, count(sampled_at__parsed) as times,
              count(*) filter (where sampled_at__parsed is distinct from
                (select case when timezone('${zone}', timezone('${zone}', l)) = l then timezone('${zone}', l) end
                 from (select coalesce(try_strptime(t, '%Y-%m-%dT%H:%M:%S'), try_strptime(trim(t), '%Y-%m-%dT%H:%M:%S')) as l))
                or resulted_at__parsed is distinct from sampled_at__parsed) as differ,
              list(distinct sampled_at order by sampled_at) filter (where sampled_at is not null) as kept
            from staged`);
          // the wall-clock times the zone's clocks skip in spring are no instant: rejected (parse_rejects.sql)
          const skipped = zone === 'Europe/Copenhagen' ? ['2025-03-30T02:00:00', '2025-03-30T02:30:00', '2025-03-30T02:59:59'] : ['2025-03-09T02:30:00'];
          expect({ ...got, rows: Number(got!.rows), times: Number(got!.times), differ: Number(got!.differ) })
            // the text is kept only where no time was read from it
            .toEqual({ rows: 19 * copies, times: (16 - skipped.length) * copies, differ: 0, kept: [...skipped, '2025-13-01T10:00:00', 'not a time'].sort() });
        } finally {
          staging.close();
        }
      });
    }
  }
});

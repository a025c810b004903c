// Local wall-clock times (a delivery's timestamps without an offset) as UTC instants, exactly as
// DuckDB's timezone(zone, t) makes them, at the cost of arithmetic. timezone() asks ICU for every
// value, which costs more than parsing the text, and a lab result has two such times. A zone's
// offset only changes at its switches (summer time, a change of law): those are read once per
// zone from ICU itself (sql/time_zone_switches.sql), and a time is shifted by the offset in force
// at it. A time in a year whose switches do not fit two per year on whole minutes, or outside
// FIRST_YEAR..LAST_YEAR (a de-identified extract may shift its dates by a century), still goes
// to ICU: the result is ICU's in every case (test/transforms/local-time.test.ts) but a time the
// clocks skip, which is no instant (null; transform-run.ts's recordParseRejects says why). Outside
// those years ICU's reading of such a time is kept, from any file: finding it would cost another
// ICU call a value, and the times of a de-identified extract shifted by a century are not the wall
// clock of any place.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../db/connection.ts';

/** The years whose switches are read: the cost of reading them grows with the range. */
export const FIRST_YEAR = 1990;
export const LAST_YEAR = 2059;

/**
 * Files of fewer bytes are left to ICU: reading a zone's offsets costs about what ICU spends on
 * the times of a file this size (a lab row of ~120 bytes has two), so a night's small files would
 * pay for them and gain nothing.
 */
export const OFFSETS_FROM_BYTES = 4 << 20;

/** A year's offsets: o0 until the local time s1, o1 until s2, o2 after (seconds east of UTC). */
interface YearOffsets {
  readonly exact: boolean;
  readonly s1: string | null;
  readonly s2: string | null;
  readonly o: readonly [number, number, number];
}

export interface ZoneOffsets {
  readonly zone: string;
  /** FIRST_YEAR..LAST_YEAR in order. */
  readonly years: readonly YearOffsets[];
}

const known = new Map<string, Promise<ZoneOffsets>>();

/** The zone's offsets per year, read once per process (ICU's rules do not change while it runs). */
export function zoneOffsets(conn: DuckDBConnection, zone: string): Promise<ZoneOffsets> {
  let offsets = known.get(zone);
  if (!offsets) {
    offsets = readZoneOffsets(conn, zone);
    known.set(zone, offsets);
    offsets.catch(() => known.delete(zone));
  }
  return offsets;
}

async function readZoneOffsets(conn: DuckDBConnection, zone: string): Promise<ZoneOffsets> {
  await conn.run(`create or replace temp macro utc_offset_seconds(zone, l) as (epoch_us(l) - epoch_us(timezone(zone, l))) // 1000000`);
  const sql = await readFile(join(dirname(fileURLToPath(import.meta.url)), 'sql', 'time_zone_switches.sql'), 'utf8');
  const reader = await conn.runAndReadAll(sql, { zone, first_year: FIRST_YEAR, last_year: LAST_YEAR });
  const switches = reader.getRowObjectsJS() as { switch_at: string; off_before: bigint; off_after: bigint; exact: boolean }[];
  const [start] = (await conn.runAndReadAll(`select utc_offset_seconds(${sqlString(zone)}, make_timestamp(${FIRST_YEAR}, 1, 1, 0, 0, 0)) as off`)).getRowObjectsJS() as { off: bigint }[];
  const years: YearOffsets[] = [];
  let current = Number(start!.off);
  for (let year = FIRST_YEAR; year <= LAST_YEAR; year++) {
    const mine = switches.filter((s) => Number(s.switch_at.slice(0, 4)) === year);
    const after = mine.slice(0, 2).map((s) => Number(s.off_after));
    const o: [number, number, number] = [current, after[0] ?? current, after[1] ?? after[0] ?? current];
    // every switch must start from the offset before it: else ICU does something this model cannot say
    const chained = mine.every((s, i) => Number(s.off_before) === (i === 0 ? current : Number(mine[i - 1]!.off_after)));
    years.push({ exact: mine.length <= 2 && chained && mine.every((s) => s.exact), s1: mine[0]?.switch_at ?? null, s2: mine[1]?.switch_at ?? null, o });
    if (mine.length > 0) current = Number(mine[mine.length - 1]!.off_after);
  }
  return { zone, years };
}

/**
 * SQL for the UTC instant (TIMESTAMPTZ) of `local`, a TIMESTAMP read as wall-clock time in the
 * zone: equal to timezone(zone, local), null for null. `local` should be a column: it is named
 * several times. The offsets go in as lists of integers, one element a year: DuckDB binds a list
 * of integers in a fraction of the time a list of timestamp literals takes, and a statement that
 * stages a file binds each list once per column.
 */
export function localToUtcSql(local: string, offsets: ZoneOffsets): string {
  const list = (values: readonly (number | null)[]) => `[${values.map((v) => (v === null ? 'null' : String(v))).join(', ')}]`;
  // a switch as the microseconds of its wall-clock time read as if it were UTC, as epoch_us(local) reads a local time
  const micros = (s: string | null) => (s === null ? Number.MAX_SAFE_INTEGER : Date.parse(`${s.replace(' ', 'T')}Z`) * 1000);
  const year = `(year(${local}) - ${FIRST_YEAR - 1})`;
  const pick = (values: readonly (number | null)[]) => `${list(values)}[${year}]`;
  // a year ICU alone can say has no offsets (null): coalesce falls through to ICU
  const shift = (k: 0 | 1 | 2) => pick(offsets.years.map((y) => (y.exact ? y.o[k] * 1_000_000 : null)));
  // the wall-clock times a switch forward skips: from the switch less the step up to the switch
  const skipped = (s: string | null, before: number, after: number) => (after > before ? micros(s) - (after - before) * 1_000_000 : micros(s));
  // (a year left to ICU has none here: existingLocal below finds its skipped times)
  const gapFrom = (k: 1 | 2) => pick(offsets.years.map((y) => (y.exact ? skipped(k === 1 ? y.s1 : y.s2, y.o[k - 1]!, y.o[k]!) : micros(null))));
  const inGap = (k: 1 | 2) => `(epoch_us(${local}) >= ${gapFrom(k)} and epoch_us(${local}) < ${pick(offsets.years.map((y) => micros(k === 1 ? y.s1 : y.s2)))})`;
  return `case when ${inGap(1)} or ${inGap(2)} then null else coalesce(
    case when year(${local}) between ${FIRST_YEAR} and ${LAST_YEAR} then make_timestamptz(epoch_us(${local}) - case
      when epoch_us(${local}) < ${pick(offsets.years.map((y) => micros(y.s1)))} then ${shift(0)}
      when epoch_us(${local}) < ${pick(offsets.years.map((y) => micros(y.s2)))} then ${shift(1)}
      else ${shift(2)} end) end,
    ${existingLocal(offsets.zone, local)}) end`;
}

/**
 * SQL for timezone(zone, local), the instant of a wall-clock time, or null where the zone has no
 * such time: one in the hour (or other step) its clocks skip when they go forward, in
 * FIRST_YEAR..LAST_YEAR (see the header on the years beyond). ICU reads such a time as if the
 * clocks had not moved yet (02:30 on the last Sunday of March in Denmark as 03:30 summer time), a
 * guess; its instant read back as wall-clock time is then another time.
 */
export function existingLocal(zone: string, local: string): string {
  return existingInstant(zone, local, `timezone(${sqlString(zone)}, ${local})`);
}

/** existingLocal with ICU's instant for `local` given (`icu`, timezone(zone, local), computed once). */
export function existingInstant(zone: string, local: string, icu: string): string {
  return `case when year(${local}) not between ${FIRST_YEAR} and ${LAST_YEAR} or timezone(${sqlString(zone)}, ${icu}) = ${local} then ${icu} end`;
}

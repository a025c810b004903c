// The obvious checks of a lab extract in plain DuckDB (see README.md): what an analyst writes in a
// notebook. Usage: lab_duckdb.ts spec.json (../spec.ts: labSpec for an inbox, hospitalLabSpec).
import { readFile } from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import type { LabSpecFile } from '../spec.ts';

const spec = JSON.parse(await readFile(process.argv[2]!, 'utf8')) as { files: LabSpecFile[] };
const q = (s: string) => `'${s.replaceAll("'", "''")}'`;
const NUMBER = q('[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)');

// One scan per layout, its columns renamed to the same names.
const groups = new Map<string, LabSpecFile[]>();
for (const f of spec.files) {
  const key = JSON.stringify({ ...f, path: null });
  groups.set(key, [...(groups.get(key) ?? []), f]);
}
const scans = [...groups.values()].map((files) => {
  const f = files[0]!;
  const list = `[${files.map((x) => q(x.path)).join(', ')}]`;
  const cols = Object.entries(f.columns);
  const source = f.format === 'parquet' ? `read_parquet(${list})`
    : f.format === 'ndjson' ? `read_json(${list}, format = 'newline_delimited', columns = {${cols.map(([, c]) => `${q(c)}: 'VARCHAR'`).join(', ')}})`
    : `read_csv(${list}, header = true, all_varchar = true, delim = ${q(f.delimiter)}, quote = '"', escape = '"', encoding = ${q(f.encoding)})`;
  const raw = (c: string) => (f.columns[c] ? `"${f.columns[c]}"` : 'null');
  const text = (c: string) => `nullif(trim(cast(${raw(c)} as varchar)), '')`;
  const number = (x: string) => {
    const n = f.decimal === ',' ? `replace(replace(${x}, '.', ''), ',', '.')` : x;
    return `case when regexp_full_match(${n}, ${NUMBER}) then cast(${n} as double) end`;
  };
  const time = (c: string) => (f.format === 'parquet' ? `try_cast(${raw(c)} as timestamp)` : `try_strptime(${text(c)}, ${q(f.timestamps)})`);
  return `select *, ${number('value')} as num from (select ${text('patient')} as patient, ${text('analysis_code')} as code,
      coalesce(nullif(${text('value')}, '___'), ${text('value_num')}) as value, coalesce(${text('unit')}, '') as unit,
      ${number(text('ref_low'))} as low, ${number(text('ref_high'))} as high, ${text('abnormal_flag')} is not null as flagged,
      ${text('sampled_at')} as sampled, coalesce(${time('resulted_at')} < ${time('sampled_at')}, false) as time_bad from ${source})`;
});

const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
const reader = await conn.runAndReadAll(`
  with r as materialized (${scans.join(' union all ')}),
  x as (select *, value is null or value = '___' as missing, low is not null and high is not null and num is not null as ref from r),
  med as (select code, unit, median(num) as med from x where num is not null group by all),
  mad as (select code, unit, any_value(med) as med, median(abs(num - med)) as mad from x join med using (code, unit) where num is not null group by all)
  select to_json({
    rows: count(*),
    value_missing: count(*) filter (where missing),
    value_not_number: count(*) filter (where not missing and num is null),
    codes: count(distinct code),
    codes_with_several_units: (select count(*) from (select code from x where unit <> '' group by code having count(distinct unit) > 1)),
    outliers: (select count(*) from x join mad using (code, unit) where mad > 0 and abs(num - med) / (1.4826 * mad) > 5),
    with_reference: count(*) filter (where ref),
    below_reference: count(*) filter (where ref and num < low),
    above_reference: count(*) filter (where ref and num > high),
    outside_flagged: count(*) filter (where ref and (num < low or num > high) and flagged),
    inside_flagged: count(*) filter (where ref and num between low and high and flagged),
    result_before_sampling: count(*) filter (where time_bad),
    duplicates: count(*) - (select count(*) from (select distinct patient, code, sampled, value from x)),
    usable: (select count(*) from (select distinct patient, code, sampled, value from x where not missing and not time_bad))
  })::varchar as figures from x`);
process.stdout.write(`${reader.getRowObjectsJS()[0]!.figures}\n`);

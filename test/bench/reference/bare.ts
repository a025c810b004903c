// The floor: one typed DuckDB scan of the workload's files (dates and values parsed), no work done.
import { readFile } from 'node:fs/promises';
import { loadConfig } from '../../../config/load.ts';
import { openDatabase, queryRows, sqlIdent, sqlString } from '../../../transforms/db/connection.ts';
import type { ReferenceSpec, SpecFile } from '../spec.ts';

const [specPath] = process.argv.slice(2);
const spec = JSON.parse(await readFile(specPath!, 'utf8')) as ReferenceSpec;
const config = await loadConfig('config/pipeline.yaml');
const db = await openDatabase(':memory:', { memoryLimit: config.memoryLimit, threads: config.threads });
const conn = await db.connect();
await conn.run('set preserve_insertion_order = false');

// Files of one layout are read by one scan.
const groups = new Map<string, SpecFile[]>();
for (const f of spec.files) {
  const key = JSON.stringify([f.kind, f.system, f.format, f.encoding, f.delimiter, f.decimal, f.dates, f.columns]);
  groups.set(key, [...(groups.get(key) ?? []), f]);
}
const scans: Record<string, string[]> = { diagnoser: [], laboratoriesvar: [] };
for (const files of groups.values()) {
  const f = files[0]!;
  const list = `[${files.map((x) => sqlString(x.path)).join(', ')}]`;
  const col = (c: string) => (f.format === 'ndjson' ? sqlIdent(c) : sqlIdent(f.columns[c]!));
  let source: string;
  if (f.format === 'parquet') source = `read_parquet(${list})`;
  else if (f.format === 'ndjson') {
    const cols = Object.values(f.columns).map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ');
    source = `(select ${Object.entries(f.columns).map(([k, c]) => `${sqlIdent(c)} as ${sqlIdent(k)}`).join(', ')}
      from read_json(${list}, format = 'newline_delimited', columns = {${cols}}))`;
  } else {
    source = `read_csv(${list}, header = true, all_varchar = true, delim = ${sqlString(f.delimiter)}, quote = '"', escape = '"',
      encoding = ${sqlString(f.encoding)}, compression = 'auto')`;
  }
  const text = (c: string) => `cast(${col(c)} as varchar)`;
  if (f.kind === 'diagnoser') {
    scans.diagnoser!.push(`select ${text('kind')} as kind,
      cast(try_strptime(${text('contact_date')}, ${sqlString(f.dates)}) as date) as contact_date from ${source}`);
  } else {
    const v = `trim(${text('value')})`;
    const num = f.decimal === ',' ? `replace(replace(${v}, '.', ''), ',', '.')` : v;
    scans.laboratoriesvar!.push(`select ${text('patient')} as patient, ${text('analysis_code')} as analysis_code,
      try_cast(${num} as double) as value_num, ${text('sampled_at')} as sampled_at from ${source}`);
  }
}
const [row] = await queryRows<Record<string, bigint>>(conn, `select
  (select count(kind) + count(contact_date) from (${scans.diagnoser!.join(' union all ')})) as diagnoses,
  (select count(patient) + count(analysis_code) + count(value_num) + count(sampled_at) from (${scans.laboratoriesvar!.join(' union all ')})) as labs`);
process.stdout.write(`${JSON.stringify({ scanned: Number(row!.diagnoses) + Number(row!.labs) })}\n`);
db.close();

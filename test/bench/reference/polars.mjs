// The reference workload in nodejs-polars (see README.md).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import pl from 'nodejs-polars';

/** @type {import('../spec.ts').ReferenceSpec} */
const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));

function bytes(f) {
  let b = readFileSync(f.path);
  if (f.path.endsWith('.gz')) b = gunzipSync(b);
  // polars reads UTF-8 only.
  if (f.encoding === 'latin-1') b = Buffer.from(new TextDecoder('windows-1252').decode(b), 'utf8');
  return b;
}

/** One file as a frame of text columns named canonically, plus the system and the file's layout. */
function read(f) {
  let df;
  if (f.format === 'parquet') df = pl.readParquet(f.path);
  else if (f.format === 'ndjson') df = pl.readJSON(bytes(f), { format: 'lines', inferSchemaLength: null });
  else {
    df = pl.readCSV(bytes(f), { sep: f.delimiter, quoteChar: '"', hasHeader: true, inferSchemaLength: 0 });
  }
  const have = new Set(df.columns);
  const cols = Object.entries(f.columns).map(([canon, col]) =>
    (have.has(col) ? pl.col(col).cast(pl.Utf8) : pl.lit(null).cast(pl.Utf8)).alias(canon));
  return df.select(...cols, pl.lit(f.system).alias('system'));
}


// Diagnoses: typed contact date (per source format), A-marked by the source's spellings.
const dx = spec.files.filter((f) => f.kind === 'diagnoser').map((f) => {
  const d = read(f);
  return d.select(
    pl.col('system'),
    pl.col('contact_date').str.strptime(pl.Date, f.dates).alias('contact_date'),
    pl.col('kind').str.strip().str.toUpperCase().isIn(f.a_spellings.length ? f.a_spellings : ['\u0000']).fillNull(false).alias('is_a'),
  );
});
const diagnoses = pl.concat(dx, { how: 'vertical' });
const labs = pl.concat(spec.files.filter((f) => f.kind === 'laboratoriesvar').map((f) => {
  const d = read(f);
  const v = pl.col('value').str.strip();
  const num = f.decimal === ',' ? v.str.replaceAll('.', '', true).str.replaceAll(',', '.', true) : v;
  return d.select(
    pl.col('system'), pl.col('patient'), pl.col('analysis_code'), pl.col('value').alias('value_raw'),
    num.cast(pl.Float64, false).alias('value_num'), pl.col('sampled_at'),
  );
}), { how: 'vertical' });

const aShare = diagnoses.filter(pl.col('contact_date').isNotNull())
  .withColumns(pl.col('contact_date').date.strftime('%Y-%m').alias('month'))
  .groupBy(['system', 'month'])
  .agg(pl.count('is_a').alias('n'), pl.col('is_a').sum().alias('a'));
const limits = pl.DataFrame({
  analysis_code: spec.limits.map((l) => l.code),
  low: spec.limits.map((l) => l.low), high: spec.limits.map((l) => l.high),
}, { schema: { analysis_code: pl.Utf8, low: pl.Float64, high: pl.Float64 } });
const plaus = labs.join(limits, { on: 'analysis_code' }).groupBy('analysis_code').agg(
  pl.col('analysis_code').count().alias('n'),
  pl.col('value_num').count().alias('numeric'),
  pl.col('value_num').lt(pl.col('low')).sum().alias('below'),
  pl.col('value_num').gt(pl.col('high')).sum().alias('above'),
);
const dups = labs.groupBy(['system', 'patient', 'analysis_code', 'sampled_at', 'value_raw']).agg(pl.count('system').alias('n'))
  .filter(pl.col('n').gt(1));
const sum = (df, c) => Number(df.getColumn(c).sum() ?? 0);
process.stdout.write(`${JSON.stringify({
  diagnoses: diagnoses.height,
  labs: labs.height,
  a_share_cells: aShare.height,
  a_share_n: sum(aShare, 'n'),
  a_share_a: sum(aShare, 'a'),
  plausibility_analyses: plaus.height,
  plausibility_n: sum(plaus, 'n'),
  plausibility_numeric: sum(plaus, 'numeric'),
  plausibility_below: sum(plaus, 'below'),
  plausibility_above: sum(plaus, 'above'),
  duplicate_groups: dups.height,
  duplicate_rows: dups.height ? sum(dups, 'n') - dups.height : 0,
})}\n`);

// `fangst score`: precision and recall of the checks against the generator's ground truth.
// The truth has one row per (defect, record); config/score.yaml says which findings catch
// which defect kind. Everything is joined in DuckDB with equi-joins only (file + line, data
// kind + record key, clinic), so a national-scale truth scores in seconds.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { parseYaml } from '../config/parse-yaml.ts';
import { ConfigError } from '../config/errors.ts';
import { onlyKeys } from '../config/keys.ts';
import { queryRows, sqlString } from '../transforms/db/connection.ts';

export const defaultScoreConfigPath = join(dirname(fileURLToPath(import.meta.url)), '..', 'config', 'score.yaml');

export interface KindCatchers {
  readonly checks?: readonly string[];
  readonly rejects?: readonly string[];
  readonly alerts?: readonly string[];
}

export interface ScoreConfig {
  readonly kinds: Readonly<Record<string, KindCatchers>>;
}

export interface KindScore {
  readonly kind: string;
  readonly truth: number;
  readonly caught: number;
  /** null when the kind has no truth rows or no finding is configured for it. */
  readonly recall: number | null;
  readonly flagged: number;
  readonly correct: number;
  /** null when nothing was flagged by the kind's findings. */
  readonly precision: number | null;
  readonly findings: readonly string[];
  readonly scored: boolean;
}

export interface ScoreResult {
  readonly kinds: readonly KindScore[];
  readonly minPrecision: number | null;
  readonly minRecall: number | null;
  /** Defect kinds in the truth that score.yaml does not mention. */
  readonly unknownKinds: readonly string[];
}

/** Reads config/score.yaml; errors name the file, the key, what was found and what was expected. */
export async function loadScoreConfig(path = defaultScoreConfigPath): Promise<ScoreConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, '(file)', (err as NodeJS.ErrnoException).code, 'a readable YAML file');
  }
  let doc: { kinds?: unknown } | null;
  try {
    doc = parseYaml(text) as { kinds?: unknown } | null;
  } catch (err) {
    throw new ConfigError(path, '(syntax)', (err as Error).message.split('\n')[0], 'valid YAML');
  }
  if (!doc || typeof doc.kinds !== 'object' || doc.kinds === null) throw new ConfigError(path, 'kinds', doc?.kinds, 'a map of defect kinds');
  onlyKeys(path, doc, ['kinds']);
  for (const [kind, c] of Object.entries(doc.kinds as Record<string, unknown>)) {
    if (typeof c === 'object' && c !== null) onlyKeys(path, c as Record<string, unknown>, ['checks', 'rejects', 'alerts'], `kinds.${kind}.`);
    for (const key of ['checks', 'rejects', 'alerts'] as const) {
      const v = (c as Record<string, unknown> | null)?.[key];
      if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) throw new ConfigError(path, `kinds.${kind}.${key}`, v, 'a list of names');
    }
  }
  return doc as ScoreConfig;
}

/** The finding ids of a kind, as they appear in the unified findings table. */
const catchersOf = (c: KindCatchers) => [...(c.checks ?? []), ...(c.rejects ?? []).map((r) => `reject:${r}`), ...(c.alerts ?? []).map((a) => `alert:${a}`)];

async function tableExists(conn: DuckDBConnection, schema: string, table: string): Promise<boolean> {
  const rows = await queryRows(conn, `select 1 from information_schema.tables where table_schema = ${sqlString(schema)} and table_name = ${sqlString(table)}`);
  return rows.length > 0;
}

/** Scores the findings in the database on `conn` against the truth file. */
export async function scoreFindings(conn: DuckDBConnection, truthPath: string, cfg: ScoreConfig): Promise<ScoreResult> {
  await conn.run(`create or replace temp table score_truth as
    select row_number() over () as tid, kind, data_kind, source_file, source_line, record_key, sor_code
    from read_parquet(${sqlString(truthPath)})`);

  // every finding, whatever wrote it: one row per (record, finding id)
  const parts: string[] = [];
  if (await tableExists(conn, 'quality', 'row_findings'))
    parts.push(`select kind as data_kind, source_file, source_line, record_key, null::varchar as sor_code, check_id as finding from quality.row_findings`);
  if (await tableExists(conn, 'core', 'quarantine'))
    parts.push(`select kind, source_file, source_line, record_key, null, unnest(check_ids) from core.quarantine`);
  if (await tableExists(conn, 'meta', 'rejects'))
    parts.push(`select null, source_file, source_line, null, null, 'reject:' || coalesce(column_name, '*') from meta.rejects`);
  if (await tableExists(conn, 'quality', 'alerts'))
    parts.push(`select kind, null, null, null, scope_value, 'alert:' || alert_type from quality.alerts where scope_level = 'clinic'`);
  await conn.run(`create or replace temp table score_findings as
    select distinct *, coalesce(source_file || ':' || source_line::varchar, 'clinic:' || sor_code) as fid
    from (${parts.length ? parts.join(' union all ') : 'select null::varchar, null::varchar, null::bigint, null::varchar, null::varchar, null::varchar where false'})
      as f(data_kind, source_file, source_line, record_key, sor_code, finding)`);

  const catchRows = Object.entries(cfg.kinds).flatMap(([kind, c]) => catchersOf(c).map((f) => `(${sqlString(kind)}, ${sqlString(f)})`));
  await conn.run(`create or replace temp table score_catch as
    select * from (values ${catchRows.length ? catchRows.join(', ') : "('', '')"}) as c(kind, finding) where kind <> ''`);

  // which findings match which truth rows: three equi-joins instead of one join on an OR
  await conn.run(`create or replace temp table score_matches as
    select f.fid, f.finding, t.tid, t.kind as truth_kind
    from score_findings as f join score_truth as t on f.source_file = t.source_file and f.source_line = t.source_line
    union
    select f.fid, f.finding, t.tid, t.kind
    from score_findings as f join score_truth as t on f.data_kind = t.data_kind and f.record_key = t.record_key
    union
    select f.fid, f.finding, t.tid, t.kind
    from score_findings as f join score_truth as t on t.source_file is null and f.sor_code = t.sor_code`);

  const rows = await queryRows<{ kind: string; truth: bigint; caught: bigint; flagged: bigint; correct: bigint }>(
    conn,
    `with kinds as (
         select distinct kind from score_catch
         union select distinct kind from score_truth
     ),
     -- kinds caught by a finding in common (the Hb and the HbA1c mix-up by lab.unit_mixup_clinic)
     related as (
         select distinct a.kind, b.kind as other
         from score_catch as a join score_catch as b on a.finding = b.finding
         where a.kind <> b.kind
     ),
     -- a finding that hits a defect of a related kind and none of the kind's own is that kind's:
     -- neither right nor wrong for this one (right for both, a kind of 2 defects would read as
     -- many right as the other kind has)
     others as (
         select distinct c.kind, m.fid
         from score_matches as m
         join score_catch as c on c.finding = m.finding
         join related as r on r.kind = c.kind and r.other = m.truth_kind
         where m.fid not in (select m2.fid from score_matches as m2 where m2.truth_kind = c.kind)
     ),
     truth_counts as (select kind, count(*) as truth from score_truth group by kind),
     caught as (
         select t.kind, count(distinct m.tid) as caught
         from score_matches as m
         join score_truth as t on t.tid = m.tid
         join score_catch as c on c.kind = t.kind and c.finding = m.finding
         group by t.kind
     ),
     flagged as (
         select c.kind, count(distinct f.fid) as flagged
         from score_findings as f join score_catch as c on c.finding = f.finding
         anti join others as o on o.kind = c.kind and o.fid = f.fid
         group by c.kind
     ),
     correct as (
         select c.kind, count(distinct m.fid) as correct
         from score_matches as m
         join score_catch as c on c.finding = m.finding
         where m.truth_kind = c.kind
         group by c.kind
     )
     select k.kind,
         coalesce(tc.truth, 0) as truth, coalesce(ca.caught, 0) as caught,
         coalesce(fl.flagged, 0) as flagged, coalesce(co.correct, 0) as correct
     from kinds as k
     left join truth_counts as tc using (kind)
     left join caught as ca using (kind)
     left join flagged as fl using (kind)
     left join correct as co using (kind)
     order by k.kind`,
  );

  const kinds: KindScore[] = rows.map((r) => {
    const findings = catchersOf(cfg.kinds[r.kind] ?? {});
    const truth = Number(r.truth);
    const flagged = Number(r.flagged);
    const scored = findings.length > 0 && truth > 0;
    return {
      kind: r.kind,
      truth,
      caught: Number(r.caught),
      recall: scored ? Number(r.caught) / truth : null,
      flagged,
      correct: Number(r.correct),
      precision: scored && flagged > 0 ? Number(r.correct) / flagged : null,
      findings,
      scored,
    };
  });
  const scoredKinds = kinds.filter((k) => k.scored);
  const min = (xs: Array<number | null>) => {
    const v = xs.filter((x): x is number => x !== null);
    return v.length ? Math.min(...v) : null;
  };
  return {
    kinds,
    // a scored kind that flags nothing has no precision to speak of; its recall is 0
    minPrecision: min(scoredKinds.map((k) => k.precision)),
    minRecall: min(scoredKinds.map((k) => k.recall)),
    unknownKinds: kinds.filter((k) => k.truth > 0 && !(k.kind in cfg.kinds)).map((k) => k.kind),
  };
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(100 * x).toFixed(1)}%`);

/** The table printed by `fangst score`, ending with the one-line summary. */
export function renderScore(r: ScoreResult): string {
  const head = ['defect kind', 'truth', 'caught', 'recall', 'flagged', 'correct', 'precision', 'counted findings'];
  const body = r.kinds
    .filter((k) => k.scored)
    .map((k) => [k.kind, String(k.truth), String(k.caught), pct(k.recall), String(k.flagged), String(k.correct), pct(k.precision), k.findings.join(', ')]);
  const all = [head, ...body];
  const width = head.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => (i === 0 || i === row.length - 1 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ').trimEnd();
  const out = [line(head), ...body.map(line)];
  const unscored = r.kinds.filter((k) => !k.scored && k.truth > 0);
  if (unscored.length) out.push('', `not scored (no finding configured in config/score.yaml): ${unscored.map((k) => `${k.kind} (${k.truth})`).join(', ')}`);
  if (r.unknownKinds.length) out.push(`defect kinds missing from config/score.yaml: ${r.unknownKinds.join(', ')}`);
  const fmt = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
  out.push('', `score: min precision ${fmt(r.minPrecision)}, min recall ${fmt(r.minRecall)}`);
  return `${out.join('\n')}\n`;
}

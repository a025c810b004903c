// Runs the declared checks over one run's candidate rows (work.<kind>), writes the
// row-level findings, appends the results to the history and computes anomaly
// alerts. Decisions stay with the caller: it quarantines rows with error findings
// and holds back the kinds listed in heldBackKinds.
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';
import { ConfigError, shownPath } from '../config/errors.ts';
import { queryRows, sqlString } from '../transforms/db/connection.ts';
import type { AggregateCheckType, CheckType, Measurement, RowCheckType, SqlEnv } from './check-type.ts';
import { dataKinds, exceeds, parseCheckFile, type CheckDefinition, type CheckResult, type DataKind, type Outcome } from './definitions.ts';
import { checkType, checkTypes } from './registry.ts';
import { appendHistory } from './history.ts';
import { detectAnomalies, type Alert, type AnomalySettings } from './anomalies.ts';
import { loadSksCodes } from '../transforms/reference/sks-codes.ts';
import { loadMacros } from '../transforms/macros.ts';

export type { CheckDefinition } from './definitions.ts';
export type { Alert } from './anomalies.ts';

export type { CheckResult, Outcome } from './definitions.ts';

export interface QualityRun {
  readonly results: CheckResult[];
  readonly heldBackKinds: string[];
  readonly alerts: Alert[];
}

export interface RunChecksOptions {
  readonly runId: string;
  readonly batchId: string;
  readonly checks: readonly CheckDefinition[];
  /** The run's clock: for 'future' checks, freshness and the history. */
  readonly now: Date;
  /** SKS code list (reference.sks_file); when given it is (re)loaded into quality.sks_codes. */
  readonly sksFile?: string | null;
  readonly anomalies?: Partial<AnomalySettings>;
  /** Gets each check's time at debug level: which check a slow night spent its time in. */
  readonly logger?: Pick<Logger, 'debug'>;
  /** The check types, by name; quality/registry.ts's unless a test brings its own. */
  readonly types?: ReadonlyMap<string, CheckType>;
}

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
export const defaultChecksDir = join(projectRoot, 'config', 'checks');

/** Reads and validates every config/checks/*.yaml; errors name file, key, found and expected. */
export async function loadChecks(dir: string = defaultChecksDir, types: ReadonlyMap<string, CheckType> = checkTypes): Promise<CheckDefinition[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    throw new ConfigError(shownPath(dir), '(folder)', (err as NodeJS.ErrnoException).code ?? (err as Error).message, 'a folder of check files (checks/ beside pipeline.yaml)');
  }
  const files = names.filter((f) => /\.ya?ml$/.test(f)).sort();
  const checks: CheckDefinition[] = [];
  const seen = new Map<string, string>();
  for (const f of files) {
    const path = join(dir, f);
    const shown = shownPath(path);
    for (const c of parseCheckFile(await readFile(path, 'utf8'), shown, types)) {
      const earlier = seen.get(c.id);
      if (earlier) throw new ConfigError(shown, `id`, c.id, `an id not already used (it is declared in ${earlier})`);
      seen.set(c.id, shown);
      checks.push(c);
    }
  }
  return checks;
}

/** The SQL environment of one kind in one run. */
export async function sqlEnvironment(
  conn: DuckDBConnection, kind: DataKind, check: Pick<CheckDefinition, 'where'>, runId: string, now: Date, knownMacros?: ReadonlySet<string>,
): Promise<SqlEnv> {
  const tables = new Set(
    (await queryRows<{ t: string }>(conn, `select table_schema || '.' || table_name as t from information_schema.tables`)).map((r) => r.t),
  );
  const cols = await queryRows<{ t: string; name: string; type: string }>(
    conn,
    `select table_name as t, column_name as name, data_type as type from information_schema.columns where table_schema = 'core' order by ordinal_position`,
  );
  const columns = new Map<string, { name: string; type: string }[]>();
  for (const c of cols) columns.set(c.t, [...(columns.get(c.t) ?? []), { name: c.name, type: c.type }]);
  const [{ n } = { n: 0 }] = await queryRows<{ n: number }>(conn, `select count(*)::integer as n from quality.sks_codes`);
  const macros = knownMacros ?? (await macroNames(conn));
  return envFor(kind, check, { runId, now, tables, columns, references: new Set(n > 0 ? ['sks'] : []), macros });
}

interface EnvBase {
  readonly runId: string;
  readonly now: Date;
  readonly tables: ReadonlySet<string>;
  readonly columns: ReadonlyMap<string, ReadonlyArray<{ name: string; type: string }>>;
  readonly references: ReadonlySet<string>;
  readonly macros: ReadonlySet<string>;
}

function envFor(kind: DataKind, check: Pick<CheckDefinition, 'where'>, base: EnvBase): SqlEnv {
  const work = `work.${kind}`;
  const source = base.tables.has(work) ? work : `(select *, null::bigint as row_id from core.${kind} limit 0)`;
  return {
    kind,
    runId: base.runId,
    work,
    core: `core.${kind}`,
    rows: check.where ? `(select * from ${source} where (${check.where}))` : source,
    nowSql: `TIMESTAMPTZ '${base.now.toISOString()}'`,
    todaySql: `DATE '${danishDate(base.now)}'`,
    tables: base.tables,
    columns: base.columns,
    references: base.references,
    macros: base.macros,
  };
}

/** The calendar date in Denmark at `now`. */
export function danishDate(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Copenhagen', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** The SQL a check runs (for `fangst checks explain`). */
export function checkSql(check: CheckDefinition, env: SqlEnv, types: ReadonlyMap<string, CheckType> = checkTypes): string {
  const t = checkType(check.type, types);
  return t.shape === 'row' ? t.failingRows(check, env) : t.measure(check, env);
}

/** Runs the checks; see the module comment for what it writes. */
export async function runChecks(conn: DuckDBConnection, opts: RunChecksOptions): Promise<QualityRun> {
  const log = opts.logger;
  const types = opts.types ?? checkTypes;
  const typeOf = (check: CheckDefinition) => checkType(check.type, types);
  if (opts.sksFile) await loadSksCodes(conn, opts.sksFile);
  const macros = await ensureMacros(conn, opts.checks.flatMap((c) => typeOf(c).macros ?? []));
  const probe = await sqlEnvironment(conn, 'diagnoser', {}, opts.runId, opts.now, macros);
  const base: EnvBase = { runId: opts.runId, now: opts.now, tables: probe.tables, columns: probe.columns, references: probe.references, macros: probe.macros };

  // Results per check, in declaration order; a row check's are filled in when its batch is flushed.
  const slots: CheckResult[][] = [];
  const heldBack = new Set<string>();
  const rowChecks = new RowCheckBatch(conn, opts.runId, log);
  await rowChecks.open();
  for (const [seq, check] of opts.checks.entries()) {
    const env = envFor(check.kind, check, base);
    const t = typeOf(check);
    const unavailable = t.unavailable?.(check, env) ?? (t.shape === 'row' && !base.tables.has(env.work) ? `no ${env.work} in this run` : null);
    if (unavailable) {
      slots[seq] = [notEvaluated(check, t, unavailable)];
      // What such a check guards against must not be published unchecked.
      if (t.holdsBackUnchecked && check.severity === 'error' && base.tables.has(env.work)) heldBack.add(check.kind);
      continue;
    }
    const sql = t.shape === 'row' ? t.failingRows(check, env) : t.measure(check, env);
    // A check that reads the findings sees those of the checks declared before it, as when each check wrote its own.
    if (/\bquality\s*\.\s*row_findings\b/i.test(sql)) await rowChecks.flush(slots);
    if (t.shape === 'row') {
      rowChecks.collect(seq, check, t, env, sql);
    } else {
      const took = timer();
      slots[seq] = await runAggregateCheck(conn, check, t, env, sql);
      log?.debug({ check: check.id, kind: check.kind, ...took() }, `check ${check.id} done`);
    }
  }
  await rowChecks.flush(slots);
  await rowChecks.close();

  const results: CheckResult[] = [];
  for (const [seq, check] of opts.checks.entries()) {
    const rs = slots[seq]!;
    results.push(...rs);
    if (check.severity === 'error' && check.scope === 'aggregate' && rs[0]!.outcome === 'failed') heldBack.add(check.kind);
  }
  const heldBackKinds = dataKinds.filter((k) => heldBack.has(k));
  const alerts = await appendHistoryAndDetect(conn, opts, results, heldBackKinds);
  return { results, heldBackKinds, alerts };
}

async function appendHistoryAndDetect(conn: DuckDBConnection, opts: RunChecksOptions, results: CheckResult[], heldBackKinds: string[]): Promise<Alert[]> {
  let took = timer();
  await appendHistory(conn, { runId: opts.runId, batchId: opts.batchId, now: opts.now, results, checks: opts.checks.length, heldBackKinds });
  opts.logger?.debug(took(), 'quality history appended');
  took = timer();
  const alerts = await detectAnomalies(conn, { runId: opts.runId, now: opts.now, settings: opts.anomalies, types: opts.types });
  await conn.run(
    `update quality.runs set alerts = ${alerts.length} where run_id = ${sqlString(opts.runId)}`,
  );
  opts.logger?.debug({ ...took(), alerts: alerts.length }, 'anomalies detected');
  return alerts;
}

/** Wall and CPU milliseconds since the call; cpu_ms counts every thread, so it stays comparable on a busy machine. */
function timer(): () => { ms: number; cpu_ms: number } {
  const started = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { ms: Math.round(performance.now() - started), cpu_ms: Math.round((used.user + used.system) / 1000) };
  };
}

function notEvaluated(check: CheckDefinition, t: CheckType, why: string): CheckResult {
  return result(check, t, 'national', null, null, null, 'not_evaluated', why);
}

function result(check: CheckDefinition, t: CheckType, scopeLevel: string, scopeValue: string | null, numerator: number | null, denominator: number | null, outcome: Outcome, message: string | null): CheckResult {
  const percent = numerator != null && denominator ? round((numerator / denominator) * 100) : null;
  return {
    checkId: check.id,
    kind: check.kind,
    type: check.type,
    category: check.category,
    checkScope: check.scope,
    severity: check.severity,
    scopeLevel,
    scopeValue,
    numerator,
    denominator,
    percent,
    outcome,
    threshold: t.thresholdText(check),
    message,
  };
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

/** What a check allows, in words: `at most 0 failing`, `at least 50%`, `at most 336 hours old`. */
export function thresholdText(check: CheckDefinition, types: ReadonlyMap<string, CheckType> = checkTypes): string {
  return checkType(check.type, types).thresholdText(check);
}

function judge(check: CheckDefinition, breached: boolean): Outcome {
  if (!breached) return 'passed';
  return check.severity === 'error' ? 'failed' : 'warned';
}

interface ScopeCount {
  readonly level: string;
  readonly value: string | null;
  readonly n: number;
}

const scopeLevels = `case when grouping(journal_system) = 0 then 'system' when grouping(sor_code) = 0 then 'clinic' else 'national' end`;

/** Rows per scope of a kind (and `where`), keyed by env.rows: the denominators, counted once per run and reused. */
type Denominators = Map<string, ScopeCount[]>;

/**
 * Counts the denominators the given checks need and the cache lacks: one scan per kind, each
 * `where` a filtered count per system and clinic, added up here into national, system and
 * clinic counts (a scope appears where it has rows, the national count always).
 */
async function countDenominators(conn: DuckDBConnection, checks: readonly { check: CheckDefinition; env: SqlEnv }[], cache: Denominators): Promise<void> {
  const todo = new Map<string, Map<string, string | undefined>>();
  for (const { check, env } of checks) {
    if (cache.has(env.rows)) continue;
    const variants = todo.get(env.work) ?? new Map<string, string | undefined>();
    variants.set(env.rows, check.where);
    todo.set(env.work, variants);
  }
  for (const [work, variants] of todo) {
    const keys = [...variants.keys()];
    const counts = keys.map((k, i) => {
      const where = variants.get(k);
      return `${where ? `count(*) filter (where ${where})` : 'count(*)'}::double as n${i}`;
    });
    const groups = await queryRows<{ journal_system: string | null; sor_code: string | null } & Record<string, number>>(
      conn,
      `select journal_system, sor_code, ${counts.join(', ')}\nfrom ${work}\ngroup by journal_system, sor_code`,
    );
    keys.forEach((key, i) => {
      let national = 0;
      const systems = new Map<string | null, number>();
      const clinics = new Map<string | null, number>();
      for (const g of groups) {
        const n = g[`n${i}`]!;
        if (n === 0) continue;
        national += n;
        systems.set(g.journal_system, (systems.get(g.journal_system) ?? 0) + n);
        clinics.set(g.sor_code, (clinics.get(g.sor_code) ?? 0) + n);
      }
      cache.set(key, [
        { level: 'national', value: null, n: national },
        ...[...systems].map(([value, n]) => ({ level: 'system', value, n })),
        ...[...clinics].map(([value, n]) => ({ level: 'clinic', value, n })),
      ]);
    });
  }
}

/** A row check whose failing rows are collected, waiting for its findings and counts. */
interface PendingRowCheck {
  readonly seq: number;
  readonly check: CheckDefinition;
  readonly type: RowCheckType;
  readonly env: SqlEnv;
  /** The query whose rows go into _q_hits for this check. */
  readonly hits: string;
}

/**
 * Row checks in batches: the checks' failing rows go into one scratch table (one statement for
 * the batch), and a flush turns all of them into findings and failing counts at once: one join
 * per kind to the candidate rows, one insert into quality.row_findings, one grouping-sets count.
 * Checks that find nothing cost only their scan. (One check's own cost: FANGST_SQL_PROFILE_MATCH
 * on its text gives the operators of its branch.)
 */
class RowCheckBatch {
  private pending: PendingRowCheck[] = [];
  /** Rows per scope of a kind (and `where`): the denominators, counted once per run and reused. */
  private readonly denominators: Denominators = new Map();

  constructor(
    private readonly conn: DuckDBConnection,
    private readonly runId: string,
    private readonly log: RunChecksOptions['logger'],
  ) {}

  async open(): Promise<void> {
    await this.conn.run(`create or replace temp table _q_hits (seq integer, row_id bigint, column_name varchar, reason varchar)`);
  }

  async close(): Promise<void> {
    await this.conn.run(`drop table if exists _q_hits`);
  }

  /** Queues the check's query; flush runs the queued ones. */
  collect(seq: number, check: CheckDefinition, t: RowCheckType, env: SqlEnv, failingRows: string): void {
    // Findings are rows of env.rows: a custom query may return rows outside the check's `where`
    // (rows outside work.<kind> fall out at the join in flush).
    const inRows = check.where && t.anyRows ? `\n  and row_id in (select row_id from ${env.rows})` : '';
    const reason = t.rowReasons?.(check) ? 'reason::varchar' : 'null';
    const hits = `select ${seq} as seq, row_id, column_name, ${reason} as reason from (\n${failingRows}\n) where row_id is not null${inRows}`;
    this.pending.push({ seq, check, type: t, env, hits });
  }

  /**
   * Runs the queued checks' queries as one statement (a statement per check pays its planning
   * and scheduling once per check, more than most checks cost on a night's rows), writes their
   * findings and fills in their results.
   */
  async flush(slots: CheckResult[][]): Promise<void> {
    if (this.pending.length === 0) return;
    const took = timer();
    const pending = this.pending;
    this.pending = [];
    await this.conn.run(`insert into _q_hits\n${pending.map((p) => p.hits).join('\nunion all\n')}`);
    const counted = await queryRows<{ seq: number; n: bigint }>(this.conn, 'select seq, count(*) as n from _q_hits group by seq');
    const found = new Map(counted.map((c) => [Number(c.seq), Number(c.n)]));
    const withHits = pending.filter((p) => (found.get(p.seq) ?? 0) > 0);
    for (const p of pending) this.log?.debug({ check: p.check.id, kind: p.check.kind, found: found.get(p.seq) ?? 0 }, `check ${p.check.id} found`);
    const num = new Map<string, number>();
    if (withHits.length > 0) {
      const kinds = [...new Set(withHits.map((p) => p.env.work))];
      // Each kind's failing rows joined once to its candidate rows (they give file, line and scopes).
      const joins = kinds.map((work) => {
        const seqs = withHits.filter((p) => p.env.work === work).map((p) => p.seq);
        return `select f.seq, f.row_id, f.column_name, f.reason, w.record_key, w.source_file, w.source_line, w.journal_system, w.sor_code
from (select seq, row_id, column_name, min(reason) as reason from _q_hits where seq in (${seqs.join(', ')}) group by all) as f
join ${work} as w using (row_id)`;
      });
      await this.conn.run(`create or replace temp table _q_fail as\n${joins.join('\nunion all\n')}`);
      // An aggregate-scope check decides for the whole kind: its rows are findings, not quarantine.
      const checks = withHits.map(
        ({ seq, check }) => `(${seq}, ${sqlString(check.kind)}, ${sqlString(check.id)}, ${sqlString(check.scope === 'row' ? check.severity : 'warn')}, ${sqlString(check.reason)})`,
      );
      await this.conn.run(`insert into quality.row_findings
select ${sqlString(this.runId)}, c.kind, f.record_key, coalesce(f.source_file, ''), coalesce(f.source_line, 0),
       c.check_id, c.severity, f.column_name, coalesce(f.reason, c.reason)
from _q_fail as f
join (values ${checks.join(', ')}) as c(seq, kind, check_id, severity, reason) using (seq)
order by f.seq, f.source_file, f.source_line, f.column_name`);
      const failing = await queryRows<ScopeCount & { seq: number }>(
        this.conn,
        `select seq, ${scopeLevels} as level, coalesce(journal_system, sor_code) as value, count(*)::double as n
from (select distinct seq, row_id, journal_system, sor_code from _q_fail)
group by grouping sets ((seq), (seq, journal_system), (seq, sor_code))`,
      );
      await this.conn.run('drop table _q_fail');
      for (const f of failing) num.set(`${f.seq}|${f.level}|${f.value}`, f.n);
    }
    await this.conn.run(`delete from _q_hits`);
    await countDenominators(this.conn, pending, this.denominators);
    for (const p of pending) slots[p.seq] = rowResults(p.check, p.type, this.denominators.get(p.env.rows)!, (level, value) => num.get(`${p.seq}|${level}|${value}`) ?? 0);
    this.log?.debug({ checks: pending.length, with_findings: withHits.length, ...took() }, 'row check findings written');
  }
}

function rowResults(check: CheckDefinition, t: RowCheckType, dens: readonly ScopeCount[], failing: (level: string, value: string | null) => number): CheckResult[] {
  const ordered = [
    dens.find((d) => d.level === 'national') ?? { level: 'national', value: null, n: 0 },
    ...dens.filter((d) => d.level === 'system').sort((a, b) => String(a.value).localeCompare(String(b.value))),
    ...dens.filter((d) => d.level === 'clinic').sort((a, b) => String(a.value).localeCompare(String(b.value))),
  ];
  const out: CheckResult[] = [];
  for (const d of ordered) {
    const n = failing(d.level, d.value);
    if (d.level === 'clinic' && n === 0) continue; // clinics are kept only where something was found
    if (d.value == null && d.level !== 'national') continue;
    const outcome: Outcome = d.n === 0 ? 'not_evaluated' : judge(check, exceeds(check.threshold, n, d.n));
    const message = d.n === 0 ? 'no rows to check' : n > 0 ? check.reason : null;
    out.push(result(check, t, d.level, d.value, n, d.n, outcome, message));
  }
  return out;
}

async function runAggregateCheck(conn: DuckDBConnection, check: CheckDefinition, t: AggregateCheckType, env: SqlEnv, measure: string): Promise<CheckResult[]> {
  const rows = await queryRows<Measurement>(
    conn,
    `select scope_level, scope_value, numerator::double as numerator, denominator::double as denominator, detail
from (\n${measure}\n) order by scope_level = 'national' desc, scope_value`,
  );
  const national = rows.find((r) => r.scope_level === 'national');
  if (!national) return [notEvaluated(check, t, 'nothing measured')];
  const groups = rows.filter((r) => r.scope_level !== 'national');
  const judged = groups.map((g) => ({ g, b: t.breached(check, g) }));
  const breachedGroups = judged.filter((x) => x.b === true).map((x) => x.g.scope_value ?? '(none)');
  const nb = t.breached(check, national);
  const nationalBreached = nb === true || breachedGroups.length > 0;
  const outcome: Outcome = nb === null && breachedGroups.length === 0 ? 'not_evaluated' : judge(check, nationalBreached);
  const named = breachedGroups.length > 10 ? `${breachedGroups.slice(0, 10).join(', ')} and ${breachedGroups.length - 10} more` : breachedGroups.join(', ');
  // the check's reason, the groups that breached it, then the measurement after a colon
  // ("... older than two weeks: newest 2026-02-01"), not run into the sentence
  const said = [check.reason, named && `(${named})`].filter(Boolean).join(' ');
  const message = nationalBreached ? [said, national.detail].filter(Boolean).join(': ') : (national.detail ?? null);
  const out = [result(check, t, 'national', null, national.numerator, national.denominator, outcome, message)];
  for (const { g, b } of judged) {
    out.push(result(check, t, g.scope_level, g.scope_value, g.numerator, g.denominator, b === null ? 'not_evaluated' : judge(check, b), b ? check.reason : (g.detail ?? null)));
  }
  return out;
}

/** The SQL macros defined on the connection. (duckdb_functions() lists every built-in function too: asked once a run.) */
async function macroNames(conn: DuckDBConnection): Promise<Set<string>> {
  const rows = await queryRows<{ name: string }>(conn, `select distinct function_name as name from duckdb_functions() where function_type in ('macro', 'table_macro')`);
  return new Set(rows.map((r) => r.name));
}

/**
 * Loads the project's SQL macros when one the checks call is missing (the caller may have loaded
 * them); the macros defined afterwards.
 */
async function ensureMacros(conn: DuckDBConnection, names: readonly string[]): Promise<Set<string>> {
  const have = await macroNames(conn);
  if (names.every((n) => have.has(n))) return have;
  await loadMacros(conn, { force: true });
  return macroNames(conn);
}

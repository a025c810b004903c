// `fangst checks`: lists the declared checks (with each one's latest outcome when
// the database has history), `fangst checks explain ID` shows one with the SQL it
// runs, and `fangst checks report` writes the quality report of a run.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadConfig } from '../config/load.ts';
import { openDatabase, queryRows } from '../transforms/db/connection.ts';
import type { CheckDefinition } from '../quality/definitions.ts';
import { NotFound } from '../config/errors.ts';
import { checkSql, loadChecks, sqlEnvironment, thresholdText } from '../quality/engine.ts';
import { checkType } from '../quality/registry.ts';
import { selectChecks } from '../quality/select.ts';
import { writeQualityReport } from '../quality/reports/run/write.ts';
import { reportSettings } from './report-settings.ts';
import { fangstVersion } from './version.ts';
import { EXIT } from './exit-codes.ts';
import { openForReading } from './open-database.ts';

interface Common {
  readonly config: string;
  readonly db?: string;
  readonly dir?: string;
}

/** The checks a run with this configuration uses: --dir, else the checks/ beside --config (a configuration folder travels whole). */
const checksDirOf = (o: Common): string => o.dir ?? join(dirname(o.config), 'checks');

async function databasePath(o: Common): Promise<string> {
  // the configured database may not exist yet (the checks are listed without outcomes); one
  // named with --db must
  if (o.db !== undefined && !existsSync(o.db)) throw new NotFound('database', o.db, 'run fangst nightly first, or leave out --db');
  return o.db ?? (await loadConfig(o.config)).database;
}

/** The database to read outcomes from, or null: a configuration that cannot be read lists the checks alone. */
function optionalDatabase(o: Common): Promise<string | null> {
  return databasePath(o).catch((err: unknown) => {
    if (err instanceof NotFound) throw err;
    return null;
  });
}

/** Reads the database at `path` (read-only, beside other readers), or an empty one in memory. */
async function withDb<T>(path: string | null, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const db = path === null ? await openDatabase(':memory:') : await openForReading(path);
  try {
    return await fn(await db.connect());
  } finally {
    db.close();
  }
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

interface ListOptions extends Common {
  readonly json?: boolean;
  readonly select?: string[];
  readonly exclude?: string[];
}

interface Latest { run_id: string; run_at: string; outcome: string; numerator: number | null; denominator: number | null; percent: number | null }

async function list(o: ListOptions): Promise<number> {
  const checks = selectChecks(await loadChecks(checksDirOf(o)), o.select, o.exclude);
  const path = await optionalDatabase(o);
  const latest = new Map<string, Latest>();
  if (path && existsSync(path)) {
    await withDb(path, async (conn) => {
      const rows = await queryRows<Latest & { check_id: string }>(
        conn,
        `select check_id, run_id, strftime(run_at, '%Y-%m-%dT%H:%M:%SZ') as run_at, outcome, numerator, denominator, percent from quality.check_results
         where scope_level = 'national' qualify row_number() over (partition by check_id order by run_at desc) = 1`,
      );
      for (const r of rows) latest.set(r.check_id, r);
    });
  }
  if (o.json) {
    const doc = checks.map((c) => ({
      id: c.id, kind: c.kind, type: c.type, category: c.category, scope: c.scope, severity: c.severity, threshold: thresholdText(c),
      tags: c.tags ?? [], description: c.description, reason: c.reason, file: c.file, ...(c.where ? { where: c.where } : {}), params: c.params,
      last: latest.get(c.id) ?? null,
    }));
    process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return EXIT.ok;
  }
  const w = Math.max(...checks.map((c) => c.id.length));
  const num = (n: number) => String(Math.round(n * 10) / 10);
  const out: string[] = [`${pad('id', w)}  ${pad('type', 15)} ${pad('category', 12)} ${pad('scope', 9)} ${pad('severity', 8)} ${pad('allowed', 24)} last outcome`];
  for (const c of checks) {
    const l = latest.get(c.id);
    const last = l ? `${l.outcome}${l.numerator != null && l.denominator != null ? ` (${num(l.numerator)}/${num(l.denominator)})` : ''}` : '–';
    out.push(`${pad(c.id, w)}  ${pad(c.type, 15)} ${pad(c.category, 12)} ${pad(c.scope, 9)} ${pad(c.severity, 8)} ${pad(thresholdText(c), 24)} ${last}`);
  }
  const selected = o.select?.length || o.exclude?.length ? ' selected' : '';
  out.push('', `${checks.length} checks${selected} in ${checksDirOf(o)}; \`fangst checks explain ID\` shows one with its SQL.`);
  process.stdout.write(`${out.join('\n')}\n`);
  return EXIT.ok;
}

async function explain(id: string, o: Common): Promise<number> {
  const checks = await loadChecks(checksDirOf(o));
  const check = checks.find((c) => c.id === id);
  if (!check) {
    const near = checks.filter((c) => c.id.includes(id) || id.includes(c.kind)).map((c) => c.id).slice(0, 8);
    throw new NotFound('check', id, near.length ? `did you mean ${near.join(', ')}?` : `\`fangst checks\` lists them`);
  }
  const path = await optionalDatabase(o);
  const sql = await withDb(path && existsSync(path) ? path : null, async (conn) => {
    const env = await sqlEnvironment(conn, check.kind, check, '<run id>', new Date());
    return checkSql(check, env);
  });
  process.stdout.write(`${describe(check)}\n\n-- ${checkType(check.type).shape === 'aggregate' ? 'measurements (scope_level, scope_value, numerator, denominator)' : 'the failing rows'}:\n${sql}\n`);
  return EXIT.ok;
}

function describe(c: CheckDefinition): string {
  const lines = [
    `${c.id}  (${c.file})`,
    `  kind:        ${c.kind}`,
    `  type:        ${c.type}`,
    `  category:    ${c.category}`,
    `  scope:       ${c.scope}${c.scope === 'row' ? ' (each failing row is a finding)' : ' (a failure decides for the whole kind)'}`,
    `  severity:    ${c.severity}${c.severity === 'error' ? (c.scope === 'row' ? ' -> failing rows are quarantined' : ' -> the kind is held back when it fails') : ''}`,
    `  allowed:     ${thresholdText(c)}`,
    `  description: ${c.description}`,
    `  reason:      ${c.reason}`,
  ];
  if (c.where) lines.push(`  where:       ${c.where}`);
  for (const [k, v] of Object.entries(c.params)) lines.push(`  ${pad(`${k}:`, 12)} ${typeof v === 'string' ? v.trim() : JSON.stringify(v)}`);
  return lines.join('\n');
}

async function report(o: Common & { run?: string; out?: string; shareable?: boolean }): Promise<number> {
  // With --db the configuration is only for the footer and the time zone: a report of a copied
  // database can be written where there is none.
  const config = await loadConfig(o.config).catch((err: unknown) => (o.db ? null : Promise.reject(err)));
  const path = o.db ?? config!.database;
  const found = config ? await reportSettings(config, path) : { about: { fangstVersion: fangstVersion(), database: path } };
  // The configuration is the one there is now: a run does not record its own.
  const hash = found.about?.configHash;
  const settings = hash ? { ...found, about: { ...found.about, configHash: `${hash} (as configured now)` } } : found;
  return withDb(path, async (conn) => {
    const written = await writeQualityReport(conn, { runId: o.run, outDir: o.out ?? join('var', 'reports'), shareable: o.shareable, ...settings,
      onNewKey: (file) => process.stderr.write(`fangst checks report: created a new pseudonym key in ${file} (campaign.pseudonym_key_file): keep it, or the clinics' pseudonyms in shareable reports change\n`) });
    process.stdout.write(`${written.html}\n${written.json}\n${written.markdown}\n`);
    return EXIT.ok;
  });
}

export function register(program: Command, exit: (code: number) => void): void {
  const checks = program
    .command('checks')
    .description('list the data-quality checks (config/checks/*.yaml) with their latest outcome')
    .option('--config <file>', 'pipeline configuration', 'config/pipeline.yaml')
    .option('--db <file>', 'DuckDB file (default: from the configuration)')
    .option('--dir <dir>', 'folder of check definitions (default: checks/ beside --config)')
    .option('--select <selector...>', 'only these checks: id (diagnoser.*), kind, category or tag, as id:X kind:X category:X tag:X or a bare X')
    .option('--exclude <selector...>', 'leave these checks out (same selectors)')
    .option('--json', 'print the checks, with their latest national outcome, as JSON')
    .action(async (o: ListOptions) => exit(await list(o)));
  checks
    .command('explain <id>')
    .description('show one check: its settings and the SQL it runs')
    .option('--config <file>', 'pipeline configuration', 'config/pipeline.yaml')
    .option('--db <file>', 'DuckDB file (default: from the configuration)')
    .option('--dir <dir>', 'folder of check definitions (default: checks/ beside --config)')
    .action(async (id: string, _o: Common, cmd: Command) => exit(await explain(id, cmd.optsWithGlobals<Common>())));
  checks
    .command('report')
    .description('write the quality report of a run (HTML, JSON, Markdown)')
    .option('--config <file>', 'pipeline configuration', 'config/pipeline.yaml')
    .option('--db <file>', 'DuckDB file (default: from the configuration)')
    .option('--run <id>', 'run id (default: the latest run)')
    .option('--out <dir>', 'output folder', 'var/reports')
    .option('--shareable', 'no patient identifiers; counts of 1-4 suppressed')
    .action(async (_o: unknown, cmd: Command) => exit(await report(cmd.optsWithGlobals<Common & { run?: string; out?: string; shareable?: boolean }>())));
}

import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';
import { KIND_SPECS } from '../config/kinds.ts';
import { isReadOnly, queryRows } from './db/connection.ts';
import { fileTables, replaceWithView } from './ingest/stage.ts';
import { expandKinds, isPerKind } from './kind-sql.ts';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * How a model's result is kept: `table` is materialised, `view` is computed where it is read,
 * `query` is run and its rows returned to the caller, never stored (a report's last step).
 */
export type Materialisation = 'table' | 'view' | 'query';
const MATERIALISATIONS: readonly Materialisation[] = ['table', 'view', 'query'];

interface LayerSpec {
  /** The schema its models are read from as `<schema>.<model>`. */
  readonly schema: string;
  /** Tables as temporary tables of the connection, each read through a view (see runLayer). */
  readonly scratch: boolean;
  /** What a model is when its file declares nothing. */
  readonly materialised: Materialisation;
}

/** Each layer (a folder of transforms/) and how its models are kept. */
export const LAYERS = {
  // Staging and core hold only the current run's rows; accepted core rows are merged into
  // core.* on commit.
  staging: { schema: 'staging', scratch: true, materialised: 'table' },
  core: { schema: 'work', scratch: true, materialised: 'table' },
  // The reports' models (`fangst campaign`, `fangst monitor`), over the published data.
  marts: { schema: 'marts', scratch: false, materialised: 'table' },
  // The lab evaluation (`fangst lab-quality`): per-row lab findings and per-clinic distributions.
  lab: { schema: 'lab', scratch: false, materialised: 'table' },
} as const satisfies Record<string, LayerSpec>;
export type Layer = keyof typeof LAYERS;

export interface Model {
  readonly name: string;
  /** The model's file, under transforms/ (one file may make a model per data kind). */
  readonly file: string;
  /** `<schema>.<name>`: what other models select from. */
  readonly table: string;
  readonly sql: string;
  /**
   * From the model's header, a line `-- materialised: table|view|query`, else the layer's
   * default. A view suits a per-row projection of its inputs read once in full, where a table
   * would copy every row.
   */
  readonly materialised: Materialisation;
  /** The models of the same layer it selects from, by name. */
  readonly refs: readonly string[];
}

/** A declaration in the file's leading comment lines; a why-comment further down is not one. */
function declaredMaterialisation(file: string, sql: string, fallback: Materialisation): Materialisation {
  for (const line of sql.split('\n')) {
    if (!line.startsWith('--')) break;
    const m = /^--\s*materiali[sz]ed:\s*(\w+)/.exec(line);
    if (!m) continue;
    const value = m[1] as Materialisation;
    if (!MATERIALISATIONS.includes(value)) {
      throw new Error(`${file}: materialised: found "${m[1]}", expected one of ${MATERIALISATIONS.join(', ')}`);
    }
    return value;
  }
  return fallback;
}

/**
 * Reads a layer's models and orders them so that each runs after the models it selects from
 * (`<schema>.<model>` in its SQL, as dbt's ref). `dir` reads the layer's models from another
 * folder (tests).
 */
export async function loadLayer(layer: Layer, dir = join(here, layer)): Promise<Model[]> {
  const { schema, materialised } = LAYERS[layer];
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const texts = await Promise.all(files.map(async (f) => [`${layer}/${f}`, await readFile(join(dir, f), 'utf8')] as const));
  const expanded = texts.flatMap(([file, text]) => modelsOf(file, text));
  const names = new Set(expanded.map((m) => m.name));
  const models = expanded.map(({ name, file, sql }): Model => {
    const refs = [...new Set([...sql.matchAll(new RegExp(`\\b${schema}\\.(\\w+)`, 'g'))].map((x) => x[1]!))];
    return {
      name,
      file,
      table: `${schema}.${name}`,
      sql,
      materialised: declaredMaterialisation(file, sql, materialised),
      refs: refs.filter((r) => r !== name && names.has(r)),
    };
  });
  return order(models, layer);
}

/** A model file's model, or one per data kind (transforms/kind-sql.ts), its kind sections expanded. */
function modelsOf(file: string, text: string): Array<{ name: string; file: string; sql: string }> {
  if (isPerKind(text)) return KIND_SPECS.map((k) => ({ name: k.name, file, sql: expandKinds(text, k) }));
  return [{ name: basename(file, '.sql'), file, sql: expandKinds(text) }];
}

function order(models: Model[], layer: Layer): Model[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: Model[] = [];
  const visit = (m: Model) => {
    if (done.has(m.name)) return;
    if (visiting.has(m.name)) throw new Error(`transform models form a cycle at ${m.table}`);
    visiting.add(m.name);
    for (const ref of m.refs) {
      const dep = byName.get(ref)!;
      // A query's rows go to the caller only: there is nothing for another model to read.
      if (dep.materialised === 'query') throw new Error(`${layer}/${m.name}.sql reads ${dep.table}, which is a query (not stored)`);
      visit(dep);
    }
    visiting.delete(m.name);
    done.add(m.name);
    out.push(m);
  };
  for (const m of models) visit(m);
  return out;
}

/**
 * The models `select` names, with every model of the layer they read from (dbt's `+model`), in
 * run order. `select` is a model's name or a prefix ending in `*`.
 */
function selected(models: readonly Model[], select: string): Model[] {
  const matches = (name: string) => (select.endsWith('*') ? name.startsWith(select.slice(0, -1)) : name === select);
  const byName = new Map(models.map((m) => [m.name, m]));
  const wanted = new Set<string>();
  const want = (m: Model) => {
    if (wanted.has(m.name)) return;
    wanted.add(m.name);
    for (const ref of m.refs) want(byName.get(ref)!);
  };
  for (const m of models) if (matches(m.name)) want(m);
  if (wanted.size === 0) throw new Error(`no transform model matches ${JSON.stringify(select)}`);
  return models.filter((m) => wanted.has(m.name));
}

/**
 * Drops the scratch a run leaves on its connection: every temporary table (the staging, core
 * and lab layers' models, lab inputs). Views over them stay and find next run's tables.
 * Why: `create or replace` builds a model's new table before it drops the old one, so without
 * this a backfill's next run computed each model while the previous month's copy still held
 * memory.
 */
export async function dropRunScratch(conn: DuckDBConnection): Promise<void> {
  const temps = await queryRows<{ table_name: string }>(conn, 'select table_name from duckdb_tables() where temporary');
  for (const { table_name } of temps) await conn.run(`drop table if exists temp.main."${table_name}"`);
}

/** The temporary table of the connection behind a scratch layer's view <schema>.<model>. */
export function scratchTable(schema: string, model: string): string {
  return `temp.main.${schema}__${model}`;
}

export interface RunOptions {
  /**
   * Where the layer's tables live, overriding the layer's default: the nightly job keeps the
   * lab layer as per-run scratch, while `fangst lab-quality` keeps it in the analyst's file.
   */
  readonly scratch?: boolean;
  /** Only these models and what they read: a model's name, or a prefix ending in `*`. */
  readonly select?: string;
  /**
   * The models' parameters, set as DuckDB variables (read with `getvariable('name')`) before
   * the first model runs; each value is a SQL expression, e.g. `date '2025-01-01'` or `null`.
   */
  readonly variables?: Readonly<Record<string, string>>;
  readonly logger?: Pick<Logger, 'debug'>;
  /** Reads the layer's models from this folder instead of transforms/<layer>/ (tests). */
  readonly dir?: string;
}

export interface LayerRun {
  /** The models that ran, in run order. */
  readonly models: readonly Model[];
  /** The rows of each `query` model, by model name. */
  readonly rows: ReadonlyMap<string, Record<string, unknown>[]>;
  /** Where each stored model can be read, by model name: `<schema>.<model>`, or its temporary table on a read-only database. */
  readonly tables: ReadonlyMap<string, string>;
}

/**
 * Runs a layer's models (or those `select` names) in dependency order, each as its file or the
 * layer declares: a table, a view, or a query whose rows are returned.
 *
 * Tables of a scratch layer are temporary tables of the connection, each read through a view
 * <schema>.<model>: never written to the database file, so the run's commit does not write or
 * checkpoint them (DuckDB lets a transaction write temp tables beside the file). A later
 * connection finds the views, not the rows.
 */
export async function runLayer(conn: DuckDBConnection, layer: Layer, opts: RunOptions = {}): Promise<LayerRun> {
  const all = await loadLayer(layer, opts.dir);
  const models = opts.select === undefined ? all : selected(all, opts.select);
  const { schema } = LAYERS[layer];
  const scratch = opts.scratch ?? LAYERS[layer].scratch;
  for (const [name, value] of Object.entries(opts.variables ?? {})) {
    if (!/^\w+$/.test(name)) throw new Error(`bad variable name ${JSON.stringify(name)} for the ${layer} models`);
    await conn.run(`set variable ${name} = ${value}`);
  }
  // A report run beside a nightly opens the database read-only: its models then live in
  // temporary tables and views of the connection, and read each other there.
  const readOnly = await isReadOnly(conn);
  const stored = models.filter((m) => m.materialised !== 'query');
  const tables = new Map(stored.map((m) => [m.name, readOnly ? scratchTable(schema, m.name) : m.table]));
  // A layer of queries only stores nothing, so it also runs on a database opened read-only.
  if (!readOnly && stored.length > 0) await conn.run(`create schema if not exists ${schema}`);
  const rows = new Map<string, Record<string, unknown>[]>();
  const tablesOfSchema = readOnly ? new Set<string>() : await fileTables(conn, schema);
  for (const m of models) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    try {
      let sql = m.sql.replace(/;\s*$/, '');
      if (readOnly) for (const ref of m.refs) sql = sql.replace(new RegExp(`\\b${schema}\\.${ref}\\b`, 'g'), tables.get(ref)!);
      if (m.materialised === 'query') {
        rows.set(m.name, await queryRows(conn, sql));
      } else if (readOnly) {
        await conn.run(`create or replace temp ${m.materialised} ${schema}__${m.name} as ${sql}`);
      } else if (m.materialised === 'view') {
        await replaceWithView(conn, m.table, `(${sql}\n)`, tablesOfSchema);
      } else if (scratch) {
        await conn.run(`create or replace temp table ${schema}__${m.name} as ${sql}`);
        await replaceWithView(conn, m.table, scratchTable(schema, m.name), tablesOfSchema);
      } else {
        await conn.run(`create or replace table ${m.table} as ${sql}`);
      }
    } catch (err) {
      throw new Error(`transform ${m.file} (${m.table}) failed: ${(err as Error).message}`, { cause: err });
    }
    // Per model, so that operators can see which model a slow night spent its time in.
    // cpu_ms counts every thread of the process, so it stays comparable on a busy machine.
    if (opts.logger) {
      const used = process.cpuUsage(cpu);
      const ms = Math.round(performance.now() - started);
      opts.logger.debug({ model: m.table, ms, cpu_ms: Math.round((used.user + used.system) / 1000) }, `model ${m.table} done`);
    }
  }
  return { models, rows, tables };
}

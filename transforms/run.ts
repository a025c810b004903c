import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from 'pino';
import { KIND_SPECS } from '../config/kinds.ts';
import { queryRows } from './db/connection.ts';
import { replaceWithView } from './ingest/stage.ts';
import { expandKinds, isPerKind } from './kind-sql.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** Each layer's folder and the schema its models materialise into. */
export const LAYERS = {
  staging: 'staging',
  // Core models build this run's candidate rows; accepted ones are merged into core.* on commit.
  core: 'work',
  marts: 'marts',
  // The lab evaluation (`fangst lab-quality`): per-row lab findings and per-clinic distributions.
  lab: 'lab',
} as const;
export type Layer = keyof typeof LAYERS;

export interface Model {
  readonly name: string;
  /** The model's file, under transforms/ (one file may make a model per data kind). */
  readonly file: string;
  readonly table: string;
  readonly sql: string;
  /**
   * A view instead of a table: for a model that is a per-row projection of its inputs and
   * read once in full, materialising it costs more than computing it where it is read.
   * Declared in the model's file by a line `-- materialised: view`.
   */
  readonly view: boolean;
}

const VIEW_MARK = /^--\s*materialised:\s*view\b/m;

/** Reads a layer's models and orders them so that each runs after the models it selects from. */
export async function loadLayer(layer: Layer): Promise<Model[]> {
  const dir = join(here, layer);
  const schema = LAYERS[layer];
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const models = await Promise.all(
    files.map(async (f) => modelsOf(schema, `${layer}/${f}`, await readFile(join(dir, f), 'utf8'))),
  );
  return order(models.flat(), schema);
}

/** A model file's model, or one per data kind (transforms/kind-sql.ts), its kind sections expanded. */
function modelsOf(schema: string, file: string, text: string): Model[] {
  const model = (name: string, sql: string) => ({ name, file, table: `${schema}.${name}`, sql, view: VIEW_MARK.test(sql) });
  if (isPerKind(text)) return KIND_SPECS.map((k) => model(k.name, expandKinds(text, k)));
  return [model(basename(file, '.sql'), expandKinds(text))];
}

function order(models: Model[], schema: string): Model[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: Model[] = [];
  const refs = (m: Model) => [...m.sql.matchAll(new RegExp(`\\b${schema}\\.(\\w+)`, 'g'))].map((x) => x[1]!).filter((n) => n !== m.name && byName.has(n));
  const visit = (m: Model) => {
    if (done.has(m.name)) return;
    if (visiting.has(m.name)) throw new Error(`transform models form a cycle at ${m.table}`);
    visiting.add(m.name);
    for (const dep of refs(m)) visit(byName.get(dep)!);
    visiting.delete(m.name);
    done.add(m.name);
    out.push(m);
  };
  for (const m of models) visit(m);
  return out;
}

/**
 * Layers that hold only the current run's rows: materialised as temporary tables of the
 * connection (never written to the database file, so the run's commit does not write or
 * checkpoint them; DuckDB lets a transaction write temp tables beside the file), each read
 * through a view <schema>.<model>. A later connection finds the views, not the rows.
 */
const SCRATCH_LAYERS: ReadonlySet<Layer> = new Set(['staging', 'core']);

/**
 * Drops the scratch a run leaves on its connection: every temporary table (the staging, core
 * and lab layers' models, lab inputs). Views over them stay and find next run's tables.
 * Why: `create or replace` builds a model's new table before it drops the old one, so without
 * this a backfill's next run computed each model while the previous month's copy still held
 * memory. (The scale-10 out-of-memory in lab.results had another cause, its plan: see there.)
 */
export async function dropRunScratch(conn: DuckDBConnection): Promise<void> {
  const temps = await queryRows<{ table_name: string }>(conn, 'select table_name from duckdb_tables() where temporary');
  for (const { table_name } of temps) await conn.run(`drop table if exists temp.main."${table_name}"`);
}

/**
 * Materialises every model of a layer as a table (or, where the model says so, a view), in dependency order. `scratch`
 * overrides where the layer lives: the nightly job keeps the lab layer as per-run
 * scratch, while `fangst lab-quality` keeps it in the analyst's database file.
 */
export async function runLayer(
  conn: DuckDBConnection,
  layer: Layer,
  opts: { scratch?: boolean; logger?: Pick<Logger, 'debug'> } = {},
): Promise<Model[]> {
  const models = await loadLayer(layer);
  const scratch = opts.scratch ?? SCRATCH_LAYERS.has(layer);
  await conn.run(`create schema if not exists ${LAYERS[layer]}`);
  for (const m of models) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    try {
      const sql = m.sql.replace(/;\s*$/, '');
      if (m.view) {
        await replaceWithView(conn, m.table, `(${sql}\n)`);
      } else if (scratch) {
        const temp = `${LAYERS[layer]}__${m.name}`;
        await conn.run(`create or replace temp table ${temp} as ${sql}`);
        await replaceWithView(conn, m.table, `temp.main.${temp}`);
      } else {
        await conn.run(`create or replace table ${m.table} as ${sql}`);
      }
    } catch (err) {
      throw new Error(`transform ${m.file} (${m.table}) failed: ${(err as Error).message}`);
    }
    // Per model, so that operators can see which model a slow night spent its time in.
    // cpu_ms counts every thread of the process, so it stays comparable on a busy machine.
    if (opts.logger) {
      const used = process.cpuUsage(cpu);
      const ms = Math.round(performance.now() - started);
      opts.logger.debug({ model: m.table, ms, cpu_ms: Math.round((used.user + used.system) / 1000) }, `model ${m.table} done`);
    }
  }
  return models;
}

import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';

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
  readonly table: string;
  readonly sql: string;
}

/** Reads a layer's models and orders them so that each runs after the models it selects from. */
export async function loadLayer(layer: Layer): Promise<Model[]> {
  const dir = join(here, layer);
  const schema = LAYERS[layer];
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const models = await Promise.all(
    files.map(async (f) => {
      const name = f.slice(0, -4);
      return { name, table: `${schema}.${name}`, sql: await readFile(join(dir, f), 'utf8') };
    }),
  );
  return order(models, schema);
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

/** Materialises every model of a layer as a table, in dependency order. */
export async function runLayer(conn: DuckDBConnection, layer: Layer): Promise<Model[]> {
  const models = await loadLayer(layer);
  await conn.run(`create schema if not exists ${LAYERS[layer]}`);
  for (const m of models) {
    try {
      await conn.run(`create or replace table ${m.table} as ${m.sql.replace(/;\s*$/, '')}`);
    } catch (err) {
      throw new Error(`transform ${layer}/${m.name}.sql failed: ${(err as Error).message}`);
    }
  }
  return models;
}

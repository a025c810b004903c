// The NPU catalogue for the lab layer. The catalogue and its loader belong to lab/catalogue.ts
// (config/reference/npu-catalogue.yaml -> ref.npu_analyses, ref.npu_units, ref.npu_retired);
// this module only calls it and makes sure the tables the lab layer reads exist, so that an
// extract can still be read (every code then "unknown") where no catalogue is loaded.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { PipelineConfig } from '../config/load.ts';

type Loader = (conn: DuckDBConnection, config?: PipelineConfig) => Promise<unknown>;

export async function loadLabCatalogue(conn: DuckDBConnection, config: PipelineConfig): Promise<void> {
  const path = '../lab/catalogue.ts'; // the catalogue helper's module, when it has landed
  let mod: Record<string, unknown> | null = null;
  try {
    mod = (await import(path)) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
  }
  const load = mod?.loadCatalogue as Loader | undefined;
  if (load) await load(conn, config);
  // Without the loader, empty tables of the same shape: every code then reads as unknown.
  await conn.run(`create schema if not exists ref;
    create table if not exists ref.npu_analyses (code varchar, name varchar, short_name varchar, unit varchar, unit_required boolean,
      result_type varchar, allowed_values varchar[], hard_low double, hard_high double, soft_low double, soft_high double);
    create table if not exists ref.npu_units (code varchar, unit varchar, factor double, "offset" double);
    create table if not exists ref.npu_retired (code varchar, successor varchar, name varchar, unit varchar, factor double, "offset" double);
    create table if not exists ref.npu_official (code varchar, text varchar, unit varchar, active boolean)`);
}

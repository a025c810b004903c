// The specialty codes of config/reference/specialties.yaml, and ref.specialties built from them.
// Used beyond the lab evaluation (campaign and monitoring name specialties); it lives here beside
// the NPU catalogue, which refers to these codes.
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { parse } from 'yaml';
import { sqlString } from '../db/connection.ts';

export const defaultSpecialtiesPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'config', 'reference', 'specialties.yaml');

export interface Specialty {
  readonly code: number;
  readonly name: string;
  readonly retired: boolean;
  /** For a retired code: the codes that replaced it (8 -> 81, 82, 83). */
  readonly successors: readonly number[];
}

/** Reads and validates specialties.yaml; errors name the file, the key, what was found and what was expected. */
export async function loadSpecialties(path: string = defaultSpecialtiesPath): Promise<Specialty[]> {
  const name = basename(path);
  const doc = parse(await readFile(path, 'utf8')) as unknown;
  const list = (doc as { specialties?: unknown } | null)?.specialties;
  if (!Array.isArray(list)) throw new Error(`${name}: specialties: expected a list, found ${JSON.stringify(list) ?? 'nothing'}`);
  const out: Specialty[] = [];
  const problems: string[] = [];
  for (const [i, s] of list.entries()) {
    const e = s as Record<string, unknown>;
    const where = `${name}: specialties[${i}]`;
    if (typeof e?.code !== 'number' || !Number.isInteger(e.code)) problems.push(`${where}.code: expected an integer, found ${JSON.stringify(e?.code)}`);
    if (typeof e?.name !== 'string' || !e.name.trim()) problems.push(`${where}.name: expected a name, found ${JSON.stringify(e?.name)}`);
    const successors = Array.isArray(e?.successors) ? (e.successors as number[]) : [];
    if (e?.retired === true && successors.length === 0) problems.push(`${where}.successors: expected the codes that replaced a retired specialty, found none`);
    if (out.some((x) => x.code === e?.code)) problems.push(`${where}.code: expected each code once, found ${JSON.stringify(e?.code)} again`);
    out.push({ code: e?.code as number, name: String(e?.name ?? '').trim(), retired: e?.retired === true, successors });
  }
  for (const s of out) for (const c of s.successors) if (!out.some((x) => x.code === c && !x.retired)) problems.push(`${name}: successor ${c} of ${s.code}: expected an active specialty, found none`);
  if (problems.length) throw new Error(problems.join('\n'));
  return out;
}

/** Fills ref.specialties (specialty, name, retired) from the list; the table is created by db/schema. */
export async function writeSpecialtyTable(conn: DuckDBConnection, specialties: readonly Specialty[]): Promise<void> {
  await conn.run(`create schema if not exists ref;
    create table if not exists ref.specialties (specialty integer primary key, name varchar not null, retired boolean not null default false);
    delete from ref.specialties`);
  if (specialties.length) {
    await conn.run(`insert into ref.specialties (specialty, name, retired) values ${specialties
      .map((s) => `(${s.code}, ${sqlString(s.name)}, ${s.retired})`).join(', ')}`);
  }
}

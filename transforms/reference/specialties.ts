// The specialty codes of config/reference/specialties.yaml, and ref.specialties built from them.
// Used beyond the lab evaluation (campaign and monitoring name specialties); it lives here beside
// the NPU catalogue, which refers to these codes.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { parseYaml } from '../../config/parse-yaml.ts';
import { ConfigError, shownPath, type ConfigProblem } from '../../config/errors.ts';
import { unknownKeys } from '../../config/keys.ts';
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
  const file = shownPath(path);
  let doc: unknown;
  try {
    doc = parseYaml(await readFile(path, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw code ? new ConfigError(file, '(file)', code, 'a readable YAML file') : new ConfigError(file, '(syntax)', (err as Error).message.split('\n')[0], 'valid YAML');
  }
  const list = (doc as { specialties?: unknown } | null)?.specialties;
  if (!Array.isArray(list)) throw new ConfigError(file, 'specialties', list, 'a list');
  const out: Specialty[] = [];
  const problems: ConfigProblem[] = unknownKeys(file, doc as Record<string, unknown>, ['source', 'specialties']);
  const problem = (key: string, found: unknown, expected: string) => problems.push({ file, key, found, expected });
  for (const [i, s] of list.entries()) {
    const e = s as Record<string, unknown>;
    const where = `specialties[${i}]`;
    if (typeof e === 'object' && e !== null) problems.push(...unknownKeys(file, e, ['code', 'name', 'retired', 'successors'], `${where}.`));
    if (typeof e?.code !== 'number' || !Number.isInteger(e.code)) problem(`${where}.code`, e?.code, 'an integer');
    if (typeof e?.name !== 'string' || !e.name.trim()) problem(`${where}.name`, e?.name, 'a name');
    const successors = Array.isArray(e?.successors) ? (e.successors as number[]) : [];
    if (e?.retired === true && successors.length === 0) problem(`${where}.successors`, e?.successors, 'the codes that replaced a retired specialty');
    if (out.some((x) => x.code === e?.code)) problem(`${where}.code`, e?.code, 'each code once');
    out.push({ code: e?.code as number, name: String(e?.name ?? '').trim(), retired: e?.retired === true, successors });
  }
  for (const [i, s] of out.entries()) {
    for (const c of s.successors) if (!out.some((x) => x.code === c && !x.retired)) problem(`specialties[${i}].successors`, c, 'the code of an active specialty');
  }
  if (problems.length) throw ConfigError.of(problems);
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

// Builds the tables a quality run reads (work.<kind>, core.<kind>, ref.clinics)
// directly in an in-memory database, so the engine is tested without the pipeline.
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../../transforms/db/connection.ts';

export const kinds = ['diagnoser', 'epikriser', 'billeddiagnostiske_epikriser', 'notater', 'laboratoriesvar'] as const;

/** work.<kind> as the contract has it: core's columns, all nullable, plus row_id. */
export async function createWorkTables(conn: DuckDBConnection, only: readonly string[] = kinds): Promise<void> {
  for (const k of only) {
    await conn.run(`create or replace table work.${k} as select *, null::bigint as row_id, null::varchar as unresolved_reason from core.${k} limit 0`);
  }
}

export async function dropWorkTables(conn: DuckDBConnection): Promise<void> {
  for (const k of kinds) await conn.run(`drop table if exists work.${k}`);
}

type Row = Record<string, string | number | boolean | null | Date>;

function literal(v: Row[string]): string {
  if (v == null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return `TIMESTAMPTZ '${v.toISOString()}'`;
  return sqlString(v);
}

export async function insertRows(conn: DuckDBConnection, table: string, rows: readonly Row[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200) {
    const selects = rows.slice(i, i + 200).map((r) => `select ${Object.entries(r).map(([k, v]) => `${literal(v)} as "${k}"`).join(', ')}`);
    await conn.run(`insert into ${table} by name (${selects.join('\nunion all by name\n')})`);
  }
}

export const clinicA = '61741000016007';
export const clinicB = '12345610000160';

export async function insertClinics(conn: DuckDBConnection, enrolledOn = '2024-11-25'): Promise<void> {
  await insertRows(conn, 'ref.clinics', [
    { sor_code: clinicA, ydernummer: '004391', name: 'Øjenlægerne Køge', specialty: 19, registered_specialty: 19, journal_system: 'NOVAX', enrolled_on: enrolledOn },
    { sor_code: clinicB, ydernummer: '012345', name: 'Hudklinikken Vejle', specialty: 4, registered_specialty: 4, journal_system: 'DMDC', enrolled_on: enrolledOn },
  ]);
}

let seq = 0;
/** A valid diagnosis row; override what a test is about. */
export function diagnosis(over: Row = {}): Row {
  seq++;
  const system = (over.journal_system as string) ?? 'NOVAX';
  const id = (over.record_id as string) ?? `D${seq}`;
  return {
    row_id: seq,
    record_key: `${system}:${id}`,
    journal_system: system,
    record_id: id,
    sor_code: clinicA,
    ydernummer: '004391',
    specialty: 19,
    patient: `P${String(seq).padStart(8, '0')}`,
    code: 'DH353',
    code_raw: 'DH353',
    kind: 'A',
    kind_raw: 'A',
    contact_date: '2026-03-02',
    content_hash: `h${seq}`,
    source_file: 'novax/novax_diagnoser_2026-03.csv',
    source_line: seq + 1,
    file_hash: 'f1',
    batch_id: 'b1',
    run_id: 'r1',
    ...over,
  };
}

export function epikrise(over: Row = {}): Row {
  seq++;
  const system = (over.journal_system as string) ?? 'NOVAX';
  const id = (over.record_id as string) ?? `E${seq}`;
  return {
    row_id: seq,
    record_key: `${system}:${id}`,
    journal_system: system,
    record_id: id,
    sor_code: clinicA,
    ydernummer: '004391',
    specialty: 19,
    patient: `P${String(seq).padStart(8, '0')}`,
    written_date: '2026-03-02',
    title: 'Epikrise',
    text: 'Patienten er set i klinikken.',
    content_hash: `h${seq}`,
    source_file: 'novax/novax_epikriser_2026-03.csv',
    source_line: seq + 1,
    file_hash: 'f2',
    batch_id: 'b1',
    run_id: 'r1',
    ...over,
  };
}

// Builds core.diagnoser and ref.clinics directly, from a table of counts per clinic and month,
// so that every expected share in the campaign tests can be computed by hand.
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows, sqlString } from '../../transforms/db/connection.ts';

export interface FixtureClinic {
  readonly sor: string;
  readonly name: string;
  readonly system: string;
  readonly specialty: number;
  /** The register's journal system when it differs from the delivering one (null: none registered). */
  readonly registered?: string | null;
}

/** n diagnoses of one clinic in one month, of which a are A and b are B (the rest unmarked). */
export interface FixtureCell {
  readonly sor: string;
  readonly month: string;
  readonly n: number;
  readonly a: number;
  readonly b: number;
}

/** A value for a NOT NULL column the fixture knows nothing about (the schema may grow). */
function filler(type: string): string {
  const t = type.toUpperCase();
  if (t.startsWith('VARCHAR')) return `'fixture'`;
  if (t.startsWith('DATE')) return `date '2025-01-01'`;
  if (t.startsWith('TIMESTAMP')) return `timestamptz '2025-01-01 00:00:00+00'`;
  if (t.startsWith('BOOLEAN')) return 'false';
  if (t.endsWith('[]')) return '[]';
  return '0';
}

/** One diagnosis: a patient's record at a clinic on a day, marked A, B or not at all. */
export interface FixtureRecord {
  readonly sor: string;
  readonly patient: string;
  /** YYYY-MM-DD */
  readonly date: string;
  readonly kind: 'A' | 'B' | null;
}

async function insertClinics(conn: DuckDBConnection, clinics: readonly FixtureClinic[]): Promise<Map<string, FixtureClinic>> {
  for (const c of clinics) {
    await conn.run(
      `insert into ref.clinics (sor_code, name, specialty, registered_specialty, journal_system)
       values (${sqlString(c.sor)}, ${sqlString(c.name)}, ${c.specialty}, ${c.specialty > 80 ? 8 : c.specialty}, ${c.registered === null ? 'null' : sqlString(c.registered ?? c.system)})`,
    );
  }
  return new Map(clinics.map((c) => [c.sor, c]));
}

/** Inserts into core.diagnoser from `from`, with the columns given by `known` and a filler for every other NOT NULL one. */
async function insertDiagnoses(conn: DuckDBConnection, known: Record<string, string>, from: string): Promise<void> {
  const columns = await queryRows<{ column_name: string; is_nullable: string; data_type: string }>(
    conn,
    `select column_name, is_nullable, data_type from information_schema.columns
     where table_schema = 'core' and table_name = 'diagnoser' order by ordinal_position`,
  );
  const chosen = columns.filter((c) => c.column_name in known || c.is_nullable === 'NO');
  const select = chosen.map((c) => `${known[c.column_name] ?? filler(c.data_type)} as ${c.column_name}`).join(', ');
  await conn.run(`insert into core.diagnoser (${chosen.map((c) => c.column_name).join(', ')}) select ${select} from ${from}`);
}

export async function loadFixture(conn: DuckDBConnection, clinics: readonly FixtureClinic[], cells: readonly FixtureCell[]): Promise<void> {
  const bySor = await insertClinics(conn, clinics);
  const known: Record<string, string> = {
    record_key: `cell.system || ':' || cell.sor || '-' || cell.month || '-' || i`,
    journal_system: 'cell.system',
    record_id: `cell.sor || '-' || cell.month || '-' || i`,
    sor_code: 'cell.sor',
    specialty: 'cell.specialty',
    patient: `'P' || (i % 7)`,
    code: `'DH353'`,
    code_raw: `'H35.3'`,
    kind: `case when i < cell.a then 'A' when i < cell.a + cell.b then 'B' end`,
    kind_raw: `case when i < cell.a then 'A' when i < cell.a + cell.b then 'B' end`,
    // spread over the month's first 28 days
    contact_date: `cast(cell.month || '-01' as date) + cast(i % 28 as integer)`,
    source_file: `'fixture.csv'`,
    source_line: 'i + 2',
    file_hash: `'fixture'`,
    batch_id: `'b-fixture'`,
    run_id: `'r-fixture'`,
  };
  const values = cells
    .filter((c) => c.n > 0)
    .map((c) => {
      const clinic = bySor.get(c.sor);
      if (!clinic) throw new Error(`fixture cell for unknown clinic: ${c.sor}`);
      if (c.a + c.b > c.n) throw new Error(`fixture cell has more marked than diagnoses: ${c.sor} ${c.month}`);
      return `(${sqlString(c.sor)}, ${sqlString(clinic.system)}, ${clinic.specialty}, ${sqlString(c.month)}, ${c.n}, ${c.a}, ${c.b})`;
    });
  if (values.length === 0) return;
  await insertDiagnoses(conn, known, `(values ${values.join(', ')}) as cell(sor, system, specialty, month, n, a, b), range(cell.n) as r(i)`);
}

/** The register and one core.diagnoser row per record, each with its own patient and day. */
export async function loadRecords(conn: DuckDBConnection, clinics: readonly FixtureClinic[], records: readonly FixtureRecord[]): Promise<void> {
  const bySor = await insertClinics(conn, clinics);
  const values = records.map((r, i) => {
    const clinic = bySor.get(r.sor);
    if (!clinic) throw new Error(`fixture record for unknown clinic: ${r.sor}`);
    return `(${i}, ${sqlString(r.sor)}, ${sqlString(clinic.system)}, ${clinic.specialty}, ${sqlString(r.patient)}, date ${sqlString(r.date)}, ${r.kind === null ? 'null' : sqlString(r.kind)})`;
  });
  if (values.length === 0) return;
  await insertDiagnoses(conn, {
    record_key: `'rec-' || rec.i`,
    journal_system: 'rec.system',
    record_id: `'rec-' || rec.i`,
    sor_code: 'rec.sor',
    specialty: 'rec.specialty',
    patient: 'rec.patient',
    code: `'DH353'`,
    code_raw: `'H35.3'`,
    kind: 'rec.kind',
    kind_raw: 'rec.kind',
    contact_date: 'rec.date',
    source_file: `'fixture.csv'`,
    source_line: 'rec.i + 2',
    file_hash: `'fixture'`,
    batch_id: `'b-fixture'`,
    run_id: `'r-fixture'`,
  }, `(values ${values.join(', ')}) as rec(i, sor, system, specialty, patient, date, kind)`);
}

/** The known mix most campaign tests use; expected figures are in the comment. */
export const clinics: FixtureClinic[] = [
  { sor: '100000000000001', name: 'Øjenklinik Nord', system: 'NOVAX', specialty: 19 },
  { sor: '100000000000002', name: 'Gynækolog Syd', system: 'NOVAX', specialty: 7 },
  { sor: '100000000000003', name: 'Mave-tarm Vest', system: 'EG Clinea', specialty: 81 },
  { sor: '100000000000004', name: 'Hudklinik Øst', system: 'DMDC', specialty: 4 },
  { sor: '100000000000005', name: 'Lille Øjenklinik', system: 'NOVAX', specialty: 19 },
];

//                     Jan n/A/B     Feb n/A/B     Mar n/A/B
// 1 NOVAX 19          100/50/10     100/60/10     120/84/12
// 2 NOVAX 7            50/10/5       50/20/5       50/30/0
// 3 EG Clinea 81       40/20/0       40/24/4       40/30/2
// 4 DMDC 4             60/0/0        90/0/0        60/0/0     (cannot mark)
// 5 NOVAX 19 (tiny)     1/1/0         3/0/0         -
// national            251/81/15     283/104/19    270/144/14  whole 804/329/48
export const cells: FixtureCell[] = [
  { sor: '100000000000001', month: '2025-01', n: 100, a: 50, b: 10 },
  { sor: '100000000000001', month: '2025-02', n: 100, a: 60, b: 10 },
  { sor: '100000000000001', month: '2025-03', n: 120, a: 84, b: 12 },
  { sor: '100000000000002', month: '2025-01', n: 50, a: 10, b: 5 },
  { sor: '100000000000002', month: '2025-02', n: 50, a: 20, b: 5 },
  { sor: '100000000000002', month: '2025-03', n: 50, a: 30, b: 0 },
  { sor: '100000000000003', month: '2025-01', n: 40, a: 20, b: 0 },
  { sor: '100000000000003', month: '2025-02', n: 40, a: 24, b: 4 },
  { sor: '100000000000003', month: '2025-03', n: 40, a: 30, b: 2 },
  { sor: '100000000000004', month: '2025-01', n: 60, a: 0, b: 0 },
  { sor: '100000000000004', month: '2025-02', n: 90, a: 0, b: 0 },
  { sor: '100000000000004', month: '2025-03', n: 60, a: 0, b: 0 },
  { sor: '100000000000005', month: '2025-01', n: 1, a: 1, b: 0 },
  { sor: '100000000000005', month: '2025-02', n: 3, a: 0, b: 0 },
];

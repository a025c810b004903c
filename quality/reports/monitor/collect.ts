// The two monitoring tables of the status report, computed from the published data by the
// query models transforms/marts/monitor_by_system.sql and monitor_by_specialty.sql, and
// reconciled with each other (render.ts shows them).
import type { DuckDBConnection } from '@duckdb/node-api';
import { UsageError } from '../../../config/errors.ts';
import { isReadOnly, queryRows, sqlString } from '../../../transforms/db/connection.ts';
import { loadSpecialties, writeSpecialtyTable } from '../../../transforms/reference/specialties.ts';
import { runLayer } from '../../../transforms/run.ts';

export type MonitorBy = 'system' | 'specialty';
export type MonitorFormat = 'table' | 'csv' | 'md' | 'json';

/** The seed's column headers, in order. Klinikker and Patienter are distinct counts. */
export const MEASURES = ['Klinikker', 'Patienter', 'Diagnoser', 'A-Diagnoser', 'B-diagnoser', 'Epikriser', 'B-Epikriser'] as const;
export type Measure = (typeof MEASURES)[number];
export const DISTINCT: readonly Measure[] = ['Klinikker', 'Patienter'];
export const ADDITIVE: readonly Measure[] = ['Diagnoser', 'A-Diagnoser', 'B-diagnoser', 'Epikriser', 'B-Epikriser'];

const SQL_COLUMN: Record<Measure, string> = {
  Klinikker: 'klinikker',
  Patienter: 'patienter',
  Diagnoser: 'diagnoser',
  'A-Diagnoser': 'a_diagnoser',
  'B-diagnoser': 'b_diagnoser',
  Epikriser: 'epikriser',
  'B-Epikriser': 'b_epikriser',
};

export type Figures = Record<Measure, number>;

export interface MonitorRow extends Figures {
  /** Journal system name, or specialty code as text. */
  readonly key: string;
  /** Specialenavn (specialty table only). */
  readonly name?: string;
}

export interface MonitorTable {
  readonly by: MonitorBy;
  /** First column headers: JournalSystem, or Speciale + Specialenavn. */
  readonly keyColumns: readonly string[];
  readonly rows: readonly MonitorRow[];
  readonly total: MonitorRow;
  /** Clinics without a journal system (system table) or without a specialty (specialty table). */
  readonly unregistered: (Figures & { readonly key: string }) | null;
  /** Specialty table: the sum of the per-row patient counts (the report's Hovedtotal). */
  readonly patientsSumOfRows?: number;
}

export interface Reconciliation {
  readonly column: Measure;
  readonly systemTotal: number;
  readonly specialtyTotal: number;
  readonly difference: number;
  /** What clinics without a registered journal system published: in the specialty table only. */
  readonly unregisteredClinics: number;
  /** Should be 0. */
  readonly unexplained: number;
}

export interface MonitorReport {
  readonly period: { readonly from: string | null; readonly to: string | null };
  readonly system: MonitorTable;
  readonly specialty: MonitorTable;
  readonly reconciliation: readonly Reconciliation[];
  readonly notes: readonly string[];
}

/** `YYYY-MM` -> the first day of that month; anything else is an error that names the value. */
export function parseMonth(value: string, option: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(value);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw new UsageError(option, value, 'a month as yyyy-mm');
  return `${m[1]}-${m[2]}-01`;
}

function figures(r: Record<string, unknown>): Figures {
  const out = {} as Figures;
  for (const m of MEASURES) out[m] = Number(r[SQL_COLUMN[m]] ?? 0);
  return out;
}

const ZERO: Figures = { Klinikker: 0, Patienter: 0, Diagnoser: 0, 'A-Diagnoser': 0, 'B-diagnoser': 0, Epikriser: 0, 'B-Epikriser': 0 };

/** Computes both tables over [from, to] (months, inclusive; null = no limit) on the published data. */
export async function computeMonitor(conn: DuckDBConnection, from: string | null, to: string | null): Promise<MonitorReport> {
  // specialty names come from config/reference/specialties.yaml when the database has none yet
  // (one that never staged a file; opened read-only, it is not written to)
  const named = await queryRows<{ n: bigint }>(conn, `select count(*) as n from ref.specialties`);
  if (Number(named[0]!.n) === 0 && !(await isReadOnly(conn))) await writeSpecialtyTable(conn, await loadSpecialties());

  const { rows } = await runLayer(conn, 'marts', {
    select: 'monitor_*',
    variables: {
      monitor_from: from ? `date ${sqlString(from)}` : 'null',
      monitor_to: to ? `date ${sqlString(to)}` : 'null',
    },
  });
  const sys = rows.get('monitor_by_system')!;
  const spec = rows.get('monitor_by_specialty')!;
  const pick = (rows: Record<string, unknown>[], kind: string) => rows.filter((r) => r.row_kind === kind);

  const systemTable: MonitorTable = {
    by: 'system',
    keyColumns: ['JournalSystem'],
    rows: pick(sys, 'group').map((r) => ({ key: String(r.journal_system), ...figures(r) })),
    total: { key: 'Total', ...(pick(sys, 'total')[0] ? figures(pick(sys, 'total')[0]!) : ZERO) },
    unregistered: pick(sys, 'unregistered')[0] ? { key: 'uden journalsystem', ...figures(pick(sys, 'unregistered')[0]!) } : null,
  };
  const specTotal = pick(spec, 'total')[0];
  const specialtyTable: MonitorTable = {
    by: 'specialty',
    keyColumns: ['Speciale', 'Specialenavn'],
    rows: pick(spec, 'group').map((r) => ({ key: String(r.specialty), name: r.specialenavn == null ? '' : String(r.specialenavn), ...figures(r) })),
    total: { key: 'Hovedtotal', name: '', ...(specTotal ? figures(specTotal) : ZERO) },
    unregistered: pick(spec, 'unregistered')[0] ? { key: 'uden speciale', ...figures(pick(spec, 'unregistered')[0]!) } : null,
    patientsSumOfRows: specTotal ? Number(specTotal.patienter_sum_of_rows ?? 0) : 0,
  };

  const reconciliation = ADDITIVE.map((column) => {
    const systemTotal = systemTable.total[column];
    const specialtyTotal = specialtyTable.total[column];
    const unregisteredClinics = systemTable.unregistered?.[column] ?? 0;
    return { column, systemTotal, specialtyTotal, difference: specialtyTotal - systemTotal, unregisteredClinics, unexplained: specialtyTotal - systemTotal - unregisteredClinics };
  });

  const rowSum = (t: MonitorTable, m: Measure) => t.rows.reduce((s, r) => s + r[m], 0);
  const notes: string[] = [
    'Klinikker and Patienter are distinct counts: they do not add up over rows. Diagnoser, A-Diagnoser, B-diagnoser, Epikriser and B-Epikriser are additive.',
    `Journal system table: a clinic belongs to the system its register row names. The system rows add up to ${rowSum(systemTable, 'Klinikker')} clinics; Total counts all ${systemTable.total.Klinikker} clinics that delivered, ` +
      (systemTable.unregistered
        ? `including ${systemTable.unregistered.Klinikker} whose register row names no journal system (${systemTable.unregistered.Diagnoser} diagnoser, ${systemTable.unregistered['A-Diagnoser']} A, ${systemTable.unregistered['B-diagnoser']} B, ${systemTable.unregistered.Epikriser} epikriser, ${systemTable.unregistered['B-Epikriser']} B-epikriser, ${systemTable.unregistered.Patienter} patients). Its records are in no system row and not in the additive totals, which are the sums of the system rows.`
        : 'all of them with a registered journal system.'),
    `Specialty table: every clinic has a specialty (8 split into 81/82/83). Hovedtotal counts each patient once (${specialtyTable.total.Patienter}); the rows add up to ${specialtyTable.patientsSumOfRows}, as patients seen in more than one specialty count once per specialty.`,
    reconciliation.every((r) => r.unexplained === 0)
      ? 'Reconciliation: the additive totals of the two tables differ by exactly what the clinics without a journal system published.'
      : `Reconciliation: UNEXPLAINED differences between the tables: ${reconciliation.filter((r) => r.unexplained !== 0).map((r) => `${r.column} ${r.unexplained}`).join(', ')}.`,
  ];
  if (specialtyTable.unregistered) notes.push(`${specialtyTable.unregistered.Klinikker} clinic(s) published records but are missing from the register (no specialty): counted in both tables' totals only.`);
  return { period: { from: from?.slice(0, 7) ?? null, to: to?.slice(0, 7) ?? null }, system: systemTable, specialty: specialtyTable, reconciliation, notes };
}

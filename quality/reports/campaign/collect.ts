// Runs the campaign's SQL models (transforms/marts/campaign_*.sql) through the transform runner
// and reads their results back as typed rows. All arithmetic is in the SQL; this file only
// passes the variables the models read and converts DuckDB values to plain numbers and
// 'YYYY-MM' strings.
import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows, sqlString } from '../../../transforms/db/connection.ts';
import { loadTemporaryMacros } from '../../../transforms/macros.ts';
import { runLayer } from '../../../transforms/run.ts';

export interface CampaignSettings {
  /** First month of the period, 'YYYY-MM'; undefined = from the first diagnosis. */
  readonly from?: string;
  /** Last month of the period, 'YYYY-MM'; undefined = to the last diagnosis. */
  readonly to?: string;
  /** First month of the campaign, 'YYYY-MM'; undefined = the first month of the period. */
  readonly start?: string;
  /** The A-share FAPS aims for, 0..1. */
  readonly target: number;
  /** Fewest diagnoses a clinic needs in each 3-month window to be ranked as improved or fallen back. */
  readonly minClinicDiagnoses: number;
  /** Fewest diagnoses a cell (a group in a month or the period) needs to be drawn in full and ranked; default 30. */
  readonly minCellDiagnoses?: number;
}

export type Level = 'national' | 'national_marking' | 'national_registered' | 'journal_system' | 'specialty' | 'clinic';

export interface ShareRow {
  readonly level: Level;
  readonly group_key: string;
  /** 'YYYY-MM', or null for the whole period. */
  readonly month: string | null;
  readonly diagnoses: number;
  readonly a_diagnoses: number;
  readonly b_diagnoses: number;
  readonly marked: number;
  readonly a_share: number;
  readonly a_low: number;
  readonly a_high: number;
  readonly marked_share: number;
  readonly marked_low: number;
  readonly marked_high: number;
  /** Contacts (patient, clinic, date), and those with exactly one A. */
  readonly contacts: number;
  readonly contacts_one_a: number;
  /** contacts_one_a over contacts; null without contacts. */
  readonly contact_a_share: number | null;
  readonly contact_a_low: number | null;
  readonly contact_a_high: number | null;
  readonly cannot_mark: boolean;
}

export interface ShiftShareRow {
  readonly month: string;
  readonly previous_month: string;
  readonly previous_a_share: number;
  readonly a_share: number;
  readonly observed_change: number;
  readonly within: number;
  readonly mix: number;
  readonly residual: number;
}

export interface ShiftShareGroupRow {
  readonly month: string;
  readonly previous_month: string;
  readonly journal_system: string;
  readonly specialty: string;
  readonly previous_diagnoses: number;
  readonly diagnoses: number;
  readonly previous_a_share: number;
  readonly a_share: number;
  readonly within: number;
  readonly mix: number;
}

export interface TrendRow {
  readonly level: 'national' | 'national_marking';
  readonly start_month: string;
  readonly target: number | null;
  readonly months: number;
  /** The first month fitted: the start month, or the period's first month after it (--from). */
  readonly first_month: string;
  readonly last_month: string;
  /** The A-share of the last month. */
  readonly last_share: number | null;
  /** Change of the A-share per month (share units, 0.01 = one percentage point). */
  readonly slope: number | null;
  readonly intercept: number | null;
  readonly r2: number | null;
  readonly fitted_last: number | null;
  /** First month from the start on whose actual share is at or above the target. */
  readonly reached_month: string | null;
  /** First month the fitted line reaches the target; null when it does not rise. */
  readonly projected_month: string | null;
  /** The projected month's 95% interval (Fieller); null when the slope is not clearly above zero. */
  readonly projected_early: string | null;
  readonly projected_late: string | null;
}

export interface ClinicChangeRow {
  readonly sor_code: string;
  readonly baseline_diagnoses: number;
  readonly baseline_a: number;
  readonly baseline_share: number;
  readonly recent_diagnoses: number;
  readonly recent_a: number;
  readonly recent_share: number;
  readonly change: number;
}

export interface ClinicRow {
  readonly sor_code: string;
  readonly name: string | null;
  readonly journal_system: string;
  readonly specialty: number | null;
  readonly diagnoses: number;
}

export interface CampaignData {
  readonly settings: CampaignSettings;
  /** Every month of the period that has diagnoses, ascending. */
  readonly months: readonly string[];
  /** The campaign start actually used ('YYYY-MM'). */
  readonly startMonth: string;
  readonly shares: readonly ShareRow[];
  readonly shiftShare: readonly ShiftShareRow[];
  readonly shiftShareGroups: readonly ShiftShareGroupRow[];
  readonly trend: readonly TrendRow[];
  readonly clinicChange: readonly ClinicChangeRow[];
  readonly clinics: readonly ClinicRow[];
  /** Specialty code -> name, from ref.specialties. */
  readonly specialtyNames: ReadonlyMap<string, string>;
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** 'YYYY-MM' -> a DuckDB date literal of its first day; throws on anything else. */
export function monthLiteral(month: string): string {
  if (!MONTH.test(month)) throw new Error(`bad month: ${month} (expected YYYY-MM)`);
  return `date ${sqlString(`${month}-01`)}`;
}

/** Builds the campaign models as tables marts.campaign_* on `conn` (temporary ones on a read-only database) and reads them. */
export async function computeCampaign(conn: DuckDBConnection, settings: CampaignSettings): Promise<CampaignData> {
  if (!(settings.target > 0 && settings.target <= 1)) throw new Error(`bad target: ${settings.target} (expected a share above 0 and at most 1)`);
  // The shared macros the models call, on this connection: the database may be read-only or older than them.
  for (const file of ['wilson.sql', 'student_t.sql']) await loadTemporaryMacros(conn, file);
  const { tables } = await runLayer(conn, 'marts', {
    select: 'campaign_*',
    variables: {
      campaign_from: settings.from ? monthLiteral(settings.from) : 'null',
      campaign_to: settings.to ? monthLiteral(settings.to) : 'null',
      campaign_start: settings.start ? monthLiteral(settings.start) : 'null',
      campaign_target: String(settings.target),
      campaign_min_diagnoses: String(Math.max(1, Math.trunc(settings.minClinicDiagnoses))),
    },
  });
  const model = (name: string) => tables.get(name)!;

  // Every calendar month from the first with diagnoses to the last, those without any too: a month
  // in which nothing was delivered is a gap in the charts and tables, not two neighbours joined.
  const months = (await queryRows<{ month: string }>(conn, `select strftime(m, '%Y-%m') as month
     from (select min(month) as first, max(month) as last from ${model('campaign_cells')}) as span,
          range(span.first, span.last + interval 1 month, interval 1 month) as r(m)
     order by 1`)).map((r) => r.month);
  const shares = await queryRows<ShareRow>(
    conn,
    `select level, group_key, strftime(month, '%Y-%m') as month,
            cast(diagnoses as double) as diagnoses, cast(a_diagnoses as double) as a_diagnoses,
            cast(b_diagnoses as double) as b_diagnoses, cast(marked as double) as marked,
            a_share, a_low, a_high, marked_share, marked_low, marked_high,
            cast(contacts as double) as contacts, cast(contacts_one_a as double) as contacts_one_a,
            contact_a_share, contact_a_low, contact_a_high, cannot_mark
     from ${model('campaign_shares')}
     order by level, group_key, month nulls first`,
  );
  const shiftShare = await queryRows<ShiftShareRow>(
    conn,
    `select strftime(month, '%Y-%m') as month, strftime(previous_month, '%Y-%m') as previous_month,
            previous_a_share, a_share, observed_change, within, mix, residual
     from ${model('campaign_shift_share')} order by month`,
  );
  const shiftShareGroups = await queryRows<ShiftShareGroupRow>(
    conn,
    `select strftime(month, '%Y-%m') as month, strftime(previous_month, '%Y-%m') as previous_month,
            journal_system, specialty, cast(previous_diagnoses as double) as previous_diagnoses,
            cast(diagnoses as double) as diagnoses, previous_a_share, a_share, within, mix
     from ${model('campaign_shift_share_groups')} order by month, journal_system, specialty`,
  );
  const trend = await queryRows<TrendRow>(
    conn,
    `select level, strftime(start_month, '%Y-%m') as start_month, target, cast(months as integer) as months,
            strftime(first_month, '%Y-%m') as first_month, strftime(last_month, '%Y-%m') as last_month, last_share, slope, intercept, r2, fitted_last,
            strftime(reached_month, '%Y-%m') as reached_month, strftime(projected_month, '%Y-%m') as projected_month,
            strftime(projected_early, '%Y-%m') as projected_early, strftime(projected_late, '%Y-%m') as projected_late
     from ${model('campaign_trend')} order by level`,
  );
  const clinicChange = await queryRows<ClinicChangeRow>(
    conn,
    `select sor_code, cast(baseline_diagnoses as double) as baseline_diagnoses, cast(baseline_a as double) as baseline_a,
            baseline_share, cast(recent_diagnoses as double) as recent_diagnoses, cast(recent_a as double) as recent_a,
            recent_share, change
     from ${model('campaign_clinic_change')} order by sor_code`,
  );
  const clinics = await queryRows<ClinicRow>(
    conn,
    `select sor_code, name, journal_system, specialty, cast(diagnoses as double) as diagnoses from ${model('campaign_clinics')} order by sor_code`,
  );
  const names = await queryRows<{ specialty: string; name: string }>(conn, `select cast(specialty as varchar) as specialty, name from ref.specialties`);
  const startMonth = settings.start ?? months[0] ?? settings.from ?? '';
  return {
    settings,
    months,
    startMonth,
    shares,
    shiftShare,
    shiftShareGroups,
    trend,
    clinicChange,
    clinics,
    specialtyNames: new Map(names.map((n) => [n.specialty, n.name])),
  };
}

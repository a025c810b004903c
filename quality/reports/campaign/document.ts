// The campaign report as one JSON-able document. The HTML, the CSV files and `--json` are all
// rendered from it, so the shareable rules (pseudonymised clinics, counts 1-4 suppressed) are
// applied once, here, and no output can leak what another hides.
import type { CampaignData, ClinicChangeRow, ShareRow, TrendRow } from './collect.ts';
import { Pseudonymiser, isSmallCount, protectShare, suppressCount } from '../../report-kit/suppress.ts';

/** One group in one month, or over the whole period. Null = suppressed (shareable) or undefined. */
export interface Share {
  readonly month?: string;
  readonly diagnoses: number | null;
  readonly a_diagnoses: number | null;
  readonly b_diagnoses: number | null;
  readonly marked_diagnoses: number | null;
  readonly a_share: number | null;
  readonly a_share_low: number | null;
  readonly a_share_high: number | null;
  readonly marked_share: number | null;
  readonly marked_share_low: number | null;
  readonly marked_share_high: number | null;
}

export interface Series {
  readonly whole_period: Share;
  /** Months with diagnoses, ascending. */
  readonly months: readonly Share[];
}

export interface ChangeSinceStart {
  readonly from_month: string;
  readonly to_month: string;
  readonly from_a_share: number | null;
  readonly to_a_share: number | null;
  /** to - from, in share units (0.01 = one percentage point). */
  readonly change: number | null;
}

export interface Trend {
  readonly fitted_from: string;
  readonly fitted_to: string;
  readonly months: number;
  /** Percentage points per month. */
  readonly slope_points_per_month: number | null;
  readonly r2: number | null;
  readonly fitted_last: number | null;
  readonly reached_month: string | null;
  readonly projected_month: string | null;
  /** One sentence: when the target is (or would be) reached, or why not. */
  readonly verdict: string;
}

export interface ShiftShareMonth {
  readonly month: string;
  readonly previous_month: string;
  readonly previous_a_share: number;
  readonly a_share: number;
  readonly observed_change: number;
  readonly within: number;
  readonly mix: number;
  readonly residual: number;
  /** The groups (journal system x specialty) that moved the share most this month. */
  readonly top_groups: readonly { readonly journal_system: string; readonly specialty: string; readonly within: number; readonly mix: number }[];
}

export interface ClinicSeries extends Series {
  /** The SOR code, or a pseudonym in a shareable report. */
  readonly clinic: string;
  readonly name: string | null;
  readonly journal_system: string | null;
  readonly specialty: number | null;
}

export interface ClinicPick {
  readonly clinic: string;
  readonly name: string | null;
  readonly journal_system: string | null;
  readonly specialty: number | null;
  readonly diagnoses: number | null;
  readonly a_share: number | null;
  /** A-diagnoses short of the target over the period (below-target list only). */
  readonly a_short_of_target?: number | null;
  readonly baseline_a_share?: number | null;
  readonly recent_a_share?: number | null;
  readonly change?: number | null;
  /** Monthly A-share over every month of the period (null = none or suppressed), for a sparkline. */
  readonly trend: readonly (number | null)[];
}

export interface CampaignDocument {
  readonly report: 'campaign';
  readonly generated_at: string;
  readonly shareable: boolean;
  readonly period: { readonly from: string | null; readonly to: string | null; readonly months: readonly string[] };
  readonly target: number;
  readonly campaign_start: string;
  readonly methods: Readonly<Record<string, string>>;
  readonly national: Series & {
    readonly without_non_marking: Series;
    /** Clinics with a journal system in the register: the status report's per-system total. */
    readonly registered_systems: Series;
    readonly change_since_start: ChangeSinceStart | null;
    readonly trend: Trend | null;
    readonly trend_without_non_marking: Trend | null;
    readonly shift_share: readonly ShiftShareMonth[];
  };
  /** Systems that delivered no A and no B at all in the period. */
  readonly non_marking_systems: readonly string[];
  readonly journal_systems: readonly (Series & { readonly journal_system: string; readonly cannot_mark: boolean; readonly change_since_start: ChangeSinceStart | null })[];
  readonly specialties: readonly (Series & { readonly specialty: string; readonly name: string | null; readonly change_since_start: ChangeSinceStart | null })[];
  readonly clinics: readonly ClinicSeries[];
  readonly focus: {
    readonly below_target: readonly ClinicPick[];
    readonly improved: readonly ClinicPick[];
    readonly fell_back: readonly ClinicPick[];
  };
}

export interface DocumentOptions {
  readonly shareable: boolean;
  /** Required when shareable. */
  readonly pseudonymiser?: Pseudonymiser;
  readonly generatedAt?: Date;
  /** Length of each focus list. */
  readonly listLength?: number;
}

const METHODS = {
  a_share: 'A-diagnoses (aktionsdiagnose) over all diagnoses, by contact month.',
  marked_share: 'A- plus B-diagnoses over all diagnoses; the rest arrived unmarked.',
  interval: 'Wilson score interval, 95% (z = 1.96).',
  national: 'Every published diagnosis. national.registered_systems counts only clinics with a journal system in the register, as the status report\'s per-system table does; the difference is the clinics registered without one.',
  non_marking: 'A journal system with no A and no B in the whole period cannot mark; it is listed apart and the national share is also given without it.',
  change_since_start: 'A-share in the last month minus the A-share in the campaign start month (or the first month after it with diagnoses).',
  trend: 'Ordinary least-squares line through the monthly national A-shares from the campaign start month to the last month, each month weighted equally; the projected month is the first whole month where the line reaches the target (none when the line does not rise; needs 3 months).',
  shift_share:
    'Month-on-month change of the national A-share split over groups (journal system x specialty): within = sum of average weight x change in the group\'s A-share; mix = sum of average A-share x change in the group\'s weight (its share of all diagnoses). The two add up to the observed change exactly (residual is floating-point rounding). A group present in only one of the two months counts wholly as mix.',
  clinic_change: 'A clinic\'s A-share in the first three months of the campaign against the last three months of the period; clinics with fewer diagnoses than the minimum in either window are not ranked.',
  below_target: 'Clinics whose A-share over the period is below the target, on systems that can mark, by number of diagnoses.',
};

const SHAREABLE_METHOD =
  'Shareable report: clinics carry pseudonyms (HMAC of the SOR code under a secret key), not SOR codes or names; counts of 1-4 are suppressed, and so is every share whose numerator, complement or denominator is 1-4; a clinic\'s journal system and specialty are shown only where at least 5 clinics share both.';

function rawShare(r: ShareRow): Share {
  // month is always set (undefined for the whole period, which JSON leaves out): a conditional
  // spread here made V8 build every one of these objects the slow way (50 µs each)
  return {
    month: r.month ?? undefined,
    diagnoses: r.diagnoses,
    a_diagnoses: r.a_diagnoses,
    b_diagnoses: r.b_diagnoses,
    marked_diagnoses: r.marked,
    a_share: r.a_share,
    a_share_low: r.a_low,
    a_share_high: r.a_high,
    marked_share: r.marked_share,
    marked_share_low: r.marked_low,
    marked_share_high: r.marked_high,
  };
}

/** Applies the counts 1-4 rule to one share record, including what could be derived from it. */
export function suppressShare(s: Share): Share {
  const n = s.diagnoses ?? 0;
  const a = protectShare(s.a_diagnoses ?? 0, n);
  let marked = protectShare(s.marked_diagnoses ?? 0, n);
  const b = s.b_diagnoses ?? 0;
  // B = marked - A: when B is 1-4 and both A and marked were shown, hide marked too
  if (isSmallCount(b) && !a.suppressed && !marked.suppressed) marked = { numerator: null, denominator: marked.denominator, suppressed: true };
  return {
    month: s.month,
    diagnoses: suppressCount(s.diagnoses),
    a_diagnoses: a.numerator,
    b_diagnoses: suppressCount(s.b_diagnoses),
    marked_diagnoses: marked.numerator,
    a_share: a.suppressed ? null : s.a_share,
    a_share_low: a.suppressed ? null : s.a_share_low,
    a_share_high: a.suppressed ? null : s.a_share_high,
    marked_share: marked.suppressed ? null : s.marked_share,
    marked_share_low: marked.suppressed ? null : s.marked_share_low,
    marked_share_high: marked.suppressed ? null : s.marked_share_high,
  };
}

/** From the first month at or after the start that has data, to the last month of the period. */
function changeBetween(series: Series, start: string, to: string | undefined): ChangeSinceStart | null {
  const first = series.months.find((m) => m.month !== undefined && m.month >= start);
  if (!to || !first?.month || first.month > to) return null;
  const a = first.a_share;
  const b = series.months.find((m) => m.month === to)?.a_share ?? null;
  return { from_month: first.month, to_month: to, from_a_share: a, to_a_share: b, change: a === null || b === null ? null : b - a };
}

function monthLabel(month: string): string {
  const [y, m] = month.split('-');
  const names = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  return `${names[Number(m) - 1]} ${y}`;
}

function trendOf(row: TrendRow | undefined, target: number): Trend | null {
  if (!row) return null;
  const pct = `${Math.round(target * 1000) / 10}%`;
  let verdict: string;
  if (row.reached_month) verdict = `The target of ${pct} was reached in ${monthLabel(row.reached_month)}.`;
  else if (row.months < 3) verdict = `Too few months since the start (${row.months}) to fit a trend.`;
  else if (row.projected_month === null) verdict = `The share is not rising since the start; at this trend the target of ${pct} is not reached.`;
  else verdict = `At the trend since ${monthLabel(row.start_month)} (${((row.slope ?? 0) * 100).toFixed(2)} pp a month), the target of ${pct} would be reached in ${monthLabel(row.projected_month)}.`;
  return {
    fitted_from: row.start_month,
    fitted_to: row.last_month,
    months: row.months,
    slope_points_per_month: row.slope === null ? null : row.slope * 100,
    r2: row.r2,
    fitted_last: row.fitted_last,
    reached_month: row.reached_month,
    projected_month: row.projected_month,
    verdict,
  };
}

/** Builds the report document from computed data, applying the shareable rules when asked. */
export function buildDocument(data: CampaignData, options: DocumentOptions): CampaignDocument {
  const { shareable } = options;
  if (shareable && !options.pseudonymiser) throw new Error('a shareable report needs a pseudonymiser');
  const listLength = options.listLength ?? 15;
  const target = data.settings.target;
  const protect = (s: Share) => (shareable ? suppressShare(s) : s);

  // group the long share table into series per (level, key)
  const series = new Map<string, { whole?: Share; months: Share[]; cannot_mark: boolean }>();
  for (const r of data.shares) {
    const key = `${r.level}\u0000${r.group_key}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = { months: [], cannot_mark: r.cannot_mark }));
    const share = protect(rawShare(r));
    if (r.month === null) s.whole = share;
    else s.months.push(share);
  }
  const empty: Share = protect({
    diagnoses: 0, a_diagnoses: 0, b_diagnoses: 0, marked_diagnoses: 0, a_share: null, a_share_low: null,
    a_share_high: null, marked_share: null, marked_share_low: null, marked_share_high: null,
  });
  const seriesOf = (level: string, key: string): Series & { cannot_mark: boolean } => {
    const s = series.get(`${level}\u0000${key}`);
    return { whole_period: s?.whole ?? empty, months: s?.months ?? [], cannot_mark: s?.cannot_mark ?? false };
  };
  const keysOf = (level: string) => data.shares.filter((r) => r.level === level && r.month === null).map((r) => r.group_key);

  const lastMonth = data.months.at(-1);
  const start = data.startMonth;
  const { cannot_mark: _n, ...national } = seriesOf('national', 'all');
  const { cannot_mark: _m, ...withoutNonMarking } = seriesOf('national_marking', 'all');
  const { cannot_mark: _r, ...registeredRaw } = seriesOf('national_registered', 'all');
  // national minus registered is the clinics registered without a system: when that is 1-4,
  // a shareable report may not show both
  const nationalByMonth = new Map(national.months.map((m) => [m.month, m.diagnoses]));
  const hideIfSmallGap = (s: Share, total: number | null | undefined): Share =>
    shareable && total !== null && total !== undefined && s.diagnoses !== null && isSmallCount(total - s.diagnoses) ? suppressShare({ ...s, diagnoses: 1 }) : s;
  const registeredSystems: Series = {
    whole_period: hideIfSmallGap(registeredRaw.whole_period, national.whole_period.diagnoses),
    months: registeredRaw.months.map((m) => hideIfSmallGap(m, nationalByMonth.get(m.month))),
  };

  const journalSystems = keysOf('journal_system').map((k) => {
    const s = seriesOf('journal_system', k);
    return { journal_system: k, ...s, change_since_start: changeBetween(s, start, lastMonth) };
  });
  const nonMarking = journalSystems.filter((s) => s.cannot_mark).map((s) => s.journal_system);
  const specialties = keysOf('specialty')
    .sort((a, b) => (Number(a) || 1e9) - (Number(b) || 1e9))
    .map((k) => {
      const { cannot_mark: _c, ...s } = seriesOf('specialty', k);
      return { specialty: k, name: data.specialtyNames.get(k) ?? null, ...s, change_since_start: changeBetween(s, start, lastMonth) };
    });

  // clinics: pseudonyms, and system/specialty only where 5 or more clinics share both
  const comboCount = new Map<string, number>();
  for (const c of data.clinics) comboCount.set(`${c.journal_system}\u0000${c.specialty}`, (comboCount.get(`${c.journal_system}\u0000${c.specialty}`) ?? 0) + 1);
  const clinicInfo = new Map(
    data.clinics.map((c) => {
      const showGroup = !shareable || (comboCount.get(`${c.journal_system}\u0000${c.specialty}`) ?? 0) >= 5;
      return [
        c.sor_code,
        {
          clinic: shareable ? options.pseudonymiser!.of(c.sor_code) : c.sor_code,
          name: shareable ? null : c.name,
          journal_system: showGroup ? c.journal_system : null,
          specialty: showGroup ? c.specialty : null,
          realSystem: c.journal_system,
        },
      ];
    }),
  );
  const clinicSeries = new Map<string, Series>();
  for (const c of data.clinics) {
    const { cannot_mark: _c, ...s } = seriesOf('clinic', c.sor_code);
    clinicSeries.set(c.sor_code, s);
  }
  const clinics: ClinicSeries[] = data.clinics
    .map((c) => {
      const info = clinicInfo.get(c.sor_code)!;
      return { clinic: info.clinic, name: info.name, journal_system: info.journal_system, specialty: info.specialty, ...clinicSeries.get(c.sor_code)! };
    })
    .sort((a, b) => a.clinic.localeCompare(b.clinic));

  const trendValues = (sor: string): (number | null)[] => {
    const byMonth = new Map((clinicSeries.get(sor)?.months ?? []).map((m) => [m.month, m.a_share]));
    return data.months.map((m) => byMonth.get(m) ?? null);
  };
  const pick = (sor: string) => {
    const info = clinicInfo.get(sor)!;
    const whole = clinicSeries.get(sor)!.whole_period;
    return {
      clinic: info.clinic, name: info.name, journal_system: info.journal_system, specialty: info.specialty,
      diagnoses: whole.diagnoses, a_share: whole.a_share, trend: trendValues(sor),
    };
  };

  const nonMarkingSet = new Set(nonMarking);
  const clinicWhole = new Map(data.shares.filter((r) => r.level === 'clinic' && r.month === null).map((r) => [r.group_key, r]));
  const belowTarget: ClinicPick[] = data.clinics
    .filter((c) => !nonMarkingSet.has(c.journal_system) && clinicWhole.has(c.sor_code))
    .map((c) => ({ c, raw: clinicWhole.get(c.sor_code)! }))
    .filter(({ raw }) => raw.a_share < target)
    .sort((x, y) => y.raw.diagnoses - x.raw.diagnoses || x.c.sor_code.localeCompare(y.c.sor_code))
    .slice(0, listLength)
    .map(({ c, raw }) => {
      const p = pick(c.sor_code);
      const short = Math.ceil(target * raw.diagnoses - raw.a_diagnoses - 1e-9);
      return { ...p, a_short_of_target: shareable ? suppressCount(short) : short };
    });

  // in a shareable report a clinic whose window shares are suppressed is not ranked at all
  const ranked = data.clinicChange.filter(
    (c: ClinicChangeRow) => !shareable || (!protectShare(c.baseline_a, c.baseline_diagnoses).suppressed && !protectShare(c.recent_a, c.recent_diagnoses).suppressed),
  );
  const changePick = (c: ClinicChangeRow): ClinicPick => ({
    ...pick(c.sor_code), baseline_a_share: c.baseline_share, recent_a_share: c.recent_share, change: c.change,
  });
  const improved = ranked.filter((c) => c.change > 0).sort((x, y) => y.change - x.change || x.sor_code.localeCompare(y.sor_code)).slice(0, listLength).map(changePick);
  const fellBack = ranked.filter((c) => c.change < 0).sort((x, y) => x.change - y.change || x.sor_code.localeCompare(y.sor_code)).slice(0, listLength).map(changePick);

  // shift-share, with the groups that moved most (small groups left out when shareable)
  const groupsByMonth = new Map<string, typeof data.shiftShareGroups[number][]>();
  for (const g of data.shiftShareGroups) {
    if (shareable && (isSmallCount(g.diagnoses) || isSmallCount(g.previous_diagnoses))) continue;
    const list = groupsByMonth.get(g.month) ?? [];
    list.push(g);
    groupsByMonth.set(g.month, list);
  }
  const shiftShare: ShiftShareMonth[] = data.shiftShare.map((m) => ({
    ...m,
    top_groups: (groupsByMonth.get(m.month) ?? [])
      .map((g) => ({ journal_system: g.journal_system, specialty: g.specialty, within: g.within, mix: g.mix }))
      .sort((x, y) => Math.abs(y.within + y.mix) - Math.abs(x.within + x.mix))
      .slice(0, 5),
  }));

  const trendRow = (level: string) => data.trend.find((t) => t.level === level);
  return {
    report: 'campaign',
    generated_at: (options.generatedAt ?? new Date()).toISOString(),
    shareable,
    period: { from: data.months[0] ?? data.settings.from ?? null, to: lastMonth ?? data.settings.to ?? null, months: data.months },
    target,
    campaign_start: start,
    methods: shareable ? { ...METHODS, shareable: SHAREABLE_METHOD } : METHODS,
    national: {
      ...national,
      without_non_marking: withoutNonMarking,
      registered_systems: registeredSystems,
      change_since_start: changeBetween(national, start, lastMonth),
      trend: trendOf(trendRow('national'), target),
      trend_without_non_marking: trendOf(trendRow('national_marking'), target),
      shift_share: shiftShare,
    },
    non_marking_systems: nonMarking,
    journal_systems: journalSystems.map(({ journal_system, cannot_mark, whole_period, months, change_since_start }) => ({
      journal_system, cannot_mark, whole_period, months, change_since_start,
    })),
    specialties,
    clinics,
    focus: { below_target: belowTarget, improved, fell_back: fellBack },
  };
}

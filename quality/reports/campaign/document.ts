// The campaign report as one JSON-able document. The HTML, the CSV files and `--json` are all
// rendered from it, so the shareable rules (pseudonymised clinics, counts 1-4 suppressed) are
// applied once, here, and no output can leak what another hides.
import type { CampaignData, ClinicChangeRow, ShareRow, TrendRow } from './collect.ts';
import { Pseudonymiser, suppressCount } from '../../report-kit/suppress.ts';
import { TableBuilder, type ProtectedTable } from '../../report-kit/protect-table.ts';
import { maskIdentifiersDeep } from '../../../transforms/privacy/identifiers.ts';

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
  /** Contacts (patient, clinic, date) and those with exactly one A. */
  readonly contacts: number | null;
  readonly contacts_one_a: number | null;
  /** The share of contacts with exactly one A, and its Wilson 95% interval. */
  readonly contact_a_share: number | null;
  readonly contact_a_share_low: number | null;
  readonly contact_a_share_high: number | null;
  /**
   * Fewer diagnoses than min_cell_diagnoses: drawn faded and not ranked. Null where the shareable
   * variant hides the count: whether it is small is not told either, nor claimed.
   */
  readonly few_diagnoses: boolean | null;
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
  /** The projected month's 95% interval (Fieller); null when the slope is not clearly above zero. */
  readonly projected_month_low: string | null;
  readonly projected_month_high: string | null;
  /** One sentence: when the target is (or would be) reached, or why not. */
  readonly verdict: string;
  /**
   * Shareable report: a month the line is fitted through has a suppressed count, and the line's
   * figures (slope, fit, the months it reaches the target) would give it back: all of them null.
   */
  readonly suppressed: boolean;
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
  /** Cells with fewer diagnoses are faded and left out of every ranking. */
  readonly min_cell_diagnoses: number;
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
  a_share: 'A-diagnoses (aktionsdiagnose) over all diagnoses, by contact month. This is the status report\'s measure.',
  contact_a_share:
    'Contacts with exactly one A-diagnosis over all contacts, by month; a contact is one patient at one clinic on one day. A contact carries one aktionsdiagnose and any number of bidiagnoser, so the share of diagnoses marked A has a ceiling of 1 / (1 + bidiagnoser per contact) below 100%: a clinic that marks every contact correctly but records two bidiagnoser a contact shows 33%, one that records none shows 100%. The diagnosis share therefore also measures how many bidiagnoser a clinic records, and a clinic that starts recording its bidiagnoser lowers it while marking as well as before. The contact share measures what the campaign asks for (one A per contact) without that bias, and also counts a contact with two A as wrong. Both are given: the diagnosis share to compare with the status report, the contact share to compare clinics and systems.',
  marked_share: 'A- plus B-diagnoses over all diagnoses; the rest arrived unmarked.',
  interval: 'Wilson score interval, 95% (z = 1.96), for every share of every cell: national, journal system, specialty and clinic, by month and for the period (one SQL macro, transforms/macros/wilson.sql). Drawn as a band around each line.',
  // the configured minimum goes into this one's text (minCellMethod); the key keeps its place here
  min_cell_diagnoses: '',
  national: 'Every published diagnosis. national.registered_systems counts only clinics with a journal system in the register, as the status report\'s per-system table does; the difference is the clinics registered without one.',
  non_marking: 'A journal system with no A and no B in the whole period cannot mark; it is listed apart and the national share is also given without it.',
  change_since_start: 'A-share in the last month minus the A-share in the campaign start month (or the first month after it with diagnoses).',
  trend: 'Ordinary least-squares line through the monthly national A-shares from the campaign start month to the last month, each month weighted equally; the projected month is the first whole month where the line reaches the target (none when the line does not rise; needs 3 months).',
  trend_interval:
    'The projected month\'s 95% interval is Fieller\'s interval for inverse regression: the months at which the target lies inside the fitted line\'s 95% confidence band (Student t on months - 2 degrees of freedom, from the scatter of the monthly shares around the line). When the slope is not clearly above zero at 95% the interval has no end and none is given. It says how well the months so far pin the line down, not what the campaign will do next.',
  shift_share:
    'Month-on-month change of the national A-share split over groups (journal system x specialty): within = sum of average weight x change in the group\'s A-share; mix = sum of average A-share x change in the group\'s weight (its share of all diagnoses). The two add up to the observed change exactly (residual is floating-point rounding). A group present in only one of the two months counts wholly as mix.',
  clinic_change: 'A clinic\'s A-share in the first three months of the campaign against the last three months of the period (where they would overlap, in a campaign of fewer than six months, the shared months count in the last three only); clinics with fewer diagnoses than the minimum in either window are not ranked.',
  below_target: 'Clinics whose A-share over the period is below the target, on systems that can mark, by number of diagnoses.',
};

const SHAREABLE_METHOD =
  'Shareable report: clinics carry pseudonyms (HMAC of the SOR code under a secret key), not SOR codes or names. Counts of 1-4 are suppressed (primary suppression), and so are further counts chosen so that none of them can be recomputed from what is shown (complementary suppression): from a total and its parts (national and the journal systems, specialties or clinics; a system or specialty and its clinics; diagnoses = A + B + unmarked; contacts = contacts with one A + the others), or from the whole period and the other months. A share and its interval are shown only where both its counts are, and so are the figures derived from a national month\'s share: the trend gives no line through a month whose share is hidden. A whole period\'s count is shown only where each of its months is (a document for a period one month shorter would give a hidden month back by subtraction). The shift-share decomposition is left out: its within and mix are sums over journal system x specialty groups, which no table shows, and they give a small group\'s counts back. A clinic\'s journal system and specialty are shown only where at least 5 clinics share both. Clinics with any suppressed figure are not ranked as improved or fallen back.';

function minCellMethod(min: number): string {
  return `A journal system, specialty or clinic with fewer than ${min} diagnoses in a month (or in the period) is drawn faded, without its interval band, and is left out of every ranking (clinics below target, the groups that moved the share most); its figures and interval stay in the tables (campaign.min_cell_diagnoses).`;
}

function rawShare(r: ShareRow, minCell: number): Share {
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
    contacts: r.contacts,
    contacts_one_a: r.contacts_one_a,
    contact_a_share: r.contact_a_share,
    contact_a_share_low: r.contact_a_low,
    contact_a_share_high: r.contact_a_high,
    few_diagnoses: r.diagnoses < minCell,
  };
}

const MEASURES = ['diagnoses', 'a', 'b', 'unmarked', 'marked', 'contacts', 'one_a', 'not_one_a'] as const;
type Measure = (typeof MEASURES)[number];
const cellId = (level: string, key: string, month: string | null, measure: Measure) => `${level}\u0000${key}\u0000${month ?? 'whole'}\u0000${measure}`;

/**
 * Every count of the shareable report as one table for complementary suppression
 * (report-kit/protect-table.ts). Per group and period: diagnoses = A + B + unmarked and
 * marked = A + B (unmarked is never shown, but diagnoses minus marked gives it). A whole period
 * is the sum of its months; national is the sum of the journal systems, of the specialties and
 * of the clinics; national without non-marking systems the sum of the systems that mark;
 * a journal system or a specialty the sum of its clinics; national minus the registered systems
 * is the clinics registered without one, an unknown that is not shown. Contacts = contacts with
 * one A + the others (never shown); each contact is in one cell, so contacts add up like diagnoses;
 * where contacts = diagnoses, contacts with one A = A.
 */
function campaignTable(data: CampaignData): ProtectedTable {
  const t = new TableBuilder();
  const present = new Set<string>();
  for (const r of data.shares) {
    const values: Record<Measure, number> = {
      diagnoses: r.diagnoses, a: r.a_diagnoses, b: r.b_diagnoses, unmarked: r.diagnoses - r.marked, marked: r.marked,
      contacts: r.contacts, one_a: r.contacts_one_a, not_one_a: r.contacts - r.contacts_one_a,
    };
    for (const m of MEASURES) present.add(t.cell(cellId(r.level, r.group_key, r.month, m), values[m]));
    const id = (m: Measure) => cellId(r.level, r.group_key, r.month, m);
    t.sum(id('diagnoses'), [id('a'), id('b'), id('unmarked')]);
    t.sum(id('marked'), [id('a'), id('b')]);
    t.sum(id('diagnoses'), [id('marked'), id('unmarked')]);
    t.sum(id('contacts'), [id('one_a'), id('not_one_a')]);
    // Where every contact has one diagnosis (as many contacts as diagnoses, both of which may be
    // shown), its contacts with one A are its A diagnoses: one figure, hidden or shown together.
    if (r.contacts === r.diagnoses) t.sum(id('a'), [id('one_a')]);
  }
  const periods = [null, ...data.months];
  const groups = new Map<string, { level: string; key: string }>();
  for (const r of data.shares) groups.set(`${r.level}\u0000${r.group_key}`, { level: r.level, key: r.group_key });
  // a whole period is the sum of its months
  for (const { level, key } of groups.values()) {
    for (const m of MEASURES) {
      const whole = cellId(level, key, null, m);
      if (!present.has(whole)) continue;
      t.sum(whole, data.months.map((month) => cellId(level, key, month, m)).filter((id) => present.has(id)));
    }
  }
  const keys = (level: string) => [...groups.values()].filter((g) => g.level === level).map((g) => g.key);
  const systems = keys('journal_system');
  const marking = new Set(data.shares.filter((r) => r.level === 'journal_system' && !r.cannot_mark).map((r) => r.group_key));
  const sumOver = (level: string, key: string, partLevel: string, partKeys: readonly string[]) => {
    for (const month of periods) {
      for (const m of MEASURES) {
        const total = cellId(level, key, month, m);
        if (!present.has(total)) continue;
        t.sum(total, partKeys.map((k) => cellId(partLevel, k, month, m)).filter((id) => present.has(id)));
      }
    }
  };
  sumOver('national', 'all', 'journal_system', systems);
  sumOver('national', 'all', 'specialty', keys('specialty'));
  sumOver('national', 'all', 'clinic', keys('clinic'));
  sumOver('national_marking', 'all', 'journal_system', systems.filter((k) => marking.has(k)));
  sumOver('national', 'all', 'national_registered', ['all']);
  for (const system of systems) sumOver('journal_system', system, 'clinic', data.clinics.filter((c) => c.journal_system === system).map((c) => c.sor_code));
  for (const specialty of keys('specialty')) {
    sumOver('specialty', specialty, 'clinic', data.clinics.filter((c) => String(c.specialty) === specialty).map((c) => c.sor_code));
  }
  return t.protect();
}

/**
 * A whole period's count shown only where each of its months is: two shareable documents of one
 * database for periods one month apart (--from, --to) differ by that month, so a whole period
 * beside a hidden month gives it back by subtraction, although each document protects its own
 * relations. Shown so, a whole period tells nothing its months do not.
 */
function periodOfShownMonths(t: ProtectedTable): ProtectedTable {
  const hidden = new Set(t.hidden);
  for (const id of t.hidden) {
    const [level, key, month, measure] = id.split('\u0000');
    if (month !== 'whole') hidden.add(cellId(level!, key!, null, measure as Measure));
  }
  return { primary: t.primary, sensitive: t.sensitive, hidden, isShown: (id) => !hidden.has(id), audits: t.audits };
}

/** One share record as the shareable report may show it: hidden counts go, and every share that has one. */
function protectedShare(s: Share, t: ProtectedTable, level: string, key: string, month: string | null): Share {
  const shown = (m: Measure) => t.isShown(cellId(level, key, month, m));
  const a = shown('a') && shown('diagnoses');
  const marked = shown('marked') && shown('diagnoses');
  const contact = shown('one_a') && shown('contacts');
  return {
    month: s.month,
    diagnoses: shown('diagnoses') ? s.diagnoses : null,
    a_diagnoses: shown('a') ? s.a_diagnoses : null,
    b_diagnoses: shown('b') ? s.b_diagnoses : null,
    marked_diagnoses: shown('marked') ? s.marked_diagnoses : null,
    a_share: a ? s.a_share : null,
    a_share_low: a ? s.a_share_low : null,
    a_share_high: a ? s.a_share_high : null,
    marked_share: marked ? s.marked_share : null,
    marked_share_low: marked ? s.marked_share_low : null,
    marked_share_high: marked ? s.marked_share_high : null,
    contacts: shown('contacts') ? s.contacts : null,
    contacts_one_a: shown('one_a') ? s.contacts_one_a : null,
    contact_a_share: contact ? s.contact_a_share : null,
    contact_a_share_low: contact ? s.contact_a_share_low : null,
    contact_a_share_high: contact ? s.contact_a_share_high : null,
    // unknown for a hidden count: true would tell a reader a hidden total of thousands was small,
    // and its own value would tell a small count from a complement hidden to protect one
    few_diagnoses: shown('diagnoses') ? s.few_diagnoses : null,
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
  if (row.reached_month) {
    verdict = `The target of ${pct} was reached in ${monthLabel(row.reached_month)}.`;
    if (row.last_share !== null && row.last_share < target) {
      verdict += ` The share has fallen below it since: ${Math.round(row.last_share * 1000) / 10}% in ${monthLabel(row.last_month)}.`;
    }
  }
  else if (row.months < 3) verdict = `Too few months with diagnoses since the start (${row.months}) to fit a trend.`;
  else if (row.projected_month === null) verdict = `The share is not rising since the start; at this trend the target of ${pct} is not reached.`;
  else {
    const range = row.projected_early && row.projected_late
      ? row.projected_early === row.projected_late ? '' : ` (95% interval ${monthLabel(row.projected_early)} to ${monthLabel(row.projected_late)})`
      : ' (the slope is not clearly above zero, so no 95% interval can be given: it may not be reached at all)';
    verdict = `At the trend since ${monthLabel(row.first_month)} (${((row.slope ?? 0) * 100).toFixed(2)} pp a month), the target of ${pct} would be reached in ${monthLabel(row.projected_month)}${range}.`;
  }
  return {
    fitted_from: row.first_month,
    fitted_to: row.last_month,
    months: row.months,
    slope_points_per_month: row.slope === null ? null : row.slope * 100,
    r2: row.r2,
    fitted_last: row.fitted_last,
    reached_month: row.reached_month,
    projected_month: row.projected_month,
    projected_month_low: row.projected_month && row.projected_early ? row.projected_early : null,
    projected_month_high: row.projected_month && row.projected_late ? row.projected_late : null,
    verdict,
    suppressed: false,
  };
}

/**
 * The trend as a shareable report may show it: with a month's share hidden, the slope beside the
 * other months' shares gives that share back (and whether the target was reached, a bound on it).
 */
function suppressedTrend(t: Trend): Trend {
  return {
    ...t,
    slope_points_per_month: null, r2: null, fitted_last: null,
    reached_month: null, projected_month: null, projected_month_low: null, projected_month_high: null,
    verdict: 'The trend is not shown: a month it is fitted through has a suppressed count, which its line would give back.',
    suppressed: true,
  };
}

/** Builds the report document from computed data, applying the shareable rules when asked. */
export function buildDocument(data: CampaignData, options: DocumentOptions): CampaignDocument {
  const { shareable } = options;
  if (shareable && !options.pseudonymiser) throw new Error('a shareable report needs a pseudonymiser');
  const listLength = options.listLength ?? 15;
  const target = data.settings.target;
  const minCell = data.settings.minCellDiagnoses ?? 30;
  const table = shareable ? periodOfShownMonths(campaignTable(data)) : null;
  const protect = (r: ShareRow) => (table ? protectedShare(rawShare(r, minCell), table, r.level, r.group_key, r.month) : rawShare(r, minCell));

  // group the long share table into series per (level, key)
  const series = new Map<string, { whole?: Share; months: Share[]; cannot_mark: boolean }>();
  for (const r of data.shares) {
    const key = `${r.level}\u0000${r.group_key}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = { months: [], cannot_mark: r.cannot_mark }));
    const share = protect(r);
    if (r.month === null) s.whole = share;
    else s.months.push(share);
  }
  const empty: Share = {
    diagnoses: 0, a_diagnoses: 0, b_diagnoses: 0, marked_diagnoses: 0, a_share: null, a_share_low: null,
    a_share_high: null, marked_share: null, marked_share_low: null, marked_share_high: null,
    contacts: 0, contacts_one_a: 0, contact_a_share: null, contact_a_share_low: null, contact_a_share_high: null, few_diagnoses: true,
  };
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
  // national minus registered (the clinics registered without a system) is in campaignTable
  const registeredSystems: Series = registeredRaw;

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
    // a clinic with few diagnoses is not ranked: its share could be anything within a wide interval
    .filter(({ raw }) => raw.a_share < target && raw.diagnoses >= minCell)
    .sort((x, y) => y.raw.diagnoses - x.raw.diagnoses || x.c.sor_code.localeCompare(y.c.sor_code))
    .slice(0, listLength)
    .map(({ c, raw }) => {
      const p = pick(c.sor_code);
      const short = Math.ceil(target * raw.diagnoses - raw.a_diagnoses - 1e-9);
      // short = target x diagnoses - A: beside the diagnoses it gives A back
      const countsShown = !table || (table.isShown(cellId('clinic', c.sor_code, null, 'a')) && table.isShown(cellId('clinic', c.sor_code, null, 'diagnoses')));
      return { ...p, a_short_of_target: !countsShown ? null : shareable ? suppressCount(short) : short };
    });

  // The window shares are sums of months: beside a hidden month they could give it back, so in a
  // shareable report a clinic with any hidden month (or whole period) is not ranked at all.
  const withHiddenCell = new Set([...(table?.hidden ?? [])].filter((id) => id.startsWith('clinic\u0000')).map((id) => id.split('\u0000')[1]));
  const ranked = data.clinicChange.filter((c: ClinicChangeRow) => !withHiddenCell.has(c.sor_code));
  const changePick = (c: ClinicChangeRow): ClinicPick => ({
    ...pick(c.sor_code), baseline_a_share: c.baseline_share, recent_a_share: c.recent_share, change: c.change,
  });
  const improved = ranked.filter((c) => c.change > 0).sort((x, y) => y.change - x.change || x.sor_code.localeCompare(y.sor_code)).slice(0, listLength).map(changePick);
  const fellBack = ranked.filter((c) => c.change < 0).sort((x, y) => x.change - y.change || x.sor_code.localeCompare(y.sor_code)).slice(0, listLength).map(changePick);

  // A national month whose A-share is hidden: each figure derived from the monthly shares (the
  // shift-share's share beside the month before, the trend's line) would give it back.
  const shareHidden = (level: string, month: string) =>
    table !== null && !(table.isShown(cellId(level, 'all', month, 'a')) && table.isShown(cellId(level, 'all', month, 'diagnoses')));
  const trendShown = (level: string): Trend | null => {
    const t = trendOf(data.trend.find((r) => r.level === level), target);
    const fitted = t && data.months.filter((m) => m >= t.fitted_from && m <= t.fitted_to);
    return t && fitted!.some((m) => shareHidden(level, m)) ? suppressedTrend(t) : t;
  };

  // shift-share, with the groups that moved most
  const groupsByMonth = new Map<string, typeof data.shiftShareGroups[number][]>();
  for (const g of data.shiftShareGroups) {
    // a group small in both months is noise; one that enters or leaves with many diagnoses is not
    if (Math.max(g.diagnoses, g.previous_diagnoses) < minCell) continue;
    const list = groupsByMonth.get(g.month) ?? [];
    list.push(g);
    groupsByMonth.set(g.month, list);
  }
  // None in a shareable document: within and mix are sums over journal system x specialty
  // groups, a count no table shows or protects, and beside the systems' and specialties' totals
  // they solve for a small group's monthly counts: the national split less the named groups'
  // is the unnamed remainder's, and the national split alone does it where one group is unknown.
  const shiftShare: ShiftShareMonth[] = shareable ? [] : data.shiftShare.map((m) => ({
    ...m,
    top_groups: (groupsByMonth.get(m.month) ?? [])
      .map((g) => ({ journal_system: g.journal_system, specialty: g.specialty, within: g.within, mix: g.mix }))
      .sort((x, y) => Math.abs(y.within + y.mix) - Math.abs(x.within + x.mix))
      .slice(0, 5),
  }));

  // Clinic names and the register's other texts are as delivered: the document goes out masked.
  return maskIdentifiersDeep({
    report: 'campaign',
    generated_at: (options.generatedAt ?? new Date()).toISOString(),
    shareable,
    period: { from: data.months[0] ?? data.settings.from ?? null, to: lastMonth ?? data.settings.to ?? null, months: data.months },
    target,
    campaign_start: start,
    min_cell_diagnoses: minCell,
    methods: { ...METHODS, min_cell_diagnoses: minCellMethod(minCell), ...(shareable ? { shareable: SHAREABLE_METHOD } : {}) },
    national: {
      ...national,
      without_non_marking: withoutNonMarking,
      registered_systems: registeredSystems,
      change_since_start: changeBetween(national, start, lastMonth),
      trend: trendShown('national'),
      trend_without_non_marking: trendShown('national_marking'),
      shift_share: shiftShare,
    },
    non_marking_systems: nonMarking,
    journal_systems: journalSystems.map(({ journal_system, cannot_mark, whole_period, months, change_since_start }) => ({
      journal_system, cannot_mark, whole_period, months, change_since_start,
    })),
    specialties,
    clinics,
    focus: { below_target: belowTarget, improved, fell_back: fellBack },
  });
}

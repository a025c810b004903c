// Anomaly detection over the quality history: each clinic's volume per data day
// and each row check's failure rate per run, against a robust baseline (median and
// MAD) of a trailing window that leaves out the current point and earlier anomalies,
// and only once there is enough history.
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CheckType } from './check-type.ts';
import { queryRows, sqlString } from '../transforms/db/connection.ts';
import { dataKinds } from './definitions.ts';
import { sqlFile } from './history.ts';
import { checkTypes } from './registry.ts';

export interface AnomalySettings {
  /** Points in the trailing baseline: active days for volume, runs for failure rates. */
  readonly window: number;
  /** Baseline points needed before anything is flagged. */
  readonly minHistory: number;
  /** Robust z-score (|x - median| / (1.4826 MAD)) beyond which a point is an anomaly. */
  readonly z: number;
  /** A failure rate must also rise by at least this many percentage points. */
  readonly minRiseInPoints: number;
  /** Robust z beyond which a clinic's day volume is an anomaly (counts are noisy: higher than z). */
  readonly volumeZ: number;
  /** A volume must also differ from the median by at least this many rows, and by half the median. */
  readonly minVolumeChange: number;
  /**
   * A run of silent days alerts once it is this improbable for the clinic: the chance of one
   * silent day is the larger of its share of silent baseline days and e^-median (Poisson).
   */
  readonly silenceProbability: number;
  /** A day counts for the kind when at least this share of the clinics of its busiest day delivered. */
  readonly activeDayShare: number;
}

export const defaultAnomalySettings: AnomalySettings = Object.freeze({
  window: 28,
  minHistory: 7,
  z: 3.5,
  minRiseInPoints: 1,
  volumeZ: 5,
  minVolumeChange: 5,
  silenceProbability: 0.0001,
  activeDayShare: 0.5,
});

export type AlertType = 'clinic_silent' | 'clinic_volume' | 'failure_rate';

export interface Alert {
  readonly type: AlertType;
  readonly kind: string;
  readonly checkId: string | null;
  readonly scopeLevel: string;
  readonly scopeValue: string | null;
  /** Volume alerts: the data day (clinic_silent: the first silent day). */
  readonly day: string | null;
  /** clinic_silent: the last silent day. */
  readonly dayTo: string | null;
  readonly observed: number;
  readonly median: number | null;
  readonly mad: number | null;
  readonly historyPoints: number;
  readonly message: string;
}

/** Sorting room for medians of a baseline window: a backfill takes hundreds of thousands of them. */
let scratch = new Float64Array(64);
let deviations = new Float64Array(64);

export function median(xs: readonly number[] | Float64Array): number {
  const n = xs.length;
  if (n === 0) return NaN;
  // A typed array sorts numerically without a comparator: several times faster on a backfill.
  if (scratch.length < n) scratch = new Float64Array(2 * n);
  const s = scratch.subarray(0, n);
  s.set(xs);
  s.sort();
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** Median absolute deviation from the median. */
export function mad(xs: readonly number[]): number {
  const m = median(xs);
  const n = xs.length;
  if (deviations.length < n) deviations = new Float64Array(2 * n);
  const d = deviations.subarray(0, n);
  for (let i = 0; i < n; i++) d[i] = Math.abs(xs[i]! - m);
  return median(d);
}

/**
 * How far x lies from the baseline, in robust standard deviations. When the MAD is
 * 0 (most points equal) the mean absolute deviation stands in (Iglewicz & Hoaglin);
 * the scale never goes below minScale.
 */
export function robustZ(x: number, baseline: readonly number[], minScale: number, m = median(baseline), d = mad(baseline)): number {
  const meanAd = baseline.reduce((s, v) => s + Math.abs(v - m), 0) / baseline.length;
  const scale = Math.max(d > 0 ? 1.4826 * d : 1.2533 * meanAd, minScale);
  return (x - m) / scale;
}

/** Finds this run's anomalies, appends them to quality.alerts and returns them. */
export async function detectAnomalies(
  conn: DuckDBConnection,
  opts: { runId: string; now: Date; settings?: Partial<AnomalySettings>; types?: ReadonlyMap<string, CheckType> },
): Promise<Alert[]> {
  const s: AnomalySettings = { ...defaultAnomalySettings, ...opts.settings };
  const alerts: Alert[] = [];
  for (const v of await volumeInputs(conn, opts.runId, s)) alerts.push(...volumeAlerts(v, s));
  alerts.push(...(await failureRateAlerts(conn, opts.runId, s, opts.types ?? checkTypes)));
  await appendAlerts(conn, opts.runId, opts.now, alerts);
  return alerts;
}

export interface ClinicSeries {
  sor_code: string;
  journal_system: string | null;
  first_day: string;
  /** 'yyyy-mm-dd:rows,...': a pair per run that delivered rows for the day, added up by volumeAlerts */
  series: string;
}

/** What one kind's volume alerts are judged on: this run's days, the clinics' series around them, the days flagged before. */
export interface VolumeInput {
  readonly kind: string;
  /** The data days this run delivered, in order. */
  readonly current: readonly string[];
  readonly clinics: readonly ClinicSeries[];
  readonly flaggedBefore: readonly { sor_code: string; day: string; day_to: string | null }[];
}

/**
 * The volume inputs of every kind this run delivered: one query each for all kinds (a
 * statement per kind read the volume history five times over).
 */
async function volumeInputs(conn: DuckDBConnection, runId: string, s: AnomalySettings): Promise<VolumeInput[]> {
  const days = await queryRows<{ kind: string; day: string }>(conn,
    `select distinct kind, cast(day as varchar) as day from quality.volume_history where run_id = ${sqlString(runId)} order by kind, day`);
  const current = new Map<string, string[]>();
  for (const d of days) current.set(d.kind, [...(current.get(d.kind) ?? []), d.day]);
  const kinds = dataKinds.filter((k) => current.has(k));
  if (kinds.length === 0) return [];
  // Active days are calendar days with deliveries, so look back far enough to find `window` of them.
  const windows = kinds.map((k) => {
    const c = current.get(k)!;
    return `(${sqlString(k)}, DATE '${shiftDays(c[0]!, -4 * s.window)}', DATE '${c[c.length - 1]!}')`;
  });
  const series = await queryRows<ClinicSeries & { kind: string }>(conn, await sqlFile('volume_series', { windows: windows.join(', ') }));
  const flagged = await queryRows<{ kind: string; sor_code: string; day: string; day_to: string | null }>(conn,
    `select kind, scope_value as sor_code, cast(day as varchar) as day, cast(day_to as varchar) as day_to from quality.alerts
     where kind in (${kinds.map(sqlString).join(', ')}) and alert_type in ('clinic_silent', 'clinic_volume') and scope_level = 'clinic'`);
  return kinds.map((kind) => ({
    kind, current: current.get(kind)!, clinics: series.filter((c) => c.kind === kind), flaggedBefore: flagged.filter((f) => f.kind === kind),
  }));
}

/** One kind's clinic_silent and clinic_volume alerts for this run's days. */
export function volumeAlerts(input: VolumeInput, s: AnomalySettings = defaultAnomalySettings): Alert[] {
  const { kind, current, clinics, flaggedBefore } = input;
  // Days are looked up for every clinic and active day (hundreds of thousands of times a night):
  // as integers read from their digits (dayKey), and each clinic's rows per day in an array
  // aligned to the active days, not in maps keyed by day.
  // Each clinic's series, 'yyyy-mm-dd:rows,...', read where it lies (no string per pair).
  const parsed = clinics.map((c) => {
    const days: number[] = [];
    const counts: number[] = [];
    const series = c.series;
    for (let at = 0; at < series.length; ) {
      let n = 0;
      let i = at + 11;
      for (let ch = series.charCodeAt(i); i < series.length && ch !== 44; ch = series.charCodeAt(++i)) n = n * 10 + ch - 48;
      days.push(dayKey(series, at));
      counts.push(n);
      at = i + 1;
    }
    return { sor: c.sor_code, system: c.journal_system, first: dayKey(c.first_day), days, counts };
  });
  let low = Infinity;
  let high = -Infinity;
  for (const p of parsed) {
    for (const d of p.days) {
      if (d < low) low = d;
      if (d > high) high = d;
    }
  }
  // Days on which the kind is delivered at all: a weekend or a holiday on which most
  // clinics deliver nothing is not a day on which one clinic can be silent.
  // A day may come in several pairs of one clinic (one per run that delivered rows for it): the
  // clinic counts once for it (countedFor: the last clinic counted on each day).
  const clinicsPerDay = new Int32Array(parsed.length ? high - low + 1 : 0);
  const countedFor = new Int32Array(clinicsPerDay.length).fill(-1);
  parsed.forEach((p, ci) => p.days.forEach((d, j) => {
    if (p.counts[j]! > 0 && countedFor[d - low] !== ci) {
      countedFor[d - low] = ci;
      clinicsPerDay[d - low]! += 1;
    }
  }));
  // Measured against the busiest day, not the median day: wrongly dated rows (a year typed
  // wrong, a date in the future) each add a day with one clinic, and at national scale there
  // are more such days than real ones, so the median day would have one clinic, every stray
  // day would count as active and each clinic would look silent on thousands of them.
  const usual = clinicsPerDay.reduce((a, b) => Math.max(a, b), 0);
  const activeDays: number[] = [];
  const activeIndex = new Int32Array(clinicsPerDay.length).fill(-1);
  clinicsPerDay.forEach((n, i) => {
    if (n > 0 && n >= s.activeDayShare * usual) activeIndex[i] = activeDays.push(low + i) - 1;
  });
  const currentSet = new Set(current.map((d) => dayKey(d)));
  // Days already flagged, per clinic.
  const flaggedDays = new Map<string, Set<number>>();
  const flaggedOf = (sor: string) => {
    let days = flaggedDays.get(sor);
    if (!days) flaggedDays.set(sor, (days = new Set<number>()));
    return days;
  };
  for (const f of flaggedBefore) {
    const days = flaggedOf(f.sor_code);
    for (let d = f.day; d <= (f.day_to ?? f.day); d = shiftDays(d, 1)) days.add(dayKey(d));
  }

  const alerts: Alert[] = [];
  const rowsOn = new Float64Array(activeDays.length);
  for (const c of parsed) {
    const sor = c.sor;
    rowsOn.fill(0);
    c.days.forEach((d, j) => {
      const a = activeIndex[d - low]!;
      if (a >= 0) rowsOn[a]! += c.counts[j]!;
    });
    const flagged = flaggedOf(sor);
    const who = `clinic ${sor}${c.system ? ` (${c.system})` : ''}`;
    const baseline: number[] = [];
    // The current run of silent days (active days with no rows), not yet alerted or alerted.
    let streak: number[] = [];
    // Silent days of a streak that has not alerted (yet): kept out of the baseline while the
    // streak lasts, so a clinic's own silence does not make silence look normal.
    let pending: number[] = [];
    let open: { from: number; to: number; median: number; mad: number; n: number } | null = null;
    const closeOpen = () => {
      if (open) {
        const [from, to] = [dayText(open.from), dayText(open.to)];
        const span = from === to ? `on ${from}` : `from ${from} to ${to}`;
        alerts.push({
          type: 'clinic_silent', kind, checkId: null, scopeLevel: 'clinic', scopeValue: sor, day: from, dayTo: to,
          observed: 0, median: open.median, mad: open.mad, historyPoints: open.n,
          message: `${who} delivered no ${kind} ${span}; it usually delivers ${fmt(open.median)} a day`,
        });
      }
      open = null;
    };
    for (let a = 0; a < activeDays.length; a++) {
      const day = activeDays[a]!;
      if (day < c.first) continue;
      const x = rowsOn[a]!;
      if (flagged.has(day)) {
        // An earlier anomaly: it stays out of the baseline and does not alert again.
        closeOpen();
        if (x === 0) streak.push(day);
        continue;
      }
      if (x > 0) {
        closeOpen();
        streak = [];
        baseline.push(...pending);
        pending = [];
      } else {
        streak.push(day);
      }
      if (currentSet.has(day) && Math.min(baseline.length, s.window) >= s.minHistory) {
        const window = baseline.slice(-s.window);
        // The median decides most days; the MAD (two more sorts) only where a point may alert.
        const m = median(window);
        if (x === 0 && m > 0) {
          const silentShare = (window.filter((v) => v === 0).length + 0.5) / (window.length + 1);
          const p0 = Math.max(silentShare, Math.exp(-m));
          if (open || p0 ** streak.length < s.silenceProbability) {
            // The whole streak is the anomaly, including silent days before this one.
            if (!open) {
              pending = [];
              const fresh = streak.filter((sd) => !flagged.has(sd));
              open = { from: fresh[0] ?? day, to: day, median: m, mad: mad(window), n: window.length };
              for (const sd of fresh) flagged.add(sd);
            }
            open.to = day;
            flagged.add(day);
            continue;
          }
        } else if (x > 0 && m > 0 && Math.abs(x - m) >= Math.max(s.minVolumeChange, 0.5 * m)) {
          // A clinic that usually delivers nothing on such days and now does is not flagged:
          // that is a clinic starting (or a stray early date), not an anomaly in its volume.
          // Counts are Poisson-like: the scale is at least the square root of the median.
          const d = mad(window);
          const z = robustZ(x, window, Math.max(1, Math.sqrt(m)), m, d);
          if (Math.abs(z) >= s.volumeZ) {
            alerts.push({
              type: 'clinic_volume', kind, checkId: null, scopeLevel: 'clinic', scopeValue: sor, day: dayText(day), dayTo: null,
              observed: x, median: m, mad: d, historyPoints: window.length,
              message: `${who} delivered ${fmt(x)} ${kind} for ${dayText(day)}; usually ${fmt(m)} (robust z ${z.toFixed(1)})`,
            });
            flagged.add(day);
            continue;
          }
        }
      }
      if (x === 0) pending.push(x);
      else baseline.push(x);
    }
    closeOpen();
  }
  return alerts;
}

async function failureRateAlerts(conn: DuckDBConnection, runId: string, s: AnomalySettings, types: ReadonlyMap<string, CheckType>): Promise<Alert[]> {
  const rowTypes = [...types].filter(([, t]) => t.shape === 'row').map(([name]) => sqlString(name));
  const rows = await queryRows<{ check_id: string; kind: string; scope_level: string; scope_value: string | null; percent: number; denominator: number; history: number[] }>(
    conn,
    await sqlFile('failure_rate_history', { run_id: sqlString(runId), row_types: rowTypes.join(', '), window: String(s.window) }),
  );
  const alerts: Alert[] = [];
  for (const r of rows) {
    const history = r.history.map(Number);
    if (history.length < s.minHistory) continue;
    const m = median(history);
    // One row more or less must not look like a jump: the floor is the binomial
    // standard error of the baseline rate at this run's denominator (at least one row's worth).
    const p = Math.max(m / 100, 1 / Math.max(r.denominator, 1));
    const z = robustZ(r.percent, history, Math.max(0.25, 100 * Math.sqrt((p * (1 - p)) / Math.max(r.denominator, 1))));
    if (z >= s.z && r.percent - m >= s.minRiseInPoints) {
      const where = r.scope_level === 'national' ? 'nationally' : `for ${r.scope_value}`;
      alerts.push({
        type: 'failure_rate', kind: r.kind, checkId: r.check_id, scopeLevel: r.scope_level, scopeValue: r.scope_value, day: null, dayTo: null,
        observed: r.percent, median: m, mad: mad(history), historyPoints: history.length,
        message: `${r.check_id} fails ${fmt(r.percent)}% of rows ${where}; usually ${fmt(m)}% (robust z ${z.toFixed(1)})`,
      });
    }
  }
  return alerts;
}

async function appendAlerts(conn: DuckDBConnection, runId: string, now: Date, alerts: readonly Alert[]): Promise<void> {
  if (alerts.length === 0) return;
  // Through an appender: a night at national scale can raise thousands of alerts, and parsing
  // them as VALUES literals cost half a second.
  await conn.run(`create or replace temp table _q_alerts (
    alert_type varchar, kind varchar, check_id varchar, scope_level varchar, scope_value varchar, day varchar, day_to varchar,
    observed double, baseline_median double, baseline_mad double, history_points integer, message varchar)`);
  const app = await conn.createAppender('_q_alerts', 'main', 'temp');
  const text = (x: string | null) => (x == null ? app.appendNull() : app.appendVarchar(x));
  const num = (x: number | null) => (x == null ? app.appendNull() : app.appendDouble(x));
  for (const a of alerts) {
    for (const v of [a.type, a.kind, a.checkId, a.scopeLevel, a.scopeValue, a.day, a.dayTo]) text(v);
    for (const v of [a.observed, a.median, a.mad]) num(v);
    app.appendInteger(a.historyPoints);
    text(a.message);
    app.endRow();
  }
  app.closeSync();
  await conn.run(`insert into quality.alerts
select ${sqlString(runId)}, TIMESTAMPTZ '${now.toISOString()}', alert_type, kind, check_id, scope_level, scope_value,
       cast(day as date), cast(day_to as date), observed, baseline_median, baseline_mad, history_points, message
from _q_alerts`);
  await conn.run('drop table _q_alerts');
}

/** The day 'yyyy-mm-dd' at `at` in `text` as an integer that orders as the dates do. */
function dayKey(text: string, at = 0): number {
  const d = (i: number) => text.charCodeAt(at + i) - 48;
  return ((d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3)) * 13 + d(5) * 10 + d(6)) * 32 + d(8) * 10 + d(9);
}

/** dayKey's day as 'yyyy-mm-dd'. */
function dayText(key: number): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${String(Math.floor(key / 416)).padStart(4, '0')}-${two(Math.floor(key / 32) % 13)}-${two(key % 32)}`;
}

function shiftDays(day: string, n: number): string {
  const t = new Date(`${day}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() + n);
  return t.toISOString().slice(0, 10);
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

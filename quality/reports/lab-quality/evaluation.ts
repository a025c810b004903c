// The time frame and the scope of one lab evaluation: the "now" every time check is judged
// against, where the delivery time comes from, whether dates were shifted by de-identification,
// and which checks do not apply to the extract (per-clinic ones when it names no clinic). The
// notes say all of it in words, first in the terminal and the report.
import type { CheckDefinition } from '../../definitions.ts';
import { sqlString } from '../../../transforms/db/connection.ts';
import type { LabMapping } from './mapping.ts';

export interface EvaluationOptions {
  /** The machine's clock (or a test's). */
  readonly clock: Date;
  readonly asOf?: Date;
  readonly deliveredAt?: Date;
  readonly datesShifted?: boolean;
  /** The configured time zone (pipeline.yaml): times are shown in it when the mapping names none. */
  readonly timeZone?: string;
}

export interface Evaluation {
  /** "Now" for every time check. */
  readonly now: Date;
  readonly datesShifted: boolean;
  /** The delivery time of every file: a date, none (not judged), or each file's modification time. */
  readonly delivered: Date | null | 'mtime';
  /** --delivered-at was given: it beats a time a file carries in its own column. */
  readonly deliveredByOption: boolean;
  /** The extract names no clinic, or one constant for all: per-clinic checks do not apply. */
  readonly noClinic: boolean;
  /** The zone the findings show times in: the mapping's, else the configured one, else UTC. */
  readonly shownZone: string;
  readonly notes: readonly string[];
}

const day = (d: Date): string => (d.toISOString().endsWith('T00:00:00.000Z') ? d.toISOString().slice(0, 10) : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`);

export function evaluationOf(opts: EvaluationOptions, mapping: LabMapping | null): Evaluation {
  const notes: string[] = [];
  const asOf = opts.asOf ?? mapping?.asOf ?? null;
  const datesShifted = opts.datesShifted ?? mapping?.datesShifted ?? false;
  const deliveredAt = opts.deliveredAt ?? mapping?.deliveredAt ?? null;
  const from = (option: unknown, key: string) => (option !== undefined ? `--${key}` : `${key.replace('-', '_')} in ${mapping?.file}`);
  // with shifted dates nothing is in the future (the note on them says so below)
  // files that carry their delivery time in a column of their own (delivered_at: { column })
  const stamped = (mapping?.deliveries ?? []).filter((d) => d.deliveredAtColumn !== null);
  const byColumn = stamped.length > 0 && opts.deliveredAt === undefined;
  if (asOf) notes.push(`Evaluated as of ${day(asOf)} (${from(opts.asOf, 'as-of')})${datesShifted ? '.' : ': a time after it is in the future.'}`);
  let delivered: Date | null | 'mtime';
  if (deliveredAt) {
    delivered = deliveredAt;
    notes.push(`Delivery time ${day(deliveredAt)} (${from(opts.deliveredAt, 'delivered-at')}): a result time after it is a finding.`);
  } else if (datesShifted) {
    // the files' modification times are real dates, the extract's are shifted: not comparable
    delivered = null;
    if (!byColumn) notes.push('No delivery time given: result times are not compared with one.');
  } else if (asOf) {
    // the extract cannot have been delivered after the date it is evaluated as of
    delivered = asOf;
    notes.push(`Delivery time: the as-of date ${day(asOf)} (${byColumn ? 'for a file without its own delivery time' : 'no delivered_at or --delivered-at given'}; the files' modification times are not used).`);
  } else {
    delivered = 'mtime';
  }
  if (datesShifted) {
    notes.push(`Dates declared shifted by de-identification (${from(opts.datesShifted, 'dates-shifted')}): only the order of times is judged (sampled <= resulted${delivered || byColumn ? ' <= delivered' : ''}); no time is called "in the future".`);
  }
  if (byColumn) {
    const otherwise = delivered instanceof Date ? `else ${day(delivered)}` : delivered === null ? 'else none' : "else the file's modification time";
    notes.push(`Delivery time of each file read with ${mapping?.file}: the latest ${[...new Set(stamped.map((d) => d.deliveredAtColumn))].join(', ')} in it (delivered_at: { column }); ${otherwise}.`);
  }
  const zones = [...new Set((mapping?.deliveries ?? []).map((d) => d.timeZone).filter((z) => z !== null))];
  // one zone to show times in: the mapping's own (its top-level one when its deliveries differ)
  const shownZone = mapping?.timeZone ?? (zones.length === 1 ? zones[0]! : null) ?? opts.timeZone ?? 'UTC';
  if (zones.length) notes.push(`Times without an offset in the mapped files are read in ${zones.join(', ')} (the mapping's time_zone); stored in UTC, shown in ${shownZone} in the findings.`);
  const noClinic = mapping !== null && mapping.deliveries.every((d) => d.noClinic || d.sources.sor_code?.type === 'value');
  if (noClinic) {
    notes.push('The extract names no clinic (the mapping says none or gives one constant): per-clinic checks (SOR code format, shifted clinics, unit mix-ups per clinic) are not applicable, and a reference interval is compared with the extract\'s usual one for its analysis.');
  }
  return { now: asOf ?? opts.clock, datesShifted, delivered, deliveredByOption: opts.deliveredAt !== undefined, noClinic, shownZone, notes };
}

/**
 * One file's delivery time: --delivered-at, else the time the file carries in its own column,
 * else the evaluation's (the mapping's delivered_at, the as-of date, none, or the mtime).
 */
export function deliveredAtOf(ev: Evaluation, fromColumn: Date | null | undefined, mtime: Date): Date | null {
  if (!ev.deliveredByOption && fromColumn) return fromColumn;
  return ev.delivered === 'mtime' ? mtime : ev.delivered;
}

/**
 * The checks only an evaluation runs, derived from the declared ones: lab.value_missing (an
 * empty value, counted apart from lab.value_unparseable), and the two that need no catalogue,
 * for every code: lab.unit_mixed (an analysis in several units, transforms/lab/unit_mixes.sql)
 * and lab.outlier (a value far from its analysis' median, transforms/lab/outliers.sql). Not
 * declared in config/checks/lab-quality.yaml because the nightly job runs every declared check
 * and its reports list them; the nightly keeps calling an empty value unparseable.
 */
export function evaluationOnlyChecks(checks: readonly CheckDefinition[]): CheckDefinition[] {
  const unparseable = checks.find((c) => c.id === 'lab.value_unparseable');
  if (!unparseable) return [];
  const fromFindings = (name: string) => ({ ...unparseable.params, sql: `select row_id from lab.row_findings where check_name = '${name}'` });
  return [{
    ...unparseable,
    id: 'lab.value_missing',
    category: 'completeness',
    description: 'the value is empty: missing, not unparseable',
    reason: 'the value is missing (empty)',
    params: fromFindings('value_missing'),
  }, {
    ...unparseable,
    id: 'lab.unit_mixed',
    category: 'conformance',
    severity: 'warn',
    description: 'an analysis delivered in more than one unit: the rows not in its main unit, with what their values show',
    reason: 'the analysis comes in more than one unit; this row is not in the main one',
    params: { ...fromFindings('unit_mixed'), column: 'unit' },
  }, {
    ...unparseable,
    id: 'lab.outlier',
    category: 'plausibility',
    severity: 'warn',
    description: 'a value far from the others of its analysis in the same unit (robust z-score beyond 5)',
    reason: 'the value is far from the others of its analysis in that unit',
    params: fromFindings('outlier'),
  }];
}

/**
 * Without the checks that judge a time against "now" or an enrolment date (shifted dates), or a SOR code (no clinic),
 * or a sampling time that the mapping does not deliver (untimed);
 * and the pattern of the patient pseudonym (the nine journal systems' format) only over their
 * rows: a foreign extract (a mapped layout, FHIR) has identifiers of its own making, and judging
 * them by ours flagged nearly every row of every foreign extract tried.
 */
export function applicableChecks<C extends Pick<CheckDefinition, 'id' | 'type' | 'params' | 'where'>>(
  checks: readonly C[], ev: Evaluation, foreignSystems: readonly string[] = [], onlyForeign = false,
  untimed: { systems: readonly string[]; only: boolean } = { systems: [], only: false },
): C[] {
  return checks.flatMap((c) => {
    if (ev.datesShifted && /_(future|before_enrolment)$/.test(c.id)) return [];
    // A mapping that maps no sampling time describes an extract without one: its rows are not
    // each missing theirs (a delivered column left empty is).
    if (c.type === 'not_null' && (c.params.columns as string[] | undefined)?.join() === 'sampled_at' && untimed.systems.length > 0) {
      if (untimed.only) return [];
      const timed = `journal_system not in (${untimed.systems.map(sqlString).join(', ')})`;
      return [{ ...c, where: c.where ? `(${c.where}) and ${timed}` : timed }];
    }
    if (ev.noClinic && (c.params.column === 'sor_code' || c.params.to === 'ref.clinics')) return [];
    if (c.type === 'pattern' && c.params.column === 'patient' && foreignSystems.length > 0) {
      if (onlyForeign) return [];
      const ours = `journal_system not in (${foreignSystems.map(sqlString).join(', ')})`;
      return [{ ...c, where: c.where ? `(${c.where}) and ${ours}` : ours }];
    }
    return [c];
  });
}

// A lab-quality mapping: a source layout (config/sources/*.yaml, validated by the same loader)
// plus what a foreign export needs and a journal system's layout never does. Top-level keys:
//   time_zone      the zone the file's times without an offset are read in
//   as_of          the date every time check is judged against ("now"); --as-of overrides it
//   delivered_at   when the extract was delivered (the result times must not be after it); in a
//                  delivery, `delivered_at: { column: X }`: each file's latest time in column X
//   dates_shifted  true: de-identification moved every date, so only order is judged
//   absent         values that mean "removed" ("___"): read as empty in every column
//   statuses       the extract's own spellings of a result status, beside the known ones
//                  (statuses.ts): { cancelled: [...], pending: [...] }
// and, per column, besides a column name:
//   clinic: none                           the extract names no clinic (per-clinic checks do not apply)
//   sor_code: { value: "unknown" }         a constant (`clinic` is another name for sor_code)
//   value: [result_text, result_number]    the first of the columns that holds a value
//   analysis_name: { lookup: dictionary.csv, on: code, take: label }
//                                          from a side file (beside the mapping), matched on the
//                                          analysis code (or `key: <canonical column>`)
// A delivery that uses any of these (or `absent`) is read once into a plain file with the
// canonical columns, which the pipeline's own staging then reads.
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../../../config/errors.ts';
import { readYaml, sourceFromDocument, type Delivery } from '../../../config/load.ts';

export type ColumnSource =
  | { readonly type: 'columns'; readonly names: readonly string[] }
  | { readonly type: 'value'; readonly value: string }
  | { readonly type: 'lookup'; readonly file: string; readonly on: string; readonly take: string; readonly key: string };

export interface MappedDelivery extends Delivery {
  /** Where each canonical column comes from; plain columns are `columns` with one name. */
  readonly sources: Readonly<Record<string, ColumnSource>>;
  /** True when the file must be rewritten before staging (a constant, list, lookup or absent value). */
  readonly computed: boolean;
  readonly timeZone: string | null;
  readonly absent: readonly string[];
  readonly noClinic: boolean;
  /** A column whose latest time is the file's delivery time (exports that stamp each row). */
  readonly deliveredAtColumn: string | null;
}

export interface LabMapping {
  readonly file: string;
  readonly deliveries: readonly MappedDelivery[];
  readonly timeZone: string | null;
  readonly asOf: Date | null;
  readonly deliveredAt: Date | null;
  readonly datesShifted: boolean;
  readonly noClinic: boolean;
  /** The mapping's own status spellings (`statuses`), trimmed and in lower case; empty when none. */
  readonly statuses: StatusSpellings;
}

export interface StatusSpellings {
  /** A result not performed or not completed: set apart, not counted (statuses.ts). */
  readonly cancelled: readonly string[];
  /** A result still to come: not yet answered (macros/lab_value_parse.sql). */
  readonly pending: readonly string[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A date or date-time as an instant; a date alone is midnight UTC. Null when it is not one. */
export function parseInstant(v: unknown): Date | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v;
  const m = typeof v === 'string' ? /^(\d{4})-(\d{2})-(\d{2})([T ](\d{2}):(\d{2})(:(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(v.trim()) : null;
  if (!m) return null;
  // JavaScript's Date moves 2025-02-30 to March 2 and reads hour 24 as the next day: a day the
  // calendar does not have is no date.
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[5] ?? '0', m[6] ?? '0', m[8] ?? '0'].map(Number) as number[];
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth || hour! > 23 || minute! > 59 || second! > 59) return null;
  const text = (v as string).trim().replace(' ', 'T');
  const d = new Date(text.length === 10 ? `${text}T00:00:00Z` : /Z|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

function timeZoneOf(file: string, key: string, v: unknown): string | null {
  if (v === undefined || v === null) return null;
  try {
    if (typeof v !== 'string') throw new Error();
    new Intl.DateTimeFormat('en', { timeZone: v });
    return v;
  } catch {
    throw new ConfigError(file, key, v, 'an IANA time zone such as "America/New_York"');
  }
}

/** The keys a lab mapping has beside a source layout's (system, defaults, deliveries). */
const MAPPING_KEYS = ['time_zone', 'as_of', 'delivered_at', 'dates_shifted', 'absent', 'statuses'] as const;

/** The kinds of status a mapping may spell its own way. */
const STATUS_KINDS = ['cancelled', 'pending'] as const;

/** A status spelling as it is compared: trimmed, runs of spaces as one, lower case, no full stop at the end ("Annul." is "annul"). */
export function statusKey(text: string): string {
  return text.trim().replace(/\s+/g, ' ').toLowerCase().replace(/\.+$/, '');
}

function statusesOf(file: string, v: unknown): StatusSpellings {
  if (v === undefined || v === null) return { cancelled: [], pending: [] };
  const expected = '{ cancelled: [...], pending: [...] }: the extract\'s own spellings of a cancelled result and of one still to come';
  if (!isObj(v)) throw new ConfigError(file, 'statuses', v, expected);
  const unknown = Object.keys(v).find((k) => !(STATUS_KINDS as readonly string[]).includes(k));
  if (unknown !== undefined) throw new ConfigError(file, `statuses.${unknown}`, v[unknown], `one of ${STATUS_KINDS.join(', ')}`);
  const list = (kind: (typeof STATUS_KINDS)[number]): string[] => {
    const l = v[kind];
    if (l === undefined || l === null) return [];
    if (!Array.isArray(l) || l.some((x) => (typeof x !== 'string' && typeof x !== 'number') || statusKey(String(x)) === '')) {
      throw new ConfigError(file, `statuses.${kind}`, l, 'a list of status spellings, such as ["Annulleret", "Aflyst"]');
    }
    return [...new Set(l.map((x) => statusKey(String(x))))];
  };
  const cancelled = list('cancelled');
  const pending = list('pending');
  const both = cancelled.find((c) => pending.includes(c));
  if (both !== undefined) throw new ConfigError(file, 'statuses.pending', both, 'a spelling not also listed under statuses.cancelled');
  return { cancelled, pending };
}

/** Reads a lab mapping; every mistake is a ConfigError naming the file and the key. */
export async function loadLabMapping(file: string): Promise<LabMapping> {
  const doc = await readYaml(file);
  if (!isObj(doc)) throw new ConfigError(file, '(document)', doc, 'a mapping');
  const { time_zone, as_of, delivered_at, dates_shifted, absent, statuses, ...layoutDoc } = doc satisfies Partial<Record<(typeof MAPPING_KEYS)[number], unknown>>;
  const timeZone = timeZoneOf(file, 'time_zone', time_zone);
  const statusSpellings = statusesOf(file, statuses);
  const instant = (key: string, v: unknown): Date | null => {
    if (v === undefined || v === null) return null;
    const d = parseInstant(v);
    if (!d) throw new ConfigError(file, key, v, 'a date (YYYY-MM-DD) or date-time (YYYY-MM-DDThh:mm, UTC unless an offset is given)');
    return d;
  };
  const asOf = instant('as_of', as_of);
  const deliveredAt = instant('delivered_at', delivered_at);
  if (dates_shifted !== undefined && typeof dates_shifted !== 'boolean') throw new ConfigError(file, 'dates_shifted', dates_shifted, 'true or false');
  if (absent !== undefined && (!Array.isArray(absent) || absent.some((a) => typeof a !== 'string' && typeof a !== 'number'))) {
    throw new ConfigError(file, 'absent', absent, 'a list of values that mean "removed", such as ["___"]');
  }
  const absentValues = (absent as (string | number)[] | undefined ?? []).map(String);

  // Each delivery's rich columns are taken out, and the layout loader sees plain column names
  // (the canonical name itself for a computed column: the rewritten file has that header).
  const list = Array.isArray(layoutDoc.deliveries) ? layoutDoc.deliveries : [];
  const extras: { sources: Record<string, ColumnSource>; computed: boolean; noClinic: boolean; timeZone: string | null; deliveredAtColumn: string | null }[] = [];
  const plainDeliveries = list.map((item, i) => {
    if (!isObj(item) || !isObj(item.columns)) {
      extras.push({ sources: {}, computed: false, noClinic: false, timeZone, deliveredAtColumn: null });
      return item;
    }
    const path = `deliveries[${i}].`;
    const { time_zone: tz, delivered_at: deliveredAtSpec, ...rest } = item;
    let deliveredAtColumn: string | null = null;
    if (deliveredAtSpec !== undefined) {
      if (!isObj(deliveredAtSpec) || typeof deliveredAtSpec.column !== 'string' || deliveredAtSpec.column === '' || Object.keys(deliveredAtSpec).length !== 1) {
        throw new ConfigError(file, `${path}delivered_at`, deliveredAtSpec, '{ column: <a column of the file> } (each file\'s latest time in it is its delivery time)');
      }
      deliveredAtColumn = deliveredAtSpec.column;
    }
    const deliveryZone = timeZoneOf(file, `${path}time_zone`, tz) ?? timeZone;
    const sources: Record<string, ColumnSource> = {};
    let noClinic = false;
    for (const [name, spec] of Object.entries(item.columns)) {
      const canonical = name === 'clinic' ? 'sor_code' : name;
      const key = `${path}columns.${name}`;
      if (name === 'clinic' && 'sor_code' in item.columns) throw new ConfigError(file, key, spec, 'either clinic or sor_code, not both (clinic is another name for sor_code)');
      if (name === 'clinic' && (spec === 'none' || spec === null)) {
        noClinic = true;
        sources.sor_code = { type: 'value', value: '(no clinic)' };
      } else if (typeof spec === 'string' && spec !== '') {
        sources[canonical] = { type: 'columns', names: [spec] };
      } else if (Array.isArray(spec) && spec.length > 0 && spec.every((s) => typeof s === 'string' && s !== '')) {
        sources[canonical] = { type: 'columns', names: spec as string[] };
      } else if (isObj(spec) && 'value' in spec && Object.keys(spec).length === 1 && (typeof spec.value === 'string' || typeof spec.value === 'number')) {
        sources[canonical] = { type: 'value', value: String(spec.value) };
      } else if (isObj(spec) && typeof spec.lookup === 'string' && typeof spec.on === 'string' && typeof spec.take === 'string'
        && (spec.key === undefined || typeof spec.key === 'string') && Object.keys(spec).every((k) => ['lookup', 'on', 'take', 'key'].includes(k))) {
        sources[canonical] = { type: 'lookup', file: resolve(dirname(file), spec.lookup), on: spec.on, take: spec.take, key: (spec.key as string | undefined) ?? 'analysis_code' };
      } else {
        throw new ConfigError(file, key, spec, 'a column name, a list of column names (the first present), { value: constant }, { lookup: file, on: column, take: column }, or (for clinic) none');
      }
    }
    for (const [name, s] of Object.entries(sources)) {
      if (s.type !== 'lookup') continue;
      const by = sources[s.key];
      if (!by || by.type === 'lookup') throw new ConfigError(file, `${path}columns.${name}.key`, s.key, 'a canonical column the mapping reads from the file or a constant');
    }
    const computed = absentValues.length > 0 || Object.values(sources).some((s) => s.type !== 'columns' || s.names.length > 1);
    extras.push({ sources, computed, noClinic, timeZone: deliveryZone, deliveredAtColumn });
    const columns = Object.fromEntries(Object.entries(sources).map(([c, s]) => [c, computed || s.type !== 'columns' ? c : s.names[0]!]));
    return { ...rest, columns };
  });
  const deliveries = sourceFromDocument(file, { ...layoutDoc, deliveries: list.length ? plainDeliveries : layoutDoc.deliveries }, MAPPING_KEYS);
  const mapped: MappedDelivery[] = [];
  deliveries.forEach((d, i) => {
    if (d.kind !== 'laboratoriesvar') return;
    const x = extras[i]!;
    mapped.push({ ...d, sources: x.sources, computed: x.computed, timeZone: x.timeZone, absent: absentValues, noClinic: x.noClinic, deliveredAtColumn: x.deliveredAtColumn });
  });
  if (mapped.length === 0) {
    throw new ConfigError(file, 'deliveries', deliveries.map((d) => d.kind), 'at least one delivery of kind laboratoriesvar');
  }
  return {
    file, deliveries: mapped, timeZone, asOf, deliveredAt, datesShifted: dates_shifted === true,
    noClinic: mapped.every((d) => d.noClinic), statuses: statusSpellings,
  };
}

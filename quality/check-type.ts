// What a check type provides. Each type lives in quality/checks/<type>.ts and is
// registered in quality/registry.ts.
import { formatThreshold, type CheckDefinition, type CheckScope, type DataKind, type TypeSpec } from './definitions.ts';

/** What a check's SQL may refer to during a run. */
export interface SqlEnv {
  readonly kind: DataKind;
  readonly runId: string;
  /** This run's candidate rows of the kind: `work.<kind>`. */
  readonly work: string;
  /** The published rows of the kind: `core.<kind>`. */
  readonly core: string;
  /** The rows a check applies to: the work table, filtered by the check's `where`. */
  readonly rows: string;
  /** `now` as a TIMESTAMPTZ literal. */
  readonly nowSql: string;
  /** Today's date in Denmark as a DATE literal (dates in the data are Danish local dates). */
  readonly todaySql: string;
  /** Tables that exist, as schema.table. */
  readonly tables: ReadonlySet<string>;
  /** Reference lists that are loaded and non-empty (e.g. 'sks'). */
  readonly references: ReadonlySet<string>;
  /** Names of the SQL macros defined on the connection (e.g. 'has_cpr'). */
  readonly macros: ReadonlySet<string>;
  /** Column names and DuckDB types of core.<kind>, for every kind. */
  readonly columns: ReadonlyMap<string, ReadonlyArray<{ name: string; type: string }>>;
}

/**
 * How a result's numerator and denominator read in a report: failing rows of the rows checked,
 * rows meeting a condition of the rows, rows delivered, the difference between two counts, or an
 * age in hours (the one reading that is not a count of rows).
 */
export type Reading = 'failing_rows' | 'share' | 'row_count' | 'difference' | 'age_hours';

/** What every check type provides, whatever its shape. */
interface CheckTypeBase extends TypeSpec {
  /** What a check allows, in words (`at most 0 failing`, `at least 50%`): in results, reports and `fangst checks`. */
  thresholdText(check: CheckDefinition): string;
  /** Why the check cannot run now (a table, a reference list or a macro is missing), or null. */
  unavailable?(check: CheckDefinition, env: SqlEnv): string | null;
  /** SQL macros the type's SQL calls: the project's macros are loaded before the run when one is missing. */
  readonly macros?: readonly string[];
  /**
   * True when an error check of this type that cannot run holds back its kind: what it guards
   * against must not be published unchecked (a CPR number).
   */
  readonly holdsBackUnchecked?: boolean;
  /** How its results read in a report. */
  readonly reading: Reading;
}

/** A row check's SQL returns the failing rows: `row_id` and optionally `column_name`. */
export interface RowCheckType extends CheckTypeBase {
  readonly shape: 'row';
  failingRows(check: CheckDefinition, env: SqlEnv): string;
  /**
   * True when failingRows may return rows outside env.rows (a query written in the YAML): the
   * engine then keeps only rows of env.rows. The other types select from env.rows themselves.
   */
  readonly anyRows?: boolean;
  /**
   * True when failingRows also returns a `reason` per row (text naming what is wrong with that
   * row, e.g. which clinic, analysis and conversion): the finding carries it instead of the
   * check's general reason.
   */
  rowReasons?(check: CheckDefinition): boolean;
}

/**
 * An aggregate check's SQL returns measurements: `scope_level`, `scope_value`,
 * `numerator`, `denominator` and `detail` (text or null); one row with scope_level
 * 'national' and, when grouped, one per group.
 */
export interface AggregateCheckType extends CheckTypeBase {
  readonly shape: 'aggregate';
  measure(check: CheckDefinition, env: SqlEnv): string;
  /** True when the measurement is outside what the check allows; null when it cannot be judged. */
  breached(check: CheckDefinition, m: Measurement): boolean | null;
}

export type CheckType = RowCheckType | AggregateCheckType;

export interface Measurement {
  readonly scope_level: string;
  readonly scope_value: string | null;
  readonly numerator: number | null;
  readonly denominator: number | null;
  readonly detail?: string | null;
}

export type { CheckScope };

/** The threshold text of a check judged by its failing rows: `at most 0 failing`, `at most 2.5% failing`. */
export function failingAtMost(check: CheckDefinition): string {
  return `at most ${formatThreshold(check.threshold)} failing`;
}

/** Maps a group-by column onto the scope level it stands for in history and reports. */
export function scopeLevelOf(column: string): string {
  if (column === 'journal_system') return 'system';
  if (column === 'sor_code') return 'clinic';
  return column;
}

/** A SQL literal for a bound given in YAML: a number, a date, a timestamp, `today` or `now`. */
export function boundSql(value: unknown, env: Pick<SqlEnv, 'nowSql' | 'todaySql'>): string {
  if (typeof value === 'number') return String(value);
  if (value instanceof Date) return `DATE '${value.toISOString().slice(0, 10)}'`;
  const s = String(value).trim();
  if (s === 'today') return env.todaySql;
  if (s === 'now') return env.nowSql;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return `DATE '${s}'`;
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(Z|[+-]\d{2}:?\d{2})?$/.test(s)) return `TIMESTAMPTZ '${s}'`;
  if (/^-?\d+(\.\d+)?$/.test(s)) return s;
  throw new Error(`unsupported bound: ${s}`);
}

export function isBound(value: unknown): boolean {
  try {
    boundSql(value, { nowSql: '', todaySql: '' });
    return true;
  } catch {
    return false;
  }
}

/** A list of SQL string literals. */
export function sqlList(values: readonly unknown[]): string {
  return values.map((v) => `'${String(v).replaceAll("'", "''")}'`).join(', ');
}

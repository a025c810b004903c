// What a check type provides. Each type lives in quality/checks/<type>.ts and is
// registered in quality/registry.ts.
import type { CheckDefinition, CheckScope, DataKind, TypeSpec } from './definitions.ts';

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
  /** Column names and DuckDB types of core.<kind>, for every kind. */
  readonly columns: ReadonlyMap<string, ReadonlyArray<{ name: string; type: string }>>;
}

/** A row check's SQL returns the failing rows: `row_id` and optionally `column_name`. */
export interface RowCheckType extends TypeSpec {
  readonly shape: 'row';
  failingRows(check: CheckDefinition, env: SqlEnv): string;
  /** Why the check cannot run now (e.g. a reference file is missing), or null. */
  unavailable?(check: CheckDefinition, env: SqlEnv): string | null;
  /**
   * True when failingRows may return rows outside env.rows (a query written in the YAML): the
   * engine then keeps only rows of env.rows. The other types select from env.rows themselves.
   */
  readonly anyRows?: boolean;
}

/**
 * An aggregate check's SQL returns measurements: `scope_level`, `scope_value`,
 * `numerator`, `denominator` and `detail` (text or null); one row with scope_level
 * 'national' and, when grouped, one per group.
 */
export interface AggregateCheckType extends TypeSpec {
  readonly shape: 'aggregate';
  measure(check: CheckDefinition, env: SqlEnv): string;
  /** True when the measurement is outside what the check allows; null when it cannot be judged. */
  breached(check: CheckDefinition, m: Measurement): boolean | null;
  unavailable?(check: CheckDefinition, env: SqlEnv): string | null;
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

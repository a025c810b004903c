// custom_sql: a query that returns the failing rows (at least `row_id`, optionally
// `column_name`), as a dbt data test does; `reason_from` names a column of the query whose text
// is each row's own reason (which clinic, analysis, conversion), the check's `reason` otherwise. Placeholders: {work}, {core}, {rows},
// {now}, {today}, {run_id}, and {work.<kind>} / {core.<kind>} for other kinds.
import type { RowCheckType, SqlEnv } from '../check-type.ts';
import { failingAtMost } from '../check-type.ts';
import { column, noOtherKeys, str } from '../definitions.ts';
import { sqlIdent, sqlString } from '../../transforms/db/connection.ts';

export const customSql: RowCheckType = {
  shape: 'row',
  defaultScope: 'row',
  thresholdText: failingAtMost,
  reading: 'failing_rows',
  anyRows: true,
  parse(raw, at) {
    noOtherKeys(raw, ['sql', 'column', 'reason_from'], at);
    const sql = str(raw.sql, at.key('sql'), 'a query returning the failing rows\' row_id');
    if (/;\s*\S/.test(sql)) at.key('sql').fail(sql, 'one query, without ;');
    return {
      sql: sql.trim().replace(/;$/, ''), column: raw.column === undefined ? null : column(raw.column, at.key('column')),
      reason_from: raw.reason_from === undefined ? null : column(raw.reason_from, at.key('reason_from')),
    };
  },
  rowReasons(check) {
    return check.params.reason_from != null;
  },
  unavailable(check, env) {
    return missingTable(check.params.sql as string, env);
  },
  failingRows(check, env) {
    const col = check.params.column == null ? 'null::varchar' : sqlString(check.params.column as string);
    const reason = check.params.reason_from == null ? '' : `, ${sqlIdent(check.params.reason_from as string)} as reason`;
    return `select row_id, ${col} as column_name${reason} from (\n${fill(check.params.sql as string, env)}\n)`;
  },
};

/** Replaces the placeholders of a custom query. */
export function fill(sql: string, env: SqlEnv): string {
  return sql.replace(/\{([a-z_]+(?:\.[a-z_]+)?)\}/g, (whole, name: string) => {
    switch (name) {
      case 'work': return env.work;
      case 'core': return env.core;
      case 'rows': return env.rows;
      case 'now': return env.nowSql;
      case 'today': return env.todaySql;
      case 'run_id': return sqlString(env.runId);
    }
    const [schema, table] = name.split('.');
    if (schema === 'core') return `core.${table}`;
    if (schema === 'work') return env.tables.has(`work.${table}`) ? `work.${table}` : `(select * from core.${table} limit 0)`;
    return whole;
  });
}

/** The first table a query names (schema.table) that does not exist, as a reason; or null. */
export function missingTable(sql: string, env: SqlEnv): string | null {
  for (const m of sql.matchAll(/(?<![{\w.])(staging|meta|ref|core|quality|lab)\.([a-z_]+)\b/g)) {
    if (!env.tables.has(`${m[1]}.${m[2]}`)) return `table ${m[1]}.${m[2]} does not exist`;
  }
  for (const m of sql.matchAll(/\{core\.([a-z_]+)\}/g)) {
    if (!env.tables.has(`core.${m[1]}`)) return `table core.${m[1]} does not exist`;
  }
  return null;
}

// relationship: the row's key columns must match a row of another table (a foreign
// key). `to` is a table (ref.clinics) or a data kind, which means the state after
// this run: published rows not replaced by this run, plus this run's rows.
import type { RowCheckType, SqlEnv } from '../check-type.ts';
import { failingAtMost } from '../check-type.ts';
import { column, dataKinds, noOtherKeys, str } from '../definitions.ts';
import { sqlIdent, sqlString } from '../../transforms/db/connection.ts';

export const relationship: RowCheckType = {
  shape: 'row',
  defaultScope: 'row',
  thresholdText: failingAtMost,
  reading: 'failing_rows',
  parse(raw, at) {
    noOtherKeys(raw, ['to', 'columns'], at);
    const to = str(raw.to, at.key('to'), 'a table like ref.clinics or a data kind like diagnoser');
    if (!(dataKinds as readonly string[]).includes(to) && !/^[a-z_]+\.[a-z_]+$/.test(to)) at.key('to').fail(to, 'schema.table or a data kind');
    const cols = raw.columns;
    if (cols == null || typeof cols !== 'object' || Array.isArray(cols) || Object.keys(cols).length === 0) {
      at.key('columns').fail(cols, 'a mapping of this kind\'s columns to the other table\'s, like { sor_code: sor_code }');
    }
    const mapping: Record<string, string> = {};
    for (const [k, v] of Object.entries(cols as Record<string, unknown>)) mapping[column(k, at.key('columns'))] = column(v, at.key(`columns.${k}`));
    return { to, columns: mapping };
  },
  unavailable(check, env) {
    const to = check.params.to as string;
    const table = (dataKinds as readonly string[]).includes(to) ? `core.${to}` : to;
    return env.tables.has(table) ? null : `table ${table} does not exist`;
  },
  failingRows(check, env) {
    const mapping = Object.entries(check.params.columns as Record<string, string>);
    const present = mapping.map(([l]) => `w.${sqlIdent(l)} is not null`).join(' and ');
    const match = mapping.map(([l, r]) => `t.${sqlIdent(r)} = w.${sqlIdent(l)}`).join(' and ');
    const to = check.params.to as string;
    return `select w.row_id, ${sqlString(mapping[0]![0])} as column_name from ${env.rows} as w
where ${present}
  and ${notIn(to, match, env, mapping)}`;
  },
};

/**
 * "No row of `to` matches", where a data kind means the state after this run: this run's rows,
 * and published rows this run does not replace. Asked as two questions rather than of one
 * union, so the published rows (the whole history) are only probed for this run's keys: no
 * hash table over the history, whose size would grow every night. The published rows are
 * first narrowed to those whose first key column holds one of the run's values (a semi join on
 * one column, its bloom filter applied in the scan): matching every key column, correlated, for
 * each of the history's rows cost twice as much on a national history. The history is still
 * read (one column of it): there is no index on these columns.
 * The rows this run replaces are the few that work.published_matches found by key hash (row ids,
 * valid in the run's transaction): asking each published row whether the run has its record key
 * instead would read the record keys of the whole history.
 */
function notIn(to: string, match: string, env: SqlEnv, mapping: readonly (readonly [string, string])[]): string {
  if (!(dataKinds as readonly string[]).includes(to)) return `not exists (select 1 from ${to} as t where ${match})`;
  const work = `work.${to}`;
  if (!env.tables.has(work)) return `not exists (select 1 from core.${to} as t where ${match})`;
  const [left, right] = mapping[0]!;
  // join_filter_hint() (transforms/macros/join_filter_hint.sql): without it every row of the
  // history is probed instead of being filtered in the scan of core.
  const probe = `t.${sqlIdent(right)} in (select k.${sqlIdent(left)} from ${env.rows} as k where join_filter_hint())`;
  const replaced = env.tables.has('work.published_matches')
    ? `t.rowid not in (select p.rid from work.published_matches as p semi join ${work} as r using (record_key) where p.kind = ${sqlString(to)})`
    : `not exists (select 1 from ${work} as r where r.record_key = t.record_key)`;
  return `not exists (select 1 from ${work} as t where ${match})
  and not exists (
      select 1 from (
          select * from core.${to} as t
          where ${probe}
            and ${replaced}
      ) as t
      where ${match}
  )`;
}

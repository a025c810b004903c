// volume: the number of candidate rows of the kind in this run must lie within
// [min_rows, max_rows]; with group_by, per group (only groups that delivered).
import type { AggregateCheckType } from '../check-type.ts';
import { scopeLevelOf } from '../check-type.ts';
import { column, noOtherKeys, strList } from '../definitions.ts';
import { sqlIdent, sqlString } from '../../transforms/db/connection.ts';

export const volume: AggregateCheckType = {
  shape: 'aggregate',
  defaultScope: 'aggregate',
  reading: 'row_count',
  thresholdText(check) {
    const p = check.params;
    return [p.min_rows != null ? `at least ${p.min_rows} rows` : '', p.max_rows != null ? `at most ${p.max_rows} rows` : ''].filter(Boolean).join(', ');
  },
  parse(raw, at) {
    noOtherKeys(raw, ['min_rows', 'max_rows', 'group_by'], at);
    for (const k of ['min_rows', 'max_rows'] as const) {
      const v = raw[k];
      if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) at.key(k).fail(v, 'a whole number of rows');
    }
    if (raw.min_rows === undefined && raw.max_rows === undefined) at.key('min_rows').fail(undefined, 'min_rows, max_rows or both');
    return {
      min_rows: raw.min_rows ?? null,
      max_rows: raw.max_rows ?? null,
      group_by: raw.group_by === undefined ? null : column(strList(raw.group_by, at.key('group_by'), 'one column')[0], at.key('group_by')),
    };
  },
  measure(check, env) {
    // The denominator is the expected minimum, so percent reads "of the expected volume".
    const den = check.params.min_rows == null ? 'null::bigint' : String(check.params.min_rows);
    const rows = env.tables.has(env.work) ? env.rows : `(select * from ${env.core} limit 0)`;
    const national = `select 'national' as scope_level, null::varchar as scope_value, count(*) as numerator, ${den} as denominator, null::varchar as detail from ${rows}`;
    const g = check.params.group_by as string | null;
    if (g == null) return national;
    return `${national}
union all
select ${sqlString(scopeLevelOf(g))}, cast(${sqlIdent(g)} as varchar), count(*), ${den}, null
from ${rows}
group by ${sqlIdent(g)}`;
  },
  breached(check, m) {
    const n = m.numerator ?? 0;
    const min = check.params.min_rows as number | null;
    const max = check.params.max_rows as number | null;
    return (min != null && n < min) || (max != null && n > max);
  },
};

// range: a present value must lie within [min, max]. Bounds are numbers, dates,
// timestamps, or `today` / `now` (the run's clock, so 'in the future' is testable).
import type { RowCheckType } from '../check-type.ts';
import { boundSql, failingAtMost, isBound } from '../check-type.ts';
import { column, noOtherKeys } from '../definitions.ts';
import { sqlIdent, sqlString } from '../../transforms/db/connection.ts';

export const range: RowCheckType = {
  shape: 'row',
  defaultScope: 'row',
  thresholdText: failingAtMost,
  reading: 'failing_rows',
  parse(raw, at) {
    noOtherKeys(raw, ['column', 'min', 'max'], at);
    if (raw.min === undefined && raw.max === undefined) at.key('min').fail(undefined, 'min, max or both');
    for (const k of ['min', 'max'] as const) {
      if (raw[k] !== undefined && !isBound(raw[k])) at.key(k).fail(raw[k], 'a number, a date yyyy-mm-dd, a timestamp, today or now');
    }
    return { column: column(raw.column, at.key('column')), min: raw.min, max: raw.max };
  },
  failingRows(check, env) {
    const c = check.params.column as string;
    const col = sqlIdent(c);
    const outside: string[] = [];
    if (check.params.min !== undefined) outside.push(`${col} < ${boundSql(check.params.min, env)}`);
    if (check.params.max !== undefined) outside.push(`${col} > ${boundSql(check.params.max, env)}`);
    return `select row_id, ${sqlString(c)} as column_name from ${env.rows}\nwhere ${col} is not null and (${outside.join(' or ')})`;
  },
};

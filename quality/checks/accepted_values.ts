// accepted_values: a present value must be one of a list (compared as text).
import type { RowCheckType } from '../check-type.ts';
import { failingAtMost, sqlList } from '../check-type.ts';
import { column, noOtherKeys } from '../definitions.ts';
import { sqlIdent, sqlString } from '../../transforms/db/connection.ts';

export const acceptedValues: RowCheckType = {
  shape: 'row',
  defaultScope: 'row',
  thresholdText: failingAtMost,
  reading: 'failing_rows',
  parse(raw, at) {
    noOtherKeys(raw, ['column', 'values'], at);
    const values = raw.values;
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => v == null || typeof v === 'object')) {
      return at.key('values').fail(values, 'a non-empty list of values');
    }
    return { column: column(raw.column, at.key('column')), values: values.map(String) };
  },
  failingRows(check, env) {
    const c = check.params.column as string;
    const col = `cast(${sqlIdent(c)} as varchar)`;
    return `select row_id, ${sqlString(c)} as column_name from ${env.rows}\nwhere ${col} is not null and ${col} not in (${sqlList(check.params.values as string[])})`;
  },
};

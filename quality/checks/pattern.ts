// pattern: a present value must match a regular expression in full (RE2 syntax, as DuckDB's regexp_full_match).
import type { RowCheckType } from '../check-type.ts';
import { failingAtMost } from '../check-type.ts';
import { column, noOtherKeys, str } from '../definitions.ts';
import { sqlIdent, sqlString } from '../../transforms/db/connection.ts';

export const pattern: RowCheckType = {
  shape: 'row',
  defaultScope: 'row',
  thresholdText: failingAtMost,
  reading: 'failing_rows',
  parse(raw, at) {
    noOtherKeys(raw, ['column', 'pattern'], at);
    const p = str(raw.pattern, at.key('pattern'), 'a regular expression');
    try {
      new RegExp(p);
    } catch {
      at.key('pattern').fail(p, 'a valid regular expression');
    }
    return { column: column(raw.column, at.key('column')), pattern: p };
  },
  failingRows(check, env) {
    const c = check.params.column as string;
    const col = `cast(${sqlIdent(c)} as varchar)`;
    return `select row_id, ${sqlString(c)} as column_name from ${env.rows}\nwhere ${col} is not null and not regexp_full_match(${col}, ${sqlString(check.params.pattern as string)})`;
  },
};

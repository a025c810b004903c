// not_null: the column (or each of the columns) must hold a value; blank text counts as missing.
import type { RowCheckType } from '../check-type.ts';
import { column, noOtherKeys, strList } from '../definitions.ts';
import { sqlIdent, sqlString } from '../../db/connection.ts';

export const notNull: RowCheckType = {
  shape: 'row',
  defaultScope: 'row',
  parse(raw, at) {
    noOtherKeys(raw, ['column', 'columns'], at);
    const list = strList(raw.columns ?? raw.column, at.key('columns'), 'a column name or a list of them');
    return { columns: list.map((c, i) => column(c, at.key(`columns[${i}]`))) };
  },
  failingRows(check, env) {
    const cols = check.params.columns as string[];
    return cols
      .map((c) => `select row_id, ${sqlString(c)} as column_name from ${env.rows} where nullif(trim(cast(${sqlIdent(c)} as varchar)), '') is null`)
      .join('\nunion all\n');
  },
};

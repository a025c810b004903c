// not_null: the column (or each of the columns) must hold a value; blank text counts as missing.
import type { RowCheckType } from '../check-type.ts';
import { failingAtMost } from '../check-type.ts';
import { column, noOtherKeys, strList } from '../definitions.ts';
import { sqlIdent, sqlString } from '../../transforms/db/connection.ts';

export const notNull: RowCheckType = {
  shape: 'row',
  defaultScope: 'row',
  thresholdText: failingAtMost,
  reading: 'failing_rows',
  parse(raw, at) {
    noOtherKeys(raw, ['column', 'columns'], at);
    const list = strList(raw.columns ?? raw.column, at.key('columns'), 'a column name or a list of them');
    return { columns: list.map((c, i) => column(c, at.key(`columns[${i}]`))) };
  },
  failingRows(check, env) {
    const cols = check.params.columns as string[];
    const types = new Map((env.columns.get(check.kind) ?? []).map((c) => [c.name, c.type]));
    return cols.map((c) => `select row_id, ${sqlString(c)} as column_name from ${env.rows} where ${missing(sqlIdent(c), types.get(c))}`).join('\nunion all\n');
  },
};

/** Types whose text form is never blank: for them, missing means null. */
const neverBlank = /^(DATE|TIME|TIMESTAMP|TIMESTAMP WITH TIME ZONE|BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL\(\d+,\d+\))$/;

/**
 * Null, or blank once trimmed. Trimming copies the value, so for text it is done only where the
 * first character is itself blank (a value that trims to nothing starts with something trim
 * removes): a long letter text is not copied to find it is present.
 */
function missing(col: string, type: string | undefined): string {
  if (type && neverBlank.test(type)) return `${col} is null`;
  const text = type === 'VARCHAR' ? col : `cast(${col} as varchar)`;
  return `(${text} is null or (trim(left(${text}, 1)) = '' and trim(${text}) = ''))`;
}

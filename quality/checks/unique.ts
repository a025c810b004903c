// unique: no two candidate rows share the key columns (the last one, by row_id =
// file and line order, is kept, as the pipeline keeps the last copy); with include_core, a row
// that is identical (on those columns) to a published row fails too. With the
// natural key plus the content columns this finds exact duplicates (re-sends),
// while a correction (same record id, new content) passes.
import type { RowCheckType } from '../check-type.ts';
import { failingAtMost } from '../check-type.ts';
import { column, noOtherKeys, strList } from '../definitions.ts';
import { sqlIdent, sqlString } from '../../transforms/db/connection.ts';

export const unique: RowCheckType = {
  shape: 'row',
  defaultScope: 'row',
  thresholdText: failingAtMost,
  reading: 'failing_rows',
  parse(raw, at) {
    noOtherKeys(raw, ['columns', 'include_core'], at);
    const cols = strList(raw.columns, at.key('columns'), 'a list of the key columns').map((c, i) => column(c, at.key(`columns[${i}]`)));
    if (raw.include_core !== undefined && typeof raw.include_core !== 'boolean') at.key('include_core').fail(raw.include_core, 'true or false');
    return { columns: cols, include_core: raw.include_core ?? false };
  },
  failingRows(check, env) {
    const cols = (check.params.columns as string[]).map(sqlIdent);
    const first = sqlString((check.params.columns as string[])[0]!);
    const withinRun = `select row_id, ${first} as column_name from (
    select row_id, row_number() over (partition by ${cols.join(', ')} order by row_id desc) as nth
    from ${env.rows}
) where nth > 1`;
    if (!check.params.include_core) return withinRun;
    const same = cols.map((c) => `p.${c} is not distinct from w.${c}`).join(' and ');
    return `${withinRun}
union
select w.row_id, ${first} as column_name from ${env.rows} as w
where exists (select 1 from ${env.core} as p where ${same})`;
  },
};

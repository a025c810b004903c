// no_cpr: no CPR number or eCPR replacement number in any text or id field. Uses
// the detector macro has_cpr(text) from transforms/macros (one detector for the
// whole project). The finding names the column, never the number.
import type { RowCheckType } from '../check-type.ts';
import { failingAtMost } from '../check-type.ts';
import { column, noOtherKeys, strList } from '../definitions.ts';
import { sqlIdent, sqlString } from '../../transforms/db/connection.ts';

/**
 * Columns the pipeline computes itself, not delivered text: a hex digest such as
 * content_hash can hold ten digits in a row that read as a date and a serial number.
 */
const notDelivered = new Set(['record_key', 'journal_system', 'source_file', 'file_hash', 'content_hash', 'batch_id', 'run_id', 'unresolved_reason']);

export const noCpr: RowCheckType = {
  shape: 'row',
  defaultScope: 'row',
  thresholdText: failingAtMost,
  reading: 'failing_rows',
  macros: ['has_cpr'],
  // A kind whose rows were not searched for CPR numbers must not be published.
  holdsBackUnchecked: true,
  parse(raw, at) {
    noOtherKeys(raw, ['columns'], at);
    if (raw.columns === undefined || raw.columns === 'all_text') return { columns: 'all_text' };
    return { columns: strList(raw.columns, at.key('columns'), 'all_text or a list of columns').map((c, i) => column(c, at.key(`columns[${i}]`))) };
  },
  unavailable(_check, env) {
    return env.macros.has('has_cpr') ? null : 'the CPR detector has_cpr is not loaded';
  },
  failingRows(check, env) {
    const cols =
      check.params.columns === 'all_text'
        ? (env.columns.get(check.kind) ?? []).filter((c) => c.type === 'VARCHAR' && !notDelivered.has(c.name)).map((c) => c.name)
        : (check.params.columns as string[]);
    if (cols.length === 0) return `select null::bigint as row_id, null::varchar as column_name where false`;
    // One use of the detector for all the columns, over (row, column, value): DuckDB expands a
    // macro in place and binds and optimises every copy, and the detector is large, so one copy
    // per text column made planning this query cost more than running it. UNPIVOT leaves out nulls.
    const names = cols.map(sqlIdent).join(', ');
    const texts = cols.map((c) => `${sqlIdent(c)}::varchar as ${sqlIdent(c)}`).join(', ');
    return `select row_id, column_name from (
      unpivot (select row_id, ${texts} from ${env.rows}) on ${names} into name column_name value text_value
    ) where has_cpr(text_value)`;
  },
};

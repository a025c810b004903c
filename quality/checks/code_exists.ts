// code_exists: the code must exist in a reference list, valid on the row's date
// (SKS codes have validity periods). The list is quality.sks_codes, loaded from
// the file configured as reference.sks_file; without one the check is not evaluated.
import type { RowCheckType } from '../check-type.ts';
import { failingAtMost } from '../check-type.ts';
import { column, noOtherKeys, oneOf } from '../definitions.ts';
import { sqlIdent, sqlString } from '../../transforms/db/connection.ts';

export const codeExists: RowCheckType = {
  shape: 'row',
  defaultScope: 'row',
  thresholdText: failingAtMost,
  reading: 'failing_rows',
  parse(raw, at) {
    noOtherKeys(raw, ['column', 'as_of', 'reference'], at);
    return {
      column: column(raw.column, at.key('column')),
      as_of: raw.as_of === undefined ? null : column(raw.as_of, at.key('as_of')),
      reference: oneOf(raw.reference ?? 'sks', ['sks'] as const, at.key('reference')),
    };
  },
  unavailable(check, env) {
    return env.references.has(check.params.reference as string) ? null : 'no SKS file configured (reference.sks_file in config/pipeline.yaml)';
  },
  failingRows(check, env) {
    const c = sqlIdent(check.params.column as string);
    const asOf = check.params.as_of == null ? null : `w.${sqlIdent(check.params.as_of as string)}`;
    const valid = asOf == null ? '' : `\n        and (s.valid_from is null or ${asOf} is null or s.valid_from <= ${asOf})\n        and (s.valid_to is null or ${asOf} is null or ${asOf} < s.valid_to)`;
    return `select w.row_id, ${sqlString(check.params.column as string)} as column_name from ${env.rows} as w
where w.${c} is not null
  and not exists (
    select 1 from quality.sks_codes as s
    where s.code = w.${c}${valid}
  )`;
  },
};

// reconciliation: two counts that must agree, e.g. rows read from this run's files
// against candidate rows plus rejected rows. numerator = |left - right|,
// denominator = left; the threshold is the difference allowed (count or percent).
// Not evaluated when the left count is null (nothing to reconcile yet).
import type { AggregateCheckType } from '../check-type.ts';
import { failingAtMost } from '../check-type.ts';
import { exceeds, noOtherKeys, str } from '../definitions.ts';
import { fill, missingTable } from './custom_sql.ts';

export const reconciliation: AggregateCheckType = {
  shape: 'aggregate',
  defaultScope: 'aggregate',
  thresholdText: failingAtMost,
  reading: 'difference',
  parse(raw, at) {
    noOtherKeys(raw, ['left', 'right'], at);
    return {
      left: str(raw.left, at.key('left'), 'a query returning one count'),
      right: str(raw.right, at.key('right'), 'a query returning one count'),
    };
  },
  unavailable(check, env) {
    return missingTable(`${check.params.left as string}\n${check.params.right as string}`, env);
  },
  measure(check, env) {
    return `with l as (${fill(check.params.left as string, env)}),
     r as (${fill(check.params.right as string, env)}),
     counts as (select (select * from l) as lc, (select * from r) as rc)
select 'national' as scope_level, null::varchar as scope_value,
       abs(lc - rc) as numerator, lc as denominator,
       'left ' || coalesce(cast(lc as varchar), 'null') || ', right ' || coalesce(cast(rc as varchar), 'null') as detail
from counts`;
  },
  breached(check, m) {
    if (m.numerator == null || m.denominator == null) return null;
    return exceeds(check.threshold, m.numerator, m.denominator);
  },
};

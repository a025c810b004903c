// freshness: the newest value of a date or timestamp column, over the published
// rows and this run's rows, must be at most max_age old at the run's `now`.
// numerator = age in hours, denominator = the allowed age in hours.
import type { AggregateCheckType } from '../check-type.ts';
import { scopeLevelOf } from '../check-type.ts';
import { column, noOtherKeys, str, strList } from '../definitions.ts';
import { sqlIdent, sqlString } from '../../transforms/db/connection.ts';

export const freshness: AggregateCheckType = {
  shape: 'aggregate',
  defaultScope: 'aggregate',
  reading: 'age_hours',
  thresholdText(check) {
    return `at most ${check.params.max_age_hours} hours old`;
  },
  parse(raw, at) {
    noOtherKeys(raw, ['column', 'max_age', 'group_by'], at);
    const age = str(String(raw.max_age ?? ''), at.key('max_age'), 'an age like 36h or 7d');
    const m = /^(\d+)\s*([hd])$/.exec(age.trim());
    if (!m) return at.key('max_age').fail(raw.max_age, 'an age like 36h or 7d');
    return {
      column: column(raw.column, at.key('column')),
      max_age_hours: Number(m[1]) * (m[2] === 'd' ? 24 : 1),
      group_by: raw.group_by === undefined ? null : column(strList(raw.group_by, at.key('group_by'), 'one column')[0], at.key('group_by')),
    };
  },
  measure(check, env) {
    const c = sqlIdent(check.params.column as string);
    const g = check.params.group_by as string | null;
    const gcol = g == null ? 'null::varchar' : `cast(${sqlIdent(g)} as varchar)`;
    const work = env.tables.has(env.work) ? `\n    union all\n    select ${gcol} as grp, ${c} as v from ${env.work}` : '';
    // A DATE means the whole local day: a letter dated yesterday is 0 to 24 hours old.
    const ageHours = `date_diff('minute', cast(max(v) as timestamp), cast(timezone('Europe/Copenhagen', ${env.nowSql}) as timestamp)) / 60.0`;
    const nat = `select 'national' as scope_level, null::varchar as scope_value, ${ageHours} as numerator, ${check.params.max_age_hours} as denominator,
       'newest ' || cast(max(v) as varchar) as detail
from vals`;
    const grouped = g == null ? '' : `
union all
select ${sqlString(scopeLevelOf(g))}, grp, ${ageHours}, ${check.params.max_age_hours}, 'newest ' || cast(max(v) as varchar)
from vals group by grp`;
    // Values after `now` are the future-date checks' findings, not evidence of fresh data.
    const notFuture = `cast(v as timestamp) <= cast(timezone('Europe/Copenhagen', ${env.nowSql}) as timestamp)`;
    if (g == null) {
      // Only the newest value counts: asked as a top-1, DuckDB skips the row groups of core whose
      // statistics say they hold nothing newer than the best value so far, so the published
      // history is not read every night (max() would scan every row of it).
      const newest = (from: string) => `(select v from (select ${c} as v from ${from}) where ${notFuture} order by v desc limit 1)`;
      const ofWork = env.tables.has(env.work) ? `\n    union all\n    ${newest(env.work)}` : '';
      return `with vals as (
    select null::varchar as grp, v from (
    ${newest(env.core)}${ofWork}
    )
)
${nat}`;
    }
    return `with vals as (
    select * from (
        select ${gcol} as grp, ${c} as v from ${env.core}${work}
    ) where ${notFuture}
)
${nat}${grouped}`;
  },
  breached(check, m) {
    if (m.numerator == null) return null;
    return m.numerator > (check.params.max_age_hours as number);
  },
};

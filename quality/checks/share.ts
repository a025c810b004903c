// share: the share of rows meeting a condition must reach a minimum (a percent, or
// a count such as 1 = "at least one"), in every group. For example, A/B marking
// per journal system: the systems that mark nothing are named in the result.
import type { AggregateCheckType } from '../check-type.ts';
import { scopeLevelOf } from '../check-type.ts';
import { column, formatThreshold, noOtherKeys, parseThreshold, reaches, str, strList, type Threshold } from '../definitions.ts';
import { sqlIdent, sqlString } from '../../transforms/db/connection.ts';

export const share: AggregateCheckType = {
  shape: 'aggregate',
  defaultScope: 'aggregate',
  reading: 'share',
  thresholdText(check) {
    // "at least 1" beside "4,937 of 7,419 (66.5%)" read as a share of 1%: say what is counted, and where
    const t = check.params.at_least as Threshold;
    const g = check.params.group_by as string | null;
    const what = 'percent' in t ? formatThreshold(t) : `${t.count} row${t.count === 1 ? '' : 's'}`;
    return g == null ? `at least ${what}` : `at least ${what} in every ${groupNoun(g)}`;
  },
  parse(raw, at) {
    noOtherKeys(raw, ['condition', 'group_by', 'at_least'], at);
    return {
      condition: str(raw.condition, at.key('condition'), 'a SQL predicate: the rows counted in the share'),
      group_by: raw.group_by === undefined ? null : column(strList(raw.group_by, at.key('group_by'), 'one column')[0], at.key('group_by')),
      at_least: parseThreshold(raw.at_least, at.key('at_least')),
    };
  },
  measure(check, env) {
    const cond = `count(*) filter (where ${check.params.condition as string})`;
    const national = `select 'national' as scope_level, null::varchar as scope_value, ${cond} as numerator, count(*) as denominator, null::varchar as detail from ${env.rows}`;
    const g = check.params.group_by as string | null;
    if (g == null) return national;
    return `${national}
union all
select ${sqlString(scopeLevelOf(g))}, cast(${sqlIdent(g)} as varchar), ${cond}, count(*), null
from ${env.rows}
group by ${sqlIdent(g)}`;
  },
  breached(check, m) {
    if (!m.denominator) return null;
    return !reaches(check.params.at_least as Threshold, m.numerator ?? 0, m.denominator);
  },
};

/** How a threshold names the groups of `group_by`. */
function groupNoun(column: string): string {
  const level = scopeLevelOf(column);
  return level === 'system' ? 'journal system' : level;
}

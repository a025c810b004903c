// Every check type, registered in this one place. A new type is a file in
// quality/checks/ and one line here.
import type { CheckType, Reading } from './check-type.ts';
import { acceptedValues } from './checks/accepted_values.ts';
import { codeExists } from './checks/code_exists.ts';
import { customSql } from './checks/custom_sql.ts';
import { freshness } from './checks/freshness.ts';
import { noCpr } from './checks/no_cpr.ts';
import { notNull } from './checks/not_null.ts';
import { pattern } from './checks/pattern.ts';
import { range } from './checks/range.ts';
import { reconciliation } from './checks/reconciliation.ts';
import { relationship } from './checks/relationship.ts';
import { share } from './checks/share.ts';
import { unique } from './checks/unique.ts';
import { volume } from './checks/volume.ts';

export const checkTypes: ReadonlyMap<string, CheckType> = new Map<string, CheckType>([
  ['not_null', notNull],
  ['accepted_values', acceptedValues],
  ['pattern', pattern],
  ['range', range],
  ['unique', unique],
  ['relationship', relationship],
  ['custom_sql', customSql],
  ['code_exists', codeExists],
  ['no_cpr', noCpr],
  ['freshness', freshness],
  ['volume', volume],
  ['reconciliation', reconciliation],
  ['share', share],
]);

/** The type of that name: from the registry, or from `types` when a caller (a test) brings its own. */
export function checkType(name: string, types: ReadonlyMap<string, CheckType> = checkTypes): CheckType {
  const t = types.get(name);
  if (!t) throw new Error(`unknown check type: ${name}`);
  return t;
}

/** How results of the type of that name read in a report; a name not registered (an old history's) reads as failing rows. */
export function readingOf(name: string): Reading {
  return checkTypes.get(name)?.reading ?? 'failing_rows';
}

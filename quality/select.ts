// Picking checks by selectors, as `fangst checks --select/--exclude` takes them: `id:diagnoser.*`,
// `kind:epikriser`, `category:plausibility`, `tag:campaign`, or a bare word that is any of those.
// Several selectors add up (a check matching any is selected); --exclude then takes checks away.
import { NotFound, UsageError } from '../config/errors.ts';
import type { CheckDefinition } from './definitions.ts';

const FIELDS = ['id', 'kind', 'category', 'tag'] as const;
type Field = (typeof FIELDS)[number];

interface Selector {
  readonly text: string;
  readonly field: Field | null;
  readonly test: (value: string) => boolean;
}

/** `*` matches any run of characters (`diagnoser.sks_*`); everything else is literal. */
function matcher(pattern: string): (value: string) => boolean {
  if (!pattern.includes('*')) return (v) => v === pattern;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return (v) => re.test(v);
}

/** Selectors as typed: each value may hold several, separated by commas or spaces. */
export function parseSelectors(values: readonly string[], option: string): Selector[] {
  return values.flatMap((v) => v.split(/[\s,]+/)).filter(Boolean).map((text) => {
    const colon = text.indexOf(':');
    if (colon < 0) return { text, field: null, test: matcher(text) };
    const field = text.slice(0, colon);
    const value = text.slice(colon + 1);
    if (!(FIELDS as readonly string[]).includes(field) || value === '') {
      throw new UsageError(option, text, `a selector: ${FIELDS.map((f) => `${f}:VALUE`).join(', ')}, or a bare id, kind, category or tag (* matches any characters)`);
    }
    return { text, field: field as Field, test: matcher(value) };
  });
}

function matches(c: CheckDefinition, s: Selector): boolean {
  const values: Record<Field, readonly string[]> = { id: [c.id], kind: [c.kind], category: [c.category], tag: c.tags ?? [] };
  return (s.field ? [s.field] : FIELDS).some((f) => values[f].some(s.test));
}

/**
 * The checks that `select` picks (all when it is empty), less those `exclude` picks. A selector
 * that matches no check at all is NotFound: a typo never silently selects nothing.
 */
export function selectChecks(checks: readonly CheckDefinition[], select: readonly string[] = [], exclude: readonly string[] = []): CheckDefinition[] {
  const sel = parseSelectors(select, '--select');
  const exc = parseSelectors(exclude, '--exclude');
  for (const s of [...sel, ...exc]) {
    if (!checks.some((c) => matches(c, s))) {
      throw new NotFound('check matching', s.text, 'select by id, kind, category or tag; `fangst checks` lists them');
    }
  }
  return checks.filter((c) => (sel.length === 0 || sel.some((s) => matches(c, s))) && !exc.some((s) => matches(c, s)));
}

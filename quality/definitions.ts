// Parsing and validating check definitions (config/checks/*.yaml). Running them is
// quality/engine.ts's job; the SQL of each check type lives in quality/checks/.
import { parseYaml } from '../config/parse-yaml.ts';
import { ConfigError, UNKNOWN_KEY } from '../config/errors.ts';
import { knownKeysText, nearest, onlyKeys } from '../config/keys.ts';
import { KINDS, type Kind } from '../config/kinds.ts';

/** The data kinds a check can be declared for: those of config/kinds.ts. */
export const dataKinds = KINDS;
export type DataKind = Kind;

export const categories = ['conformance', 'completeness', 'plausibility', 'privacy'] as const;
export type Category = (typeof categories)[number];

export type Severity = 'warn' | 'error';
/** row: each failing row is a finding (error rows are quarantined); aggregate: a failure holds back the kind. */
export type CheckScope = 'row' | 'aggregate';

/** A limit given as a count (`3`) or a percent (`2.5%`). */
export type Threshold = { readonly count: number } | { readonly percent: number };

export interface CheckDefinition {
  readonly id: string;
  readonly kind: DataKind;
  readonly type: string;
  readonly category: Category;
  readonly scope: CheckScope;
  readonly severity: Severity;
  /** Row checks: the most failing rows allowed before the result is not passed. */
  readonly threshold: Threshold;
  readonly description: string;
  /** What a user sees next to a failing row. Static text: never a value from the data. */
  readonly reason: string;
  /** Optional SQL predicate: the rows the check applies to. */
  readonly where?: string;
  /** The type's own settings (column, pattern, values, ...), validated by the type. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The file the check was declared in. */
  readonly file: string;
  /** Free labels to select checks by (`fangst checks --select tag:campaign`); optional in the YAML. */
  readonly tags?: readonly string[];
}

/** Where in a file a value was read: used to build errors. */
export class At {
  constructor(
    readonly file: string,
    readonly path: string,
  ) {}
  key(k: string): At {
    return new At(this.file, `${this.path}.${k}`);
  }
  fail(found: unknown, expected: string): never {
    throw new ConfigError(this.file, this.path, found, expected);
  }
}

const commonKeys = new Set(['id', 'kind', 'type', 'category', 'scope', 'severity', 'threshold', 'description', 'reason', 'where', 'tags']);

export interface TypeSpec {
  /** The scope a check of this type has when the YAML does not say. */
  readonly defaultScope: CheckScope;
  /** The threshold a check of this type has when the YAML does not say; without one, none may fail. */
  readonly defaultThreshold?: Threshold;
  /** Validates the type's own keys; returns them normalised. */
  parse(raw: Readonly<Record<string, unknown>>, at: At): Record<string, unknown>;
}

/**
 * Parses one YAML file's text into check definitions. `types` maps a type name to
 * its parser (quality/registry.ts).
 */
export function parseCheckFile(text: string, file: string, types: ReadonlyMap<string, TypeSpec>): CheckDefinition[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(file, '(syntax)', (err as Error).message.split('\n')[0], 'valid YAML');
  }
  if (doc == null) return [];
  if (!Array.isArray(doc) && typeof doc === 'object') onlyKeys(file, doc as Record<string, unknown>, ['checks']);
  const list = Array.isArray(doc) ? doc : (doc as { checks?: unknown }).checks;
  if (!Array.isArray(list)) return new At(file, 'checks').fail(doc, 'a list of checks');
  return list.map((raw: unknown, i: number) => parseCheck(raw, new At(file, `checks[${i}]`), types));
}

function parseCheck(raw: unknown, at: At, types: ReadonlyMap<string, TypeSpec>): CheckDefinition {
  if (raw == null || typeof raw !== 'object' || Array.isArray(raw)) at.fail(raw, 'a mapping with id, kind, type, ...');
  const r = raw as Record<string, unknown>;
  const id = str(r.id, at.key('id'), 'a check id like diagnoser.sks_format');
  if (!/^[a-z0-9_]+(\.[a-z0-9_]+)+$/.test(id)) at.key('id').fail(id, 'lowercase words joined by dots, like diagnoser.sks_format');
  const here = new At(at.file, `${at.path} (${id})`);
  const kind = oneOf(r.kind, dataKinds, here.key('kind'));
  const typeName = str(r.type, here.key('type'), `one of ${[...types.keys()].join(', ')}`);
  const spec = types.get(typeName) ?? here.key('type').fail(typeName, knownKeysText(typeName, [...types.keys()]));
  // A misspelt common key (`severty`) is named as unknown, with its nearest key, rather than
  // reported as the common key missing; the type's parser names any other unknown key.
  const own: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (!commonKeys.has(k)) own[k] = v;
  for (const k of Object.keys(own)) {
    const guess = nearest(k, [...commonKeys]);
    if (guess !== undefined && !(guess in r)) here.key(k).fail(UNKNOWN_KEY, `a key of a check, ${knownKeysText(k, [...commonKeys])}`);
  }
  const category = oneOf(r.category, categories, here.key('category'));
  const scope = r.scope === undefined ? spec.defaultScope : oneOf(r.scope, ['row', 'aggregate'] as const, here.key('scope'));
  const severity = oneOf(r.severity, ['warn', 'error'] as const, here.key('severity'));
  const threshold = r.threshold === undefined ? (spec.defaultThreshold ?? { count: 0 }) : parseThreshold(r.threshold, here.key('threshold'));
  const reason = str(r.reason, here.key('reason'), 'the reason a user sees, as text');
  const description = r.description === undefined ? reason : str(r.description, here.key('description'), 'text');
  const where = r.where === undefined ? undefined : predicate(str(r.where, here.key('where'), 'a SQL predicate'), here.key('where'));
  const tags = r.tags === undefined ? [] : parseTags(r.tags, here.key('tags'));
  const params = Object.freeze(spec.parse(own, here));
  return Object.freeze({ id, kind, type: typeName, category, scope, severity, threshold, description, reason, where, params, file: at.file, tags: Object.freeze(tags) });
}

/** `tags: [campaign, export]`: lowercase words, to select checks by. */
function parseTags(value: unknown, at: At): string[] {
  const expected = 'a list of tags, lowercase words like [campaign, export]';
  if (!Array.isArray(value)) return at.fail(value, expected);
  for (const t of value) if (typeof t !== 'string' || !/^[a-z0-9_-]+$/.test(t)) at.fail(value, expected);
  return [...new Set(value as string[])];
}

/** Parses `3`, `"3"`, `"2.5%"` into a threshold. */
export function parseThreshold(value: unknown, at: At): Threshold {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return { count: value };
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(value);
    if (m) return m[2] ? { percent: Number(m[1]) } : { count: Number(m[1]) };
  }
  return at.fail(value, 'a count like 0 or a percent like 2.5%');
}

export function formatThreshold(t: Threshold): string {
  return 'percent' in t ? `${t.percent}%` : String(t.count);
}

/** True when `failing` of `total` goes beyond the threshold. */
export function exceeds(t: Threshold, failing: number, total: number): boolean {
  if ('percent' in t) return total > 0 && (failing / total) * 100 > t.percent;
  return failing > t.count;
}

/** True when `count` of `total` reaches at least the threshold. */
export function reaches(t: Threshold, count: number, total: number): boolean {
  if ('percent' in t) return total > 0 && (count / total) * 100 >= t.percent;
  return count >= t.count;
}

export function str(value: unknown, at: At, expected: string): string {
  if (typeof value !== 'string' || value.trim() === '') at.fail(value, expected);
  return value;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], at: At): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) at.fail(value, typeof value === 'string' ? knownKeysText(value, allowed) : `one of ${allowed.join(', ')}`);
  return value as T;
}

export function strList(value: unknown, at: At, expected: string): string[] {
  if (typeof value === 'string' && value.trim() !== '') return [value];
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string' || v.trim() === '')) at.fail(value, expected);
  return value as string[];
}

/** A column name as the canonical tables spell them. */
export function column(value: unknown, at: At): string {
  const c = str(value, at, 'a column name of the kind\'s table');
  if (!/^[a-z_][a-z0-9_]*$/.test(c)) at.fail(c, 'a lowercase column name of the kind\'s table');
  return c;
}

/** A check type's parser calls this with its own keys: any other key is unknown, named with the nearest known one. */
export function noOtherKeys(raw: Readonly<Record<string, unknown>>, allowed: readonly string[], at: At): void {
  const known = [...commonKeys, ...allowed];
  for (const k of Object.keys(raw)) if (!allowed.includes(k)) at.key(k).fail(UNKNOWN_KEY, `a key of this check type, ${knownKeysText(k, known)}`);
}

/**
 * A check's `where:` is one boolean expression that the engine puts inside a query of its own.
 * Outside its string literals and quoted names it may hold no `;` (a second statement), no
 * comment (which could hide the rest of the query) and no parenthesis it does not close (which
 * could end the engine's subquery and continue it): none of them belongs in a predicate.
 */
export function predicate(text: string, at: At): string {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"') {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) at.fail(text, `one boolean expression: the quote at character ${i + 1} is not closed`);
      i = end; // a doubled quote inside a literal reads as two literals side by side: same effect
    } else if (ch === ';') {
      at.fail(text, 'one boolean expression, without ;');
    } else if ((ch === '-' && text[i + 1] === '-') || (ch === '/' && text[i + 1] === '*')) {
      at.fail(text, 'one boolean expression, without comments');
    } else if (ch === '(') {
      depth++;
    } else if (ch === ')' && --depth < 0) {
      at.fail(text, `one boolean expression: the ) at character ${i + 1} closes nothing`);
    }
  }
  if (depth > 0) at.fail(text, 'one boolean expression: a ( is not closed');
  return text;
}

/** What a check found in a run, per scope: the engine's result, the history's row. */
export type Outcome = 'passed' | 'warned' | 'failed' | 'not_evaluated';

export interface CheckResult {
  readonly checkId: string;
  readonly kind: DataKind;
  readonly type: string;
  readonly category: string;
  /** row or aggregate, as declared. */
  readonly checkScope: 'row' | 'aggregate';
  readonly severity: 'warn' | 'error';
  /** national, system, clinic (or another group column). */
  readonly scopeLevel: string;
  readonly scopeValue: string | null;
  readonly numerator: number | null;
  readonly denominator: number | null;
  readonly percent: number | null;
  readonly outcome: Outcome;
  readonly threshold: string;
  /** Static text and names of systems or clinics: never a value from a text field. */
  readonly message: string | null;
}
